#!/usr/bin/env bash
# Instructions per operation of gort's channels and a peer's on the shapes of
# `cargo bench --bench channel` (benches/channel_instr.rs): each shape under
# `valgrind --tool=callgrind` with N operations and with none, the difference divided by N
# (per round trip for ping_pong, per message for the streams and select_two, per channel for
# make_and_drop). Tokio's runtime with 1 worker unless WORKERS is set; gort's own with
# RUNTIME=gort. Unlike criterion's times, the counts do not move with the machine's load.
#
#   bash benches/channel_instr.sh [N]      (default 100000; installs valgrind if missing)
#   RUNTIME=gort bash benches/channel_instr.sh
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
if ! command -v valgrind >/dev/null; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq && $sudo apt-get install -y -qq valgrind >&2
fi
bin=$(cargo bench --quiet --bench channel_instr --no-run --message-format=json | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "channel_instr" and m.get("executable"):
        print(m["executable"])')
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
count() { # shape peer n -> instructions
    valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$bin" "$1" "$2" "$3" </dev/null 2>&1 |
        sed -n 's/.*Collected : //p'
}
printf '%-16s %-14s %s\n' shape peer "instructions per operation (N=$n)"
# The shapes, their peers and operations per N come from the binary (`list`).
"$bin" list | while read -r shape peer per_n; do
    with=$(count "$shape" "$peer" "$n")
    without=$(count "$shape" "$peer" 0)
    printf '%-16s %-14s %8.0f\n' "$shape" "$peer" \
        "$(python3 -c "print(($with - $without) / ($n * $per_n))")"
done
