#!/usr/bin/env bash
# Go's channels on the shapes of `cargo bench --bench channel` (see main.go), with 2 threads
# like the Rust rows. Installs Go (Debian's golang-go) if it is missing.
# Usage: benches/go_chan/run.sh [budget per row, e.g. 3s]
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v go >/dev/null; then
    echo "go not found: installing golang-go" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq && $sudo apt-get install -y -qq golang-go >&2
fi
export GOMAXPROCS="${GOMAXPROCS:-2}" GOFLAGS=-mod=mod GO111MODULE=off
exec go run main.go "$@"
