#!/usr/bin/env bash
# The tokio ecosystem on gort, through one `[patch.crates-io]` line (issue 8):
#
#   tests/ecosystem/run.sh          # from anywhere; the first build takes a few minutes
#
# 1. checks that the dependency graph holds exactly one `tokio`, the patched compat/tokio, so
#    axum, hyper-util, reqwest, tower, tokio-util and tokio-stream all run on gort;
# 2. runs the integration tests (tests/*.rs) — each bounded by its own timeouts, and the whole
#    step by `timeout`;
# 3. runs the examples and checks each printed what it should.
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TERM_COLOR=never
LIMIT="${LIMIT:-1800}"   # seconds for the build-and-test step (a cold build is most of it)

step() { printf '\n=== %s (at %ss)\n' "$1" "$SECONDS"; }

step "exactly one tokio in the graph: the patched one"
tokios="$(cargo tree --locked -e normal,build,dev --prefix none --format '{p}' | grep -E '^tokio v' | sed 's/ (\*)$//' | sort -u)"
echo "$tokios"
if [[ "$(wc -l <<<"$tokios")" != 1 || "$tokios" != *"/compat/tokio)" ]]; then
    echo "FAIL: expected a single tokio, the path package compat/tokio" >&2
    exit 1
fi
if [[ "$(grep -c '^name = "tokio"$' Cargo.lock)" != 1 ]]; then
    echo "FAIL: Cargo.lock holds more than one tokio" >&2
    exit 1
fi

step "integration tests"
timeout "$LIMIT" cargo test --locked

step "examples"
run_example() {
    local name="$1" expect="$2" out
    out="$(timeout 120 cargo run --locked -q --example "$name")"
    printf '%s\n' "$out"
    if ! grep -qF -- "$expect" <<<"$out"; then
        echo "FAIL: example $name did not print: $expect" >&2
        exit 1
    fi
}
run_example axum_app "server shut down gracefully after 20 hello calls"
run_example framed_lines "server answered 5 lines"
run_example stream_tower "request 1000 ms: failed (request timed out)"

step "ecosystem checks passed"
