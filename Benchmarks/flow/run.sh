#!/usr/bin/env bash
# The caller-auth flow benchmark (issue 7): `ciba-agi serve` against `ciba-agi mock-provider`
# (its own process, interval 1 s), driven by flow-loadgen (FakeAsterisk calls over TCP).
# Only the serve process's CPU (utime+stime from /proc/PID/stat) and memory are measured.
#
#   Benchmarks/flow/run.sh [--callers "5000"] [--seconds 30] [--verified-calls 1000]
#                          [--auth "basic rs256 es256"] [--transports "http tls"] [--skip-build] [--perf]   (perf record of the server: wait window and verified batch)
#                          [--serve-binary PATH]   (serve from another build; provider and load generator from this one)
#                          [--shared-state "off on"]   (issue 10: each phase without and/or with a redis-server store)
#
# Per transport x client authentication, two phases, each with a fresh provider and server:
#   wait:     for each level in CALLERS (a list), that many calls placed (500/s) for the demo
#             person, who stays PENDING (the provider approves after enough polls to outlast
#             the window); once all are placed
#             and 5 s have passed, a SECONDS window: token requests made (the server's /metrics)
#             vs expected (callers x seconds / 1 s) and server CPU per token request. Then every
#             call runs to VERIFIED; failed = calls not VERIFIED. Peak RSS = VmHWM at the end.
#   verified: VERIFIED_CALLS calls (100/s) for the demo person with the default 2 pending polls,
#             after 20 warm-up calls; server CPU over the batch / VERIFIED calls (0 skips it).
# --shared-state: "on" gives each phase its own Debian redis-server (loopback, password, no
# persistence; Benchmarks/flow/shared-store.sh) in serve's "sharedState", checks afterwards that
# the store served every call (else the run fails) and adds its CPU, peak RSS and counts.
# Everything listens on 127.0.0.1 only. Prints a Markdown table; raw files stay in the temp dir.
set -euo pipefail

callers=5000
seconds=30
verified_calls=1000
auths="basic rs256 es256"
transports="http tls"
build=1
perf=0
serve_binary=""
stores="off"
while [ $# -gt 0 ]; do
    case "$1" in
        --callers) callers="$2"; shift 2 ;;
        --seconds) seconds="$2"; shift 2 ;;
        --verified-calls) verified_calls="$2"; shift 2 ;;
        --auth) auths="$2"; shift 2 ;;
        --transports) transports="$2"; shift 2 ;;
        --skip-build) build=0; shift ;;
        --perf) perf=1; shift ;;
        --serve-binary) serve_binary="$2"; shift 2 ;;
        --shared-state) stores="$2"; shift 2 ;;
        *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
for store in $stores; do
    case "$store" in off|on) ;; *) echo "run.sh: --shared-state takes off and/or on, not $store" >&2; exit 2 ;; esac
done
# shellcheck source=shared-store.sh
. "$root/Benchmarks/flow/shared-store.sh"
if [ "$build" = 1 ]; then
    nice -n 10 swift build -c release --product ciba-agi 2>&1 | grep -E "error|warning" || true
    nice -n 10 swift build -c release --product flow-loadgen 2>&1 | grep -E "error|warning" || true
fi
bin="$root/.build/release"
[ -x "$bin/ciba-agi" ] && [ -x "$bin/flow-loadgen" ] || { echo "run.sh: build first" >&2; exit 1; }
serve_binary="${serve_binary:-$bin/ciba-agi}"   # another build's ciba-agi (e.g. before a change) for serve only

ulimit -n "$(ulimit -Hn)"
for n in $callers; do
    [ "$(ulimit -n)" -gt $((2 * n + 200)) ] || { echo "run.sh: open-files limit $(ulimit -n) too small for $n callers" >&2; exit 1; }
done

work="$(mktemp -d /tmp/flow-bench.XXXXXX)"
echo "# raw files: $work" >&2
ticks="$(getconf CLK_TCK)"
pids=()
cleanup() { for pid in "${pids[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/bench-rs256.key" 2>/dev/null
openssl pkey -in "$work/bench-rs256.key" -pubout -out "$work/bench-rs256.pem"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/bench-es256.key" 2>/dev/null
openssl pkey -in "$work/bench-es256.key" -pubout -out "$work/bench-es256.pem"

free_port() {   # a loopback port no socket uses
    local port
    while :; do
        port=$((20000 + RANDOM % 30000))
        ss -tanH "sport = :$port" | grep -q . || { echo "$port"; return; }   # no socket in any state (a client's ephemeral port blocks a bind too)
    done
}

wait_for() {   # wait_for SECONDS COMMAND...: poll until COMMAND succeeds (bounded)
    local limit=$1; shift
    local deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || { echo "run.sh: gave up waiting for: $*" >&2; return 1; }
        sleep 0.2
    done
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
token_requests() {   # sum of ciba_agi_provider_requests_total{endpoint="token",...}
    curl -sf "http://127.0.0.1:$1/metrics" | awk '/^ciba_agi_provider_requests_total\{endpoint="token"/ { n += $2 } END { print n + 0 }'
}

# start_pair NAME AUTH TRANSPORT POLLS STORE: starts mock-provider (and redis-server when STORE
# is on) and serve, sets serve_pid, agi_port, ops_port (and redis_pid, redis_port)
start_pair() {
    local name=$1 auth=$2 transport=$3 polls=$4 store=$5
    local dir="$work/$name" provider_port issuer ca="" keys="" shared=""
    mkdir -p "$dir"
    if [ "$store" = on ]; then store_start "$dir"; shared=$(store_config "$dir"); fi
    provider_port=$(free_port); agi_port=$(free_port); ops_port=$(free_port)
    local provider_args=(mock-provider --listen "127.0.0.1:$provider_port" --interval 1 --approve-after-polls "$polls"
                         --client-public-key "$work/bench-rs256.pem,$work/bench-es256.pem")
    [ "$transport" = tls ] && provider_args+=(--tls "$work/pki")
    "$bin/ciba-agi" "${provider_args[@]}" >"$dir/provider.out" 2>"$dir/provider.err" &
    pids+=($!); provider_pid=$!
    wait_for 60 grep -q "issuer:" "$dir/provider.out"
    issuer=$(awk '/issuer:/ { print $2; exit }' "$dir/provider.out")
    if [ "$transport" = tls ]; then
        ca=$(awk '/CA certificate:/ { print $3; exit }' "$dir/provider.out")
        ca=", \"caFile\": \"$ca\""
    fi
    case "$auth" in
        basic) keys='"clientAuth": "client_secret_basic", "clientSecret": "ciba-agi-demo-secret"' ;;
        rs256|es256) keys="\"clientAuth\": \"private_key_jwt\", \"privateKeyFile\": \"$work/bench-$auth.key\", \"keyId\": \"bench-$auth\"" ;;
    esac
    cat >"$dir/ciba-agi.json" <<EOF
{
  "listen": "127.0.0.1:$agi_port",
  "allowedClients": ["127.0.0.1/32"],
  "opsListen": "127.0.0.1:$ops_port",
  "auditLog": "$dir/audit.jsonl",
  "logLevel": "warning",
  "provider": { "issuer": "$issuer", "clientId": "urn:ciba-agi:demo", $keys$ca, "requestTimeoutSeconds": 10 },
  "defaultProfile": "se-bankid",
  "profiles": {
    "se-bankid": { "numberKind": "se-personnummer", "acrValues": "urn:grn:authn:se:bankid", "loginHint": "sub:ssn:{number}",
                   "bindingMessage": "Identification for Example Bank customer service", "callInitiator": "user",
                   "numberClaim": "ssn", "language": "sv" }
  },
  "maxSessions": 20000, $shared
  "rateLimits": { "perCallerPer10Min": 100000, "perNumberPer10Min": 100000 }
}
EOF
    "$serve_binary" serve --config "$dir/ciba-agi.json" >"$dir/serve.out" 2>"$dir/serve.err" &
    pids+=($!); serve_pid=$!
    wait_for 60 curl -sf "http://127.0.0.1:$ops_port/healthz"
}

stop_pair() {   # stop_pair STORE
    kill -TERM "$serve_pid" "$provider_pid" 2>/dev/null || true
    wait "$serve_pid" "$provider_pid" 2>/dev/null || true
    if [ "$1" = on ]; then store_stop; fi
}

loadgen() { nice -n 5 "$bin/flow-loadgen" --agi "127.0.0.1:$agi_port" "$@"; }

field() { awk -v k="$1=" '/^result/ { for (i = 1; i <= NF; i++) if (index($i, k) == 1) print substr($i, length(k) + 1) }' "$2"; }

extra_header="" extra_rule=""
if [ "$stores" != off ]; then   # --shared-state: the store's columns
    extra_header=" store | redis CPU µs per token request | redis peak RSS MB | redis CPU ms per VERIFIED call | store commands per VERIFIED call | store failures / fallbacks |"
    extra_rule="---|---|---|---|---|---|"
fi
echo "| transport | client auth | callers | token requests / expected | % | server CPU µs per token request | provider CPU µs per token request | peak RSS MB | failed calls | statuses | server CPU ms per VERIFIED call |$extra_header"
echo "|---|---|---|---|---|---|---|---|---|---|---|$extra_rule"
for transport in $transports; do
    for auth in $auths; do
      for store in $stores; do
        verified_ms="-" verified_store="- | -" verified_problems="-"
        if [ "$verified_calls" -gt 0 ]; then   # verified phase
            dir="$work/$transport-$auth-$store-verified"
            start_pair "$transport-$auth-$store-verified" "$auth" "$transport" 2 "$store"
            loadgen --calls 20 --rate 20 >/dev/null || true
            before=$(cpu_ticks "$serve_pid")
            [ "$store" = on ] && { redis_before=$(cpu_ticks "$redis_pid"); commands_before=$(store_cli "$dir" INFO stats | tr -d '\r' | awk -F: '$1 == "total_commands_processed" { print $2 }'); }
            perf_pid=""
            if [ "$perf" = 1 ]; then   # a CPU profile of the batch (perf report -i DIR/perf.data)
                perf record -q -F 999 -g -p "$serve_pid" -o "$dir/perf.data" 2>/dev/null &
                perf_pid=$!
            fi
            loadgen --calls "$verified_calls" --rate 100 >"$dir/loadgen.out" || true
            after=$(cpu_ticks "$serve_pid")
            if [ -n "$perf_pid" ]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
            verified=$(field verified "$dir/loadgen.out")
            verified_ms=$(awk -v t=$((after - before)) -v hz="$ticks" -v n="${verified:-0}" -v m="$verified_calls" \
                'BEGIN { if (n > 0) printf "%.2f%s", t / hz * 1000 / n, (n < m ? " (" m - n " not VERIFIED)" : ""); else print "- (none VERIFIED)" }')
            if [ "$store" = on ]; then
                redis_after=$(cpu_ticks "$redis_pid")
                checked=$(store_check "$dir" $((verified_calls + 20)) "$ops_port")   # (not inside <<<: its failure must end the run)
                read -r commands failures fallbacks <<<"$checked"
                verified_store=$(awk -v t=$((redis_after - redis_before)) -v hz="$ticks" -v n="${verified:-0}" -v c=$((commands - commands_before)) \
                    'BEGIN { if (n > 0) printf "%.3f | %.1f", t / hz * 1000 / n, c / n; else print "- | -" }')
                verified_problems="$failures / $fallbacks"
            fi
            stop_pair "$store"
        fi
        if [ -z "${callers// /}" ]; then   # --callers "": the verified phase only
            extra=""; [ "$stores" != off ] && extra=" $store | - | - | ${verified_store} | ${verified_problems} |"
            echo "| $transport | $auth | - | - | - | - | - | - | - | - | $verified_ms |$extra"
        fi
        for n in $callers; do   # wait phase: the person approves after enough polls to outlast ramp + settle + window
            name="$transport-$auth-$store-wait-$n"
            ramp=$(( (n + 499) / 500 ))
            start_pair "$name" "$auth" "$transport" $((ramp + seconds + 20)) "$store"
            out="$work/$name/loadgen.out"
            loadgen --calls "$n" --rate 500 --timeout $((ramp + seconds + 200)) >"$out" &
            loadgen_pid=$!
            wait_for $((ramp * 3 + 60)) grep -q "^ramp_done" "$out"
            sleep 5
            t0=$(date +%s.%N); c0=$(cpu_ticks "$serve_pid"); p0=$(cpu_ticks "$provider_pid"); r0=$(token_requests "$ops_port")
            [ "$store" = on ] && s0=$(cpu_ticks "$redis_pid")
            if [ "$perf" = 1 ]; then   # a CPU profile of the window (perf report -i DIR/perf.data)
                perf record -q -F 499 -g -p "$serve_pid" -o "$work/$name/perf.data" -- sleep "$seconds" 2>/dev/null
            else
                sleep "$seconds"
            fi
            t1=$(date +%s.%N); c1=$(cpu_ticks "$serve_pid"); p1=$(cpu_ticks "$provider_pid"); r1=$(token_requests "$ops_port")
            [ "$store" = on ] && s1=$(cpu_ticks "$redis_pid")
            wait "$loadgen_pid" || true
            hwm=$(awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$serve_pid/status")
            extra=""
            if [ "$store" = on ]; then
                checked=$(store_check "$work/$name" "$n" "$ops_port")
                read -r _ failures fallbacks <<<"$checked"
                redis_hwm=$(awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$redis_pid/status")
                extra=$(awk -v s=$((s1 - s0)) -v r=$((r1 - r0)) -v hz="$ticks" -v hwm="$redis_hwm" -v vs="$verified_store" \
                    -v vp="$verified_problems" -v wp="$failures / $fallbacks" \
                    'BEGIN { printf " on | %.0f | %s | %s | wait %s, verified %s |", (r > 0 ? s / hz * 1e6 / r : 0), hwm, vs, wp, vp }')
            elif [ "$stores" != off ]; then
                extra=" off | - | - | - | - | - |"
            fi
            stop_pair "$store"
            awk -v tr="$transport" -v au="$auth" -v n="$n" -v r=$((r1 - r0)) -v t0="$t0" -v t1="$t1" -v c=$((c1 - c0)) \
                -v pc=$((p1 - p0)) -v hz="$ticks" -v hwm="$hwm" -v failed="$(field failed "$out")" -v st="$(field statuses "$out")" \
                -v vms="$verified_ms" -v extra="$extra" 'BEGIN {
                    window = t1 - t0; expected = n * window / 1.0
                    printf "| %s | %s | %d | %d / %.0f | %.1f | %.0f | %.0f | %s | %s | %s | %s |%s\n", tr, au, n, r, expected, 100 * r / expected,
                           (r > 0 ? c / hz * 1e6 / r : 0), (r > 0 ? pc / hz * 1e6 / r : 0), hwm, failed, st, vms, extra }'
        done
      done
    done
done
echo "# load: $(uptime)" >&2
