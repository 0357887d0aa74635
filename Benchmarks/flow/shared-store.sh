# Sourced by run.sh for --shared-state: one Debian redis-server per phase (fresh, like the
# provider and server), on a free loopback port, with a password, no persistence.
# Uses run.sh's free_port, wait_for, cpu_ticks and pids.
#
#   store_start DIR           starts redis-server, sets redis_pid, redis_port; writes DIR/redis.password
#   store_config DIR          the "sharedState" config line for serve (the password in a 0600 file)
#   store_cli DIR ARGS...     redis-cli against it (the password through REDISCLI_AUTH, never argv)
#   store_commands DIR NAME   calls of one command so far (INFO commandstats), 0 if never called
#   store_check DIR CALLS OPS_PORT   fails unless the store really served this phase (see below)
#   store_stop                stops it and waits

store_start() {
    local dir=$1
    command -v redis-server >/dev/null || { echo "run.sh: --shared-state needs redis-server (apt-get install redis-server)" >&2; exit 1; }
    redis_port=$(free_port)
    (umask 077; openssl rand -hex 24 >"$dir/redis.password")
    # The password goes into a 0600 config file, not onto redis-server's command line (ps shows argv).
    (umask 077; cat >"$dir/redis.conf" <<EOF
port $redis_port
bind 127.0.0.1
requirepass $(cat "$dir/redis.password")
save ""
appendonly no
dir $dir
logfile $dir/redis.log
EOF
    )
    redis-server "$dir/redis.conf" &
    pids+=($!); redis_pid=$!
    wait_for 30 store_cli "$dir" PING || { echo "run.sh: redis-server did not start: $(tail -n 1 "$dir/redis.log")" >&2; exit 1; }
}

store_config() {
    printf '"sharedState": { "redis": "redis://127.0.0.1:%s/0", "passwordFile": "%s" },' "$redis_port" "$1/redis.password"
}

store_cli() {
    local dir=$1; shift
    REDISCLI_AUTH="$(cat "$dir/redis.password")" redis-cli -h 127.0.0.1 -p "$redis_port" "$@"
}

store_commands() {
    store_cli "$1" INFO commandstats | tr -d '\r' | awk -F'[:=,]' -v c="cmdstat_$2" '$1 == c { n = $3 } END { print n + 0 }'
}

# The run must fail when the server quietly ran on its in-memory fallback: every call makes one
# rate-limit check in the store (EVALSHA, or EVAL after a script cache miss) and saves its
# states there (SET + PUBLISH), and the server's ciba_agi_shared_state_up must still be 1.
# Operations that failed or timed out (ciba_agi_shared_state_failures_total) and rate-limit
# decisions made without the store (..._fallbacks_total) are reported, not fatal.
# Prints "commands failures fallbacks" for the table.
store_check() {
    local dir=$1 calls=$2 ops_port=$3 checks sets publishes metrics up fallbacks failures
    store_cli "$dir" INFO commandstats >"$dir/redis-commandstats.txt"   # the raw counts, per command
    checks=$(( $(store_commands "$dir" evalsha) + $(store_commands "$dir" eval) ))
    sets=$(store_commands "$dir" set); publishes=$(store_commands "$dir" publish)
    metrics=$(curl -sf "http://127.0.0.1:$ops_port/metrics")
    up=$(awk '/^ciba_agi_shared_state_up / { print $2 }' <<<"$metrics")
    fallbacks=$(awk '/^ciba_agi_shared_state_fallbacks_total/ { n += $2 } END { print n + 0 }' <<<"$metrics")
    failures=$(awk '/^ciba_agi_shared_state_failures_total / { print $2 }' <<<"$metrics")
    if [ "$checks" -lt "$calls" ] || [ "$sets" -lt "$calls" ] || [ "$publishes" -lt "$calls" ] \
        || [ "${up:-}" != 1 ]; then
        echo "run.sh: the shared store was not used as it should be in $dir: rate-limit checks $checks, SET $sets, PUBLISH $publishes for $calls calls; ciba_agi_shared_state_up ${up:-missing}, fallbacks $fallbacks, failures ${failures:-missing}" >&2
        exit 1
    fi
    echo "$(store_cli "$dir" INFO stats | tr -d '\r' | awk -F: '$1 == "total_commands_processed" { print $2 }') ${failures:-0} $fallbacks"
}

store_stop() {
    kill -TERM "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
}
