#!/usr/bin/env bash
# Syscalls and context switches per request of one server kind on gort, tokio and Go, side by
# side (the figures in benches/servers/PROFILE.md). Needs `perf` (tracepoints, no hardware
# counters) and the binaries run.sh builds (run it once first).
#
#   benches/servers/profile.sh echo64      # or echo4k, http, hyper; DURATION=3 by default
#
# For each runtime it starts the server, puts DURATION seconds of load on it, and counts with
# `perf stat -p` over a window containing that load: CPU time, context switches and the syscalls
# that matter on this path.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
KIND="${1:-echo64}"
DURATION="${DURATION:-3}"
WORKERS="${WORKERS:-2}"
PORT="${PORT:-18900}"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/bench_server"
GO_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/go_bench_server"
EVENTS="task-clock,context-switches,raw_syscalls:sys_enter"
for s in read recvfrom write sendto writev epoll_wait epoll_pwait ppoll epoll_ctl futex sched_yield nanosleep; do
    EVENTS+=",syscalls:sys_enter_$s"
done

case "$KIND" in
    echo64) server=echo; size=64 ;;
    echo4k) server=echo; size=4096 ;;
    http | hyper) server="$KIND" ;;
    *) echo "unknown kind $KIND: echo64, echo4k, http or hyper" >&2; exit 2 ;;
esac

for runtime in gort tokio go; do
    PORT=$((PORT + 1))
    if [[ "$runtime" == go ]]; then
        go_server="$server"; [[ "$go_server" == hyper ]] && go_server=nethttp
        GOMAXPROCS="$WORKERS" "$GO_BIN" -server "$go_server" -addr "127.0.0.1:$PORT" \
            -exit-after 30s >/dev/null 2>&1 &
    else
        "$BIN" --runtime "$runtime" --server "$server" --addr "127.0.0.1:$PORT" \
            --workers "$WORKERS" --exit-after 30s >/dev/null 2>&1 &
    fi
    pid=$!
    sleep 0.5
    # perf counts from before the load starts until after it ends (a window that contains the
    # whole load: requests outside it would skew the per-request figures).
    perf stat -x, -e "$EVENTS" -p "$pid" -o "/tmp/profile_$runtime.csv" &
    perf_pid=$!
    sleep 1
    if [[ "$server" == echo ]]; then
        line="$("$BIN" --client echo --addr "127.0.0.1:$PORT" --conns 64 --size "$size" \
            --duration "${DURATION}s")"
        reqs="$(sed -E 's/.*msgs=([0-9]+).*/\1/' <<<"$line")"
    else
        reqs="$(wrk -t1 -c64 -d"${DURATION}s" "http://127.0.0.1:$PORT/" | awk '/requests in/ { print $1 }')"
    fi
    kill -INT "$perf_pid"
    wait "$perf_pid" || true
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "== $runtime ($KIND): $reqs requests in ${DURATION}s; per request:"
    awk -F, -v n="$reqs" '$1 ~ /^[0-9.]+$/ {
        if ($3 == "task-clock") { printf "  %-22s %8.2f  (%d ms)\n", "CPU µs", $1 * 1000 / n, $1; next }
        sub(/^syscalls:sys_enter_/, "", $3); printf "  %-22s %8.3f  (%d)\n", $3, $1 / n, $1 }' \
        "/tmp/profile_$runtime.csv"
done
