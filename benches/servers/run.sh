#!/usr/bin/env bash
# Server benchmarks, gort vs tokio side by side in one run (issue #4, "Must show", benches part).
#
#   benches/servers/run.sh            # from the repo root; about 2-3 minutes after the build
#
# For each server (TCP echo with 64-byte and 4 KiB messages, a raw HTTP/1.1 hello server on
# sockets, a hyper hello server) and each runtime, it starts examples/bench_server.rs (the SAME
# server source compiled against gort and against tokio, 2 workers) bound to 127.0.0.1 only, warms
# it up, drives it with a bounded load generator (wrk -t1 -c64 -d5s --latency for HTTP, the
# example's own echo client for echo), reads the server's CPU time (utime+stime from
# /proc/<pid>/stat) before and after, and stops it. Every cell runs ROUNDS times, alternating
# gort/tokio, and the table keeps each runtime's best round (the machine is shared: the best
# round is the one least disturbed by other load).
# The table (markdown) goes to stdout and to benches/servers/RESULTS.md with date and machine.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
DURATION="${DURATION:-5}"      # seconds of measured load per run
WARMUP="${WARMUP:-1}"          # seconds of unmeasured load first
ROUNDS="${ROUNDS:-2}"
WORKERS="${WORKERS:-2}"
CONNS=64
PORT_BASE="${PORT_BASE:-18400}"
OUT="$ROOT/benches/servers/RESULTS.md"

if ! command -v wrk >/dev/null 2>&1; then
    echo "wrk not found: installing it (apt-get)" >&2
    apt-get update >/dev/null && apt-get install -y wrk >/dev/null
fi

echo "building examples/bench_server (release)..." >&2
cargo build --release --example bench_server --features hyper >&2
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/bench_server"

CLK_TCK="$(getconf CLK_TCK)"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

# utime + stime of a process, all its threads, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# wrk prints latencies as 812.00us / 1.23ms / 1.01s: convert to microseconds.
to_us() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); print v + 0 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); print v * 1000 }
        else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000000 }
        else print v }'
}

start_server() { # runtime server port
    "$BIN" --runtime "$1" --server "$2" --addr "127.0.0.1:$3" --workers "$WORKERS" \
        --exit-after 60s >/dev/null 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$3") 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    echo "server $1/$2 did not start on port $3" >&2
    return 1
}

stop_server() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# One measured run; prints "rps p99_us cpu_us_per_req".
measure() { # runtime kind(echo64|echo4k|http|hyper) port
    local runtime="$1" kind="$2" port="$3" server size
    case "$kind" in
        echo64) server=echo; size=64 ;;
        echo4k) server=echo; size=4096 ;;
        *) server="$kind" ;;
    esac
    start_server "$runtime" "$server" "$port"
    local url="http://127.0.0.1:$port/" before after reqs rps p99
    if [[ "$server" == echo ]]; then
        "$BIN" --client echo --addr "127.0.0.1:$port" --conns $CONNS --size "$size" \
            --duration "${WARMUP}s" >/dev/null
        before="$(cpu_ticks "$SERVER_PID")"
        local line
        line="$("$BIN" --client echo --addr "127.0.0.1:$port" --conns $CONNS --size "$size" \
            --duration "${DURATION}s")"
        after="$(cpu_ticks "$SERVER_PID")"
        reqs="$(sed -E 's/.*msgs=([0-9]+).*/\1/' <<<"$line")"
        rps="$(sed -E 's/.*msgs_per_sec=([0-9.]+).*/\1/' <<<"$line")"
        p99="$(sed -E 's/.*p99_us=([0-9.]+).*/\1/' <<<"$line")"
    else
        timeout 30 wrk -t1 -c$CONNS -d"${WARMUP}s" "$url" >/dev/null
        before="$(cpu_ticks "$SERVER_PID")"
        local report
        report="$(timeout 60 wrk -t1 -c$CONNS -d"${DURATION}s" --latency "$url")"
        after="$(cpu_ticks "$SERVER_PID")"
        if grep -q "Non-2xx\|Socket errors" <<<"$report"; then
            echo "warning: $runtime/$kind: $(grep 'Non-2xx\|Socket errors' <<<"$report")" >&2
        fi
        reqs="$(awk '/requests in/ { print $1 }' <<<"$report")"
        rps="$(awk '/^Requests\/sec:/ { print $2 }' <<<"$report")"
        p99="$(to_us "$(awk '$1 == "99%" { print $2 }' <<<"$report")")"
    fi
    stop_server
    awk -v r="$rps" -v p="$p99" -v t=$((after - before)) -v n="$reqs" -v hz="$CLK_TCK" \
        'BEGIN { printf "%.0f %.1f %.2f\n", r, p, (n > 0 ? t / hz * 1e6 / n : 0) }'
}

declare -A BEST
KINDS=(echo64 echo4k http hyper)
port=$PORT_BASE
for round in $(seq "$ROUNDS"); do
    for kind in "${KINDS[@]}"; do
        # Alternate which runtime goes first so neither always meets a warmer or cooler machine.
        if (( round % 2 == 1 )); then order=(gort tokio); else order=(tokio gort); fi
        for runtime in "${order[@]}"; do
            port=$((port + 1))
            result="$(measure "$runtime" "$kind" "$port")"
            echo "round $round  $kind  $runtime: rps p99_us cpu_us/req = $result" >&2
            key="$kind/$runtime"
            prev="${BEST[$key]:-}"
            if [[ -z "$prev" ]] || awk -v a="${result%% *}" -v b="${prev%% *}" 'BEGIN { exit !(a > b) }'; then
                BEST[$key]="$result"
            fi
        done
    done
done

label() {
    case "$1" in
        echo64) echo "TCP echo, 64 B msgs, 64 conns" ;;
        echo4k) echo "TCP echo, 4 KiB msgs, 64 conns" ;;
        http) echo "raw HTTP/1.1 hello (keep-alive), wrk -c64" ;;
        hyper) echo "hyper 1.x HTTP/1.1 hello, wrk -c64" ;;
    esac
}

{
    echo "# Server benchmarks: gort vs tokio"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores, $(uname -sr); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- servers: examples/bench_server.rs, one source (benches/servers/*.rs) compiled for each runtime, $WORKERS workers, 127.0.0.1"
    echo "- load: wrk -t1 -c$CONNS -d${DURATION}s --latency (HTTP) / bench_server --client echo --conns $CONNS (echo, one thread), after ${WARMUP}s warm-up; best of $ROUNDS rounds by throughput"
    echo "- CPU/req: server process utime+stime (/proc/<pid>/stat, ${CLK_TCK} Hz ticks) over the measured run / requests"
    echo
    echo "| benchmark | runtime | req/s | p99 latency (µs) | server CPU µs/req | gort/tokio req/s |"
    echo "| --- | --- | ---: | ---: | ---: | ---: |"
    for kind in "${KINDS[@]}"; do
        read -r g_rps g_p99 g_cpu <<<"${BEST[$kind/gort]}"
        read -r t_rps t_p99 t_cpu <<<"${BEST[$kind/tokio]}"
        ratio="$(awk -v a="$g_rps" -v b="$t_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
        echo "| $(label "$kind") | gort | $g_rps | $g_p99 | $g_cpu | $ratio |"
        echo "| | tokio | $t_rps | $t_p99 | $t_cpu | |"
    done
} | tee "$OUT"
