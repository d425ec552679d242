#!/usr/bin/env bash
# Server benchmarks, gort vs tokio vs Go side by side in one run (issues #4 and #10).
#
#   benches/servers/run.sh            # from the repo root; about 4-5 minutes after the builds
#   RUNTIMES="gort go" KINDS=echo64 ROUNDS=1 benches/servers/run.sh   # a subset, quickly
#
# For each server (TCP echo with 64-byte and 4 KiB messages, a raw HTTP/1.1 hello server on
# sockets, a hyper hello server) and each runtime, it starts the server bound to 127.0.0.1 only,
# warms it up, drives it with a bounded load generator (wrk -t1 -c64 -d5s --latency for HTTP, the
# bench_server example's own echo client for echo), reads the server's CPU time (utime+stime
# from /proc/<pid>/stat) before and after, and stops it.
# - gort and tokio: examples/bench_server.rs, the SAME server source compiled against each, 2
#   workers.
# - Go: benches/servers/go (goroutine per connection, GOMAXPROCS=2 to match the 2 workers): the
#   same echo and raw-HTTP loops, and a net/http hello handler in the hyper row (Go's full HTTP
#   stack against hyper). `go` comes from apt-get (golang-go) if missing.
# Every cell runs ROUNDS times, rotating which runtime goes first, and the table keeps each
# runtime's best round (the machine is shared: the best round is the one least disturbed).
# The table (markdown) goes to stdout and to benches/servers/RESULTS.md with date and machine
# (only for a full run: a RUNTIMES/KINDS subset prints the table without overwriting the file).
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
read -r -a RUNTIME_LIST <<<"${RUNTIMES:-gort tokio go}"
read -r -a KINDS <<<"${KINDS:-echo64 echo4k http hyper}"
if [[ "${RUNTIME_LIST[*]}" != "gort tokio go" || "${KINDS[*]}" != "echo64 echo4k http hyper" ]]; then
    OUT=/dev/null
fi

if ! command -v wrk >/dev/null 2>&1; then
    echo "wrk not found: installing it (apt-get)" >&2
    apt-get update >/dev/null && apt-get install -y wrk >/dev/null
fi

echo "building examples/bench_server (release)..." >&2
cargo build --release --example bench_server --features hyper >&2
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/bench_server"

GO_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/go_bench_server"
if [[ " ${RUNTIME_LIST[*]} " == *" go "* ]]; then
    if ! command -v go >/dev/null 2>&1; then
        echo "go not found: installing golang-go (apt-get)" >&2
        apt-get update >/dev/null && apt-get install -y golang-go >/dev/null
    fi
    echo "building benches/servers/go ($(go version))..." >&2
    (cd "$ROOT/benches/servers/go" && go build -o "$GO_BIN" .) >&2
fi

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
    if [[ "$1" == go ]]; then
        local go_server="$2"
        [[ "$go_server" == hyper ]] && go_server=nethttp
        GOMAXPROCS="$WORKERS" "$GO_BIN" -server "$go_server" -addr "127.0.0.1:$3" \
            -exit-after 60s >/dev/null 2>&1 &
    else
        "$BIN" --runtime "$1" --server "$2" --addr "127.0.0.1:$3" --workers "$WORKERS" \
            --exit-after 60s >/dev/null 2>&1 &
    fi
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
port=$PORT_BASE
for round in $(seq "$ROUNDS"); do
    for kind in "${KINDS[@]}"; do
        # Rotate which runtime goes first so none always meets a warmer or cooler machine.
        n=${#RUNTIME_LIST[@]}
        order=()
        for i in $(seq 0 $((n - 1))); do order+=("${RUNTIME_LIST[$(((i + round - 1) % n))]}"); done
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
        hyper) echo "hyper 1.x HTTP/1.1 hello (Go: net/http), wrk -c64" ;;
    esac
}

# The best (highest) req/s and the lowest CPU/req among the peers (every runtime but gort).
best_peer() { # kind -> "rps cpu"
    local rps=0 cpu=0 r
    for r in "${RUNTIME_LIST[@]}"; do
        [[ "$r" == gort || -z "${BEST[$1/$r]:-}" ]] && continue
        read -r p_rps _ p_cpu <<<"${BEST[$1/$r]}"
        rps="$(awk -v a="$rps" -v b="$p_rps" 'BEGIN { print (b > a ? b : a) }')"
        cpu="$(awk -v a="$cpu" -v b="$p_cpu" 'BEGIN { print (a == 0 || b < a ? b : a) }')"
    done
    echo "$rps $cpu"
}

{
    peers="$(printf '%s\n' "${RUNTIME_LIST[@]}" | grep -vx gort | paste -sd, - | sed 's/,/ and /g')"
    echo "# Server benchmarks: gort vs $peers"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores, $(uname -sr); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- servers: examples/bench_server.rs, one source (benches/servers/*.rs) compiled for gort and tokio, $WORKERS workers; benches/servers/go ($(command -v go >/dev/null && go version | cut -d' ' -f3), GOMAXPROCS=$WORKERS; net/http in the hyper row); 127.0.0.1"
    echo "- load: wrk -t1 -c$CONNS -d${DURATION}s --latency (HTTP) / bench_server --client echo --conns $CONNS (echo, one thread), after ${WARMUP}s warm-up; best of $ROUNDS rounds by throughput"
    echo "- CPU/req: server process utime+stime (/proc/<pid>/stat, ${CLK_TCK} Hz ticks) over the measured run / requests"
    echo "- gort ÷ best: gort's req/s over the best peer's (goal ≥ 1), gort's CPU/req over the lowest peer's (goal ≤ 1)"
    echo
    echo "| benchmark | runtime | req/s | p99 latency (µs) | server CPU µs/req | gort ÷ best req/s | gort ÷ lowest CPU/req |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
    for kind in "${KINDS[@]}"; do
        read -r peer_rps peer_cpu <<<"$(best_peer "$kind")"
        first=1
        for r in "${RUNTIME_LIST[@]}"; do
            read -r rps p99 cpu <<<"${BEST[$kind/$r]}"
            name="$(label "$kind")"
            (( first )) || name=""
            first=0
            if [[ "$r" == gort ]]; then
                rr="$(awk -v a="$rps" -v b="$peer_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
                rc="$(awk -v a="$cpu" -v b="$peer_cpu" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
                echo "| $name | gort | $rps | $p99 | $cpu | $rr | $rc |"
            else
                echo "| $name | $r | $rps | $p99 | $cpu | | |"
            fi
        done
    done
} | tee "$OUT"
