#!/usr/bin/env bash
# Benchmarks/run.sh: the FastAGI benchmark of BENCHMARKS.md, every server side by side in one run.
#
#   Benchmarks/run.sh            full run (about 6 minutes on 2 cores)
#   Benchmarks/run.sh --quick    smoke check (about 1 minute): one short round, 1,000 held calls
#   options: --skip-build, --servers "c swift panoramisk" (also: swift-pool = ours with sessions on
#            the global pool instead of the socket loop), --rounds N, --hold "1000 5000 10000" (or none), --no-rt,
#            --publish (copy raw.txt/machine.txt/summary.md to Benchmarks/published/ and put the
#            tables into BENCHMARKS.md between the RESULTS markers)
#
# Builds the C baseline and the load generator (gcc -O2), the panoramisk venv
# (Benchmarks/.venv) and `swift build -c release --product fastagi-reference-server`.
# Each server runs pinned to CPU 0, the load generator to CPU 1 (taskset).
#   - sessions/s of the `bench` script at concurrency 1, 50, 500: several short rounds, the
#     servers interleaved in a rotating order inside each round, medians reported;
#   - per-command server time p50/p99 (from the same rounds, medians over rounds);
#   - a fresh server per level holding 1,000 / 5,000 / 10,000 `hold` calls (ramped at
#     2,000 connects/s): VmHWM at the end and the highest VmRSS sampled every 0.25 s.
# Raw lines go to Benchmarks/results/<UTC time>/raw.txt, the tables to summary.md (printed).
# Only loopback traffic; every loadgen run is bounded (--duration / --sessions, --max-time).
set -euo pipefail

QUICK=0
NO_RT=0
PUBLISH=0
SKIP_BUILD=0
SERVERS="c swift panoramisk"
ROUNDS=""
HOLD_LEVELS=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --skip-build) SKIP_BUILD=1 ;;
        --servers) SERVERS="$2"; shift ;;
        --rounds) ROUNDS="$2"; shift ;;
        --no-rt) NO_RT=1 ;;
        --publish) PUBLISH=1 ;;
        --hold) HOLD_LEVELS="$2"; shift ;;
        *) echo "usage: $0 [--quick] [--skip-build] [--no-rt] [--publish] [--servers \"c swift panoramisk\"] [--rounds N] [--hold \"1000 5000 10000\"]" >&2; exit 2 ;;
    esac
    shift
done
if [ "$QUICK" = 1 ]; then
    : "${ROUNDS:=1}"; WARMUP=0.3; DURATION=1; : "${HOLD_LEVELS:=1000}"
else
    : "${ROUNDS:=5}"; WARMUP=0.5; DURATION=2.5; : "${HOLD_LEVELS:=1000 5000 10000}"
fi
[ "$HOLD_LEVELS" = none ] && HOLD_LEVELS=""
CONCURRENCY_LEVELS="1 50 500"
SERVER_CPU=0
LOADGEN_CPU=1
# The machine is shared: other builds run on both cores, and under CFS a server then gets only
# a share of its core, so sessions/s would measure the scheduler, not the server. Server and
# load generator therefore run SCHED_FIFO (chrt -f 10) when allowed: each owns its core while
# runnable (the kernel's RT throttling still leaves 5% to others). Fallback: nice -10.
# `--no-rt` turns both off.

PRIO=""
if [ "$NO_RT" = 0 ]; then
    if chrt -f 10 true 2>/dev/null; then PRIO="chrt -f 10"
    elif nice -n -10 true 2>/dev/null; then PRIO="nice -n -10"; fi
fi
PRIORITY="${PRIO:-normal}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
B="$ROOT/Benchmarks"
BIN="$B/.build-bench"
OUT="$B/results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$BIN" "$OUT"
RAW="$OUT/raw.txt"
: > "$RAW"
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

# ---------------------------------------------------------------- build
if [ "$SKIP_BUILD" = 0 ]; then
    log "building the C baseline and the load generator (gcc -O2)"
    gcc -O2 -Wall -Wextra -o "$BIN/fastagi-c-baseline" "$B/c-baseline/fastagi-c-baseline.c"
    gcc -O2 -Wall -Wextra -o "$BIN/agi-loadgen" "$B/loadgen/agi-loadgen.c"
    if ! "$B/.venv/bin/python" -c 'import panoramisk' 2>/dev/null; then
        log "creating Benchmarks/.venv with panoramisk 1.4"
        python3 -m venv "$B/.venv"
        "$B/.venv/bin/pip" install -q 'panoramisk==1.4'
    fi
    log "swift build -c release --product fastagi-reference-server"
    (cd "$ROOT" && swift build -c release --product fastagi-reference-server)
fi
SWIFT_BIN="$(cd "$ROOT" && swift build -c release --show-bin-path)/fastagi-reference-server"

# ---------------------------------------------------------------- limits (best effort)
ulimit -Hn 1048576 2>/dev/null || true
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true
for knob in net.core.somaxconn net.ipv4.tcp_max_syn_backlog; do
    current="$(sysctl -n "$knob" 2>/dev/null || echo 0)"
    if [ "$current" -lt 4096 ]; then sysctl -qw "$knob=4096" 2>/dev/null || log "could not raise $knob ($current)"; fi
done

{
    echo "date_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "nproc=$(nproc)"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "kernel=$(uname -r)"
    echo "memory=$(grep MemTotal /proc/meminfo | awk '{print $2" kB"}')"
    echo "swift=$(swift --version 2>&1 | head -1)"
    echo "gcc=$(gcc --version | head -1)"
    echo "python=$("$B/.venv/bin/python" --version 2>&1) panoramisk=$("$B/.venv/bin/python" -c 'import importlib.metadata as m; print(m.version("panoramisk"))')"
    echo "git=$(cd "$ROOT" && git rev-parse --short HEAD) $(cd "$ROOT" && git log -1 --format=%s)"
    echo "ulimit_n=$(ulimit -n) somaxconn=$(sysctl -n net.core.somaxconn 2>/dev/null)"
    echo "rounds=$ROUNDS"
    echo "warmup_s=$WARMUP"
    echo "duration_s=$DURATION"
    echo "hold_levels=$HOLD_LEVELS"
    echo "priority=$PRIORITY"
    echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

# ---------------------------------------------------------------- servers
declare -A PORT=([c]=24573 [swift]=24574 [panoramisk]=24575 [swift-pool]=24576)
declare -A PID=()

start_server() {  # name
    local name="$1" port="${PORT[$1]}"
    case "$name" in
        c) $PRIO taskset -c "$SERVER_CPU" "$BIN/fastagi-c-baseline" --listen "127.0.0.1:$port" 2>>"$OUT/server-$name.log" & ;;
        swift) $PRIO taskset -c "$SERVER_CPU" "$SWIFT_BIN" --listen "127.0.0.1:$port" 2>>"$OUT/server-$name.log" & ;;
        swift-pool) $PRIO taskset -c "$SERVER_CPU" "$SWIFT_BIN" --listen "127.0.0.1:$port" --executor pool 2>>"$OUT/server-$name.log" & ;;
        panoramisk) $PRIO taskset -c "$SERVER_CPU" "$B/.venv/bin/python" "$B/panoramisk/server.py" --listen "127.0.0.1:$port" 2>>"$OUT/server-$name.log" & ;;
        *) echo "unknown server $name" >&2; exit 2 ;;
    esac
    PID[$name]=$!
    # Ready = one real `bench` session succeeds. (A bare connect-and-close probe would do:
    # panoramisk spins at 100% CPU forever on a connection closed before its environment block.)
    for _ in $(seq 1 100); do
        if "$BIN/agi-loadgen" --quiet --target "127.0.0.1:$port" --sessions 1 --timeout 2 --max-time 3 >/dev/null 2>&1; then return 0; fi
        if ! kill -0 "${PID[$name]}" 2>/dev/null; then break; fi
        sleep 0.1
    done
    echo "server $name did not start (see $OUT/server-$name.log)" >&2
    cat "$OUT/server-$name.log" >&2
    exit 1
}

stop_server() {  # name
    local name="$1" pid="${PID[$1]:-}"
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset "PID[$name]"
}

stop_all() { for name in "${!PID[@]}"; do stop_server "$name"; done; }
trap stop_all EXIT

cpu_seconds() {  # pid -> utime+stime in seconds
    awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0
}

status_kb() {  # pid field
    awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

loadgen() {  # args...
    $PRIO taskset -c "$LOADGEN_CPU" "$BIN/agi-loadgen" --quiet "$@" 2>>"$OUT/loadgen.log" | sed -n 's/^RESULT //p' || true
}

# ---------------------------------------------------------------- throughput and latency (bench)
log "throughput rounds: servers=[$SERVERS] concurrency=[$CONCURRENCY_LEVELS] rounds=$ROUNDS (${WARMUP}s warm-up + ${DURATION}s each)"
read -r -a server_list <<<"$SERVERS"
for name in "${server_list[@]}"; do start_server "$name"; done
for name in "${server_list[@]}"; do echo "server=$name phase=idle rss_kb=$(status_kb "${PID[$name]}" VmRSS)" >> "$RAW"; done
for c in $CONCURRENCY_LEVELS; do
    for round in $(seq 1 "$ROUNDS"); do
        count=${#server_list[@]}
        for k in $(seq 0 $((count - 1))); do
            name="${server_list[$(( (k + round) % count ))]}"
            pid="${PID[$name]}"
            before="$(cpu_seconds "$pid")"
            load="$(cut -d' ' -f1 /proc/loadavg)"
            result="$(loadgen --target "127.0.0.1:${PORT[$name]}" --script bench --concurrency "$c" \
                --warmup "$WARMUP" --duration "$DURATION" --timeout 20 --max-time 120 --label "$name-c$c-r$round")"
            after="$(cpu_seconds "$pid")"
            cpu="$(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.3f", a - b }')"
            echo "server=$name phase=bench round=$round load1=$load server_cpu_s=$cpu $result" >> "$RAW"
            log "$name c=$c round $round: $(grep -o 'sessions_per_s=[0-9.]*' <<<"$result") $(grep -o 'cmd_p50_us=[0-9]*' <<<"$result") $(grep -o 'sessions_failed=[0-9]*' <<<"$result") cpu=${cpu}s"
        done
    done
done
for name in "${server_list[@]}"; do
    echo "server=$name phase=after-bench rss_kb=$(status_kb "${PID[$name]}" VmRSS) hwm_kb=$(status_kb "${PID[$name]}" VmHWM)" >> "$RAW"
    stop_server "$name"
done

# ---------------------------------------------------------------- held calls (hold), a fresh server per level
for level in $HOLD_LEVELS; do
    for name in "${server_list[@]}"; do
        start_server "$name"
        pid="${PID[$name]}"
        idle="$(status_kb "$pid" VmRSS)"
        samples="$OUT/rss-$name-$level.txt"
        ( while kill -0 "$pid" 2>/dev/null; do status_kb "$pid" VmRSS; sleep 0.25; done ) > "$samples" 2>/dev/null &
        sampler=$!
        result="$(loadgen --target "127.0.0.1:${PORT[$name]}" --script hold --concurrency "$level" --sessions "$level" \
            --connect-rate 2000 --timeout 60 --max-time 150 --label "$name-hold$level")"
        hwm="$(status_kb "$pid" VmHWM)"
        kill "$sampler" 2>/dev/null || true
        wait "$sampler" 2>/dev/null || true
        rss_max="$(sort -n "$samples" | tail -1)"
        echo "server=$name phase=hold level=$level idle_rss_kb=$idle hwm_kb=$hwm rss_max_kb=${rss_max:-0} $result" >> "$RAW"
        log "$name hold $level: VmHWM=${hwm} kB max VmRSS=${rss_max} kB $(grep -o 'sessions_ok=[0-9]*' <<<"$result") $(grep -o 'sessions_failed=[0-9]*' <<<"$result") $(grep -o 'max_holding=[0-9]*' <<<"$result")"
        stop_server "$name"
    done
done

echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
python3 "$B/summarize.py" "$OUT" > "$OUT/summary.md"
cat "$OUT/summary.md"
if [ "$PUBLISH" = 1 ]; then
    mkdir -p "$B/published"
    cp "$OUT/raw.txt" "$OUT/machine.txt" "$OUT/summary.md" "$B/published/"
    python3 "$B/summarize.py" "$OUT" --splice "$ROOT/BENCHMARKS.md"
    log "published to Benchmarks/published/ and BENCHMARKS.md"
fi
log "results in ${OUT#"$ROOT"/}"
