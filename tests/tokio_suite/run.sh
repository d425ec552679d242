#!/usr/bin/env bash
# tokio's own integration tests, unchanged, against gort through the drop-in patch (issue 8).
#
#   tests/tokio_suite/run.sh                  # every file
#   tests/tokio_suite/run.sh 'io_*' 'tcp_*'   # only files matching these globs
#
# tokio's test files are tokio's code: they never enter this repository. This script takes them
# from the tokio crate cargo downloads (the registry's tokio-<VERSION>/tests), lays them out in a
# scratch crate outside the repository ($WORK, default /tmp/gort-tokio-suite) whose Cargo.toml has
#     [patch.crates-io] tokio = { path = "<gort>/compat/tokio" }
# builds each file as its own test target (--keep-going: one file that does not compile does not
# stop the others), runs each that built (bounded by `timeout`), and prints one line per file:
# compiles or not, tests passed and failed. The table also goes to $WORK/REPORT.md.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/compat/tokio/Cargo.toml" | head -1)"
WORK="${WORK:-/tmp/gort-tokio-suite}"
PER_FILE="${PER_FILE:-300}"   # seconds for one file's tests
export CARGO_TERM_COLOR=never
GLOBS=("$@")
[[ ${#GLOBS[@]} -eq 0 ]] && GLOBS=('*')

# The tokio sources: fetched by cargo like any dependency (an unpatched throwaway crate).
SRC="$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/tokio-"$VERSION" 2>/dev/null | head -1)"
if [[ -z "$SRC" ]]; then
    fetch="$WORK-fetch"
    mkdir -p "$fetch/src" && touch "$fetch/src/lib.rs"
    printf '[package]\nname = "fetch-tokio"\nversion = "0.0.0"\nedition = "2021"\n[workspace]\n[dependencies]\ntokio = "=%s"\n' "$VERSION" >"$fetch/Cargo.toml"
    (cd "$fetch" && cargo fetch -q)
    SRC="$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/tokio-"$VERSION" | head -1)"
fi

rm -rf "$WORK/tests" && mkdir -p "$WORK/src" && cp -r "$SRC/tests" "$WORK/tests" && touch "$WORK/src/lib.rs"
files=()
for f in "$WORK"/tests/*.rs; do
    name="$(basename "$f" .rs)"
    for g in "${GLOBS[@]}"; do
        # shellcheck disable=SC2053
        if [[ "$name" == $g ]]; then files+=("$name"); break; fi
    done
done

{
    cat <<TOML
[package]
name = "gort-tokio-suite"
version = "0.0.0"
edition = "2021"
publish = false
autotests = false

[workspace]

# tokio's tests gate themselves on tokio's feature names (#![cfg(feature = "net")], ...): all on.
[features]
default = ["full", "test-util", "rt", "rt-multi-thread", "macros", "net", "time", "sync", "io-util", "io-std", "fs", "process", "signal", "parking_lot"]
full = []
test-util = []
rt = []
rt-multi-thread = []
macros = []
net = []
time = []
sync = []
io-util = []
io-std = []
fs = []
process = []
signal = []
parking_lot = []

[dev-dependencies]
tokio = { version = "1", features = ["full", "test-util"] }
tokio-test = "0.4"
tokio-stream = "0.1"
futures = "0.3"
futures-test = "0.3"
futures-concurrency = "7.6.3"
async-stream = "0.3"
bytes = "1"
libc = "0.2"
nix = { version = "0.31", default-features = false, features = ["fs", "socket", "signal", "process", "user"] }
socket2 = "0.6"
tempfile = "3"
rand = "0.9"
mockall = "0.13"
# tokio's own dependency, used by some test files (rt_basic)
pin-project-lite = "0.2"

[patch.crates-io]
tokio = { path = "$ROOT/compat/tokio" }
TOML
    for name in "${files[@]}"; do
        printf '\n[[test]]\nname = "%s"\npath = "tests/%s.rs"\n' "$name" "$name"
    done
} >"$WORK/Cargo.toml"

cd "$WORK"
echo "building ${#files[@]} files of tokio $VERSION's tests in $WORK (log: $WORK/build.log)"
targets=()
for name in "${files[@]}"; do targets+=(--test "$name"); done
cargo build --keep-going "${targets[@]}" >build.log 2>&1

report="$WORK/REPORT.md"
printf '| file | compiles | passed | failed |\n| --- | --- | --- | --- |\n' >"$report"
total_pass=0 total_fail=0 built=0
for name in "${files[@]}"; do
    if grep -q "could not compile \`gort-tokio-suite\` (test \"$name\")" build.log; then
        printf '| %s | no | | |\n' "$name" >>"$report"
        continue
    fi
    built=$((built + 1))
    timeout "$PER_FILE" cargo test -q --test "$name" -- --test-threads=2 >"run-$name.log" 2>&1
    pass="$(grep -o '[0-9]* passed' "run-$name.log" | awk '{s+=$1} END {print s+0}')"
    fail="$(grep -o '[0-9]* failed' "run-$name.log" | awk '{s+=$1} END {print s+0}')"
    if ! grep -q 'test result' "run-$name.log"; then fail="$fail (did not finish)"; fi
    total_pass=$((total_pass + pass)) total_fail=$((total_fail + ${fail%% *}))
    printf '| %s | yes | %s | %s |\n' "$name" "$pass" "$fail" >>"$report"
done
printf '\n%d of %d files compile; %d tests passed, %d failed\n' "$built" "${#files[@]}" "$total_pass" "$total_fail" >>"$report"
cat "$report"
