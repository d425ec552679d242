#!/usr/bin/env bash
# Builds tokio's own integration tests, unchanged, against gort through the drop-in patch
# (`[patch.crates-io] tokio = { path = "compat/tokio" }`) and reports per file: compiles or not,
# tests passed and failed, and the names of the failing tests.
#
# tokio's test files are tokio's code: they are copied from cargo's registry into a scratch folder
# outside this repository (default: $TMPDIR/gort-tokio-tests), never into the repo.
#
# Usage: compat/tokio-tests/run.sh [FILE-PREFIX-REGEX]   (default: the stable-API files)
#        SCRATCH=/path TOKIO_VERSION=1.x.y compat/tokio-tests/run.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
select=${1:-'^(sync_|macros_|task_|rt_|io_|tcp_|udp|uds_|fs_|process_|signal_|time_)'}
scratch=${SCRATCH:-${TMPDIR:-/tmp}/gort-tokio-tests}
per_file_timeout=${PER_FILE_TIMEOUT:-180}

# The tokio release the compat package mirrors: its version is the compat package's version.
version=${TOKIO_VERSION:-$(sed -n 's/^version *= *"\(1\.[0-9.]*\)".*/\1/p' "$repo/compat/tokio/Cargo.toml" | head -1)}
echo "tokio $version's tests against gort (scratch: $scratch)"

# Let cargo download tokio's published crate (it carries tests/), then find it in the registry.
mkdir -p "$scratch/fetch/src"
cat >"$scratch/fetch/Cargo.toml" <<TOML
[package]
name = "fetch-tokio-source"
version = "0.0.0"
edition = "2021"
publish = false
[dependencies]
tokio = "=$version"
TOML
touch "$scratch/fetch/src/lib.rs"
(cd "$scratch/fetch" && cargo fetch -q)
src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"tokio-$version" | head -1)
[ -d "$src/tests" ] || { echo "no tests/ in $src" >&2; exit 1; }

# The scratch crate: tokio's tests as its test targets, tokio's dev-dependencies, tokio patched
# to gort. Its own features stand in for tokio's (the files say `#![cfg(feature = "full")]`).
crate="$scratch/crate"
rm -rf "$crate/tests"
mkdir -p "$crate/tests" "$crate/src"
touch "$crate/src/lib.rs"
cp -r "$src/tests/support" "$crate/tests/" 2>/dev/null || true
files=()
for f in "$src"/tests/*.rs; do
  name=$(basename "$f" .rs)
  if [[ $name =~ $select ]]; then cp "$f" "$crate/tests/"; files+=("$name"); fi
done
cat >"$crate/Cargo.toml" <<TOML
[package]
name = "tokio-tests-on-gort"
version = "0.0.0"
edition = "2021"
publish = false
autotests = true

[features]
default = ["full"]
full = ["fs", "io-std", "io-util", "macros", "net", "process", "rt", "rt-multi-thread", "signal", "sync", "time"]
fs = []
io-std = []
io-util = []
macros = []
net = []
process = []
rt = []
rt-multi-thread = []
signal = []
sync = []
time = []
test-util = []
parking_lot = []

[dev-dependencies]
tokio = { version = "=$version", features = ["full", "test-util"] }
tokio-test = "0.4"
tokio-stream = "0.1"
async-stream = "0.3"
futures = { version = "0.3", features = ["async-await"] }
futures-concurrency = "7.6"
futures-test = "0.3"
mockall = "0.13"
nix = { version = "0.31", default-features = false, features = ["aio", "fs", "socket"] }
tempfile = "3"
rand = "0.9"
proptest = "1"
socket2 = "0.6"
libc = "0.2"

[patch.crates-io]
tokio = { path = "$repo/compat/tokio" }

[workspace]
TOML
# test-util's files say cfg(feature = "test-util"): enable it as tokio's CI does.
sed -i 's/^default = \["full"\]/default = ["full", "test-util"]/' "$crate/Cargo.toml"

cd "$crate"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$scratch/target}
echo "building ${#files[@]} test files (cargo --keep-going)..."
cargo test --no-run --tests --keep-going --message-format=json-render-diagnostics \
  >"$scratch/build.json" 2>"$scratch/build.log" || true

report="$scratch/REPORT.md"
python3 - "$scratch" "$per_file_timeout" "${files[@]}" <<'PY'
import json, os, re, subprocess, sys
scratch, timeout, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
exes, errors = {}, {}
for line in open(os.path.join(scratch, "build.json")):
    try:
        m = json.loads(line)
    except ValueError:
        continue
    t = m.get("target", {})
    if "test" not in t.get("kind", []):
        continue
    name = t["name"]
    if m.get("reason") == "compiler-artifact" and m.get("executable"):
        exes[name] = m["executable"]
    if m.get("reason") == "compiler-message" and m["message"]["level"] == "error":
        msg = m["message"]["message"]
        errors.setdefault(name, [])
        if msg not in errors[name]:
            errors[name].append(msg)
rows, tot = [], dict(files=0, compiled=0, passed=0, failed=0)
for name in sorted(files):
    tot["files"] += 1
    if name not in exes:
        why = "; ".join(errors.get(name, ["did not build (see build.log)"])[:3])
        rows.append(f"| {name} | no | | | {why[:300]} |")
        continue
    tot["compiled"] += 1
    try:
        out = subprocess.run([exes[name]], capture_output=True, text=True, timeout=timeout,
                             cwd=os.path.join(scratch, "crate")).stdout
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        done = re.findall(r"^test (\S+) \.\.\. ok$", out, re.M)
        bad = re.findall(r"^test (\S+) \.\.\. FAILED$", out, re.M)
        tot["passed"] += len(done); tot["failed"] += len(bad) + 1
        rows.append(f"| {name} | yes | {len(done)} | {len(bad)}+hang | timed out after {timeout}s; failed: {' '.join(bad)} |")
        continue
    p = f = 0
    for m in re.finditer(r"test result: \w+\. (\d+) passed; (\d+) failed", out):
        p += int(m.group(1)); f += int(m.group(2))
    bad = re.findall(r"^test (\S+) \.\.\. FAILED$", out, re.M)
    tot["passed"] += p; tot["failed"] += f
    rows.append(f"| {name} | yes | {p} | {f} | {' '.join(bad)} |")
pct = 100.0 * tot["passed"] / max(1, tot["passed"] + tot["failed"])
head = ["| file | compiles | passed | failed | failing tests / errors |", "|---|---|---|---|---|"]
summary = (f"{tot['compiled']} of {tot['files']} files compile; "
           f"{tot['passed']} tests passed, {tot['failed']} failed ({pct:.1f}% pass)")
with open(os.path.join(scratch, "REPORT.md"), "w") as fh:
    fh.write("\n".join(head + rows) + "\n\n" + summary + "\n")
print("\n".join(head + rows)); print(); print(summary)
PY
echo "report: $report"
