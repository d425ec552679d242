#!/usr/bin/env bash
# Where kanal's lead in the 4 -> 4 rows comes from (see benches/kanal_backoff.rs): the same
# rows against kanal as published and against a copy whose lock, once its spinning is spent,
# yields the thread (`std::thread::yield_now`) instead of sleeping it for 1 ms. Nothing else
# in that copy changes.
#
#   bash benches/kanal_backoff.sh [ROUNDS]     (default 3 rounds, alternating the two builds)
#
# The copy and its build live under target/kanal_backoff/; nothing in the tree changes (the
# patched build's rewrite of Cargo.lock is undone). The
# machine's load hits both builds alike: compare rows within a round.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
work=target/kanal_backoff
mkdir -p "$work"

cargo fetch --quiet
version=$(cargo metadata --format-version 1 | python3 -c '
import json, sys
pkgs = json.load(sys.stdin)["packages"]
print(next(p["version"] for p in pkgs if p["name"] == "kanal"))')
src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"kanal-$version" | head -n 1)

rm -rf "$work/kanal"
cp -r "$src" "$work/kanal"
sleep_line='sleep(Duration::from_nanos(1 << 20));'
grep -q "$sleep_line" "$work/kanal/src/backoff.rs" || {
    echo "kanal $version: no 1 ms sleep in src/backoff.rs to replace; update this script" >&2
    exit 1
}
sed -i "s/$sleep_line/yield_now_std();/" "$work/kanal/src/backoff.rs"

build() { # target-dir [cargo args...] -> path of the bench binary
    local dir=$1
    shift
    # Errors still reach stderr (only the progress lines are quieted).
    CARGO_TARGET_DIR=$dir cargo "$@" bench --quiet --bench kanal_backoff --no-run --message-format=json |
        python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "kanal_backoff" and m.get("executable"):
        print(m["executable"])'
}
echo "building kanal $version as published, and the copy without the sleep" >&2
published=$(build target)
# The patched build rewrites Cargo.lock (kanal loses its registry source): put it back.
cp Cargo.lock "$work/Cargo.lock.orig"
trap 'cp "$work/Cargo.lock.orig" Cargo.lock' EXIT
patched=$(build "$work/target" --config "patch.crates-io.kanal.path='$(pwd)/$work/kanal'")
cp "$work/Cargo.lock.orig" Cargo.lock

for round in $(seq "$rounds"); do
    echo "--- round $round"
    "$published"
    KANAL_LABEL="kanal (no sleep)" "$patched" | grep kanal
done
