#!/usr/bin/env bash
# The cost of the diagnostics (issue 12), side by side: a baseline commit (default 8542031, the
# last one before any diagnostics) against the current tree (uncommitted edits included).
#
#   bash benches/diag_cost.sh [--base COMMIT] [--rounds N] [--secs S] [--runs R] [--reps C]
#                             [--no-bench] [--no-time] [--no-count]
#
# Both trees are built from copies under target/diag_cost/ (the baseline with `git archive`,
# the current tree with its tracked and untracked files), each with its own target directory
# next to it; nothing in the working tree changes. Three measurements, each
# alternating base and new so that a change in the machine's load hits both:
# - bench: `cargo bench --bench executor` rows spawn_many, yield_many and ping_pong (gort, 2
#   workers; the bench has no current-thread rows for them), N rounds (default 5) of S seconds
#   (default 3); per row the median of the N criterion estimates and new ÷ base.
# - time: benches/diag_cost/work.rs (the same work as a plain binary, copied into both trees as
#   an example) on both runtime flavors, R runs each (default 15): median wall time and CPU time
#   (all threads) per operation.
# - count: the same binary under `valgrind --tool=cachegrind`, instructions per operation (a run
#   with no work subtracted), median of C runs (default 3). Independent of the machine's load:
#   the current-thread counts are exact, the multi-thread ones vary by about 1-2% with how the
#   two workers interleave (valgrind runs one thread at a time).
# On a shared 2-core machine wall times swing by tens of percent between rounds: read the
# medians, and the instruction counts for anything finer than that.
# Too slow for CI (two release builds, then ten minutes or more); run by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_INCREMENTAL=0

base=8542031 rounds=5 secs=3 runs=15 reps=3 bench=1 time=1 count=1
while (($#)); do
    case $1 in
    --base) base=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --secs) secs=$2; shift ;;
    --runs) runs=$2; shift ;;
    --reps) reps=$2; shift ;;
    --no-bench) bench=0 ;;
    --no-time) time=0 ;;
    --no-count) count=0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

scratch=$PWD/target/diag_cost
mkdir -p "$scratch"

# Source copies: the baseline once per commit, the current tree on every run (rsync-like:
# only changed files get new mtimes, so cargo rebuilds only what changed).
base_src=$scratch/base-$(git rev-parse --short "$base")
if [ ! -d "$base_src" ]; then
    mkdir -p "$base_src.tmp"
    git archive "$base" | tar -x -C "$base_src.tmp"
    mv "$base_src.tmp" "$base_src"
fi
new_src=$scratch/new
mkdir -p "$new_src"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
    [ -e "$f" ] || continue
    if ! cmp -s "$f" "$new_src/$f"; then
        mkdir -p "$new_src/$(dirname "$f")"
        cp "$f" "$new_src/$f" # a fresh mtime: cargo must see the change
    fi
done
for src in "$base_src" "$new_src"; do
    cmp -s benches/diag_cost/work.rs "$src/examples/diag_cost_work.rs" ||
        cp benches/diag_cost/work.rs "$src/examples/diag_cost_work.rs"
done

# build TREE NAME: the criterion bench and the work binary of TREE, copied to $scratch/NAME-*.
build() {
    local src=$1 name=$2 exe
    echo "building $name ($src)" >&2
    # A target directory per tree: cargo names a workspace's units by their path relative to
    # the workspace root, so two copies with the same dependency graph would share (and
    # wrongly reuse) each other's units in one target directory.
    export CARGO_TARGET_DIR=$src.target
    exe=$(cd "$src" && cargo bench --bench executor --no-run 2>&1 |
        sed -n 's/.*Executable .*(\(.*\))$/\1/p' | tail -1)
    [ -n "$exe" ] || { echo "no bench executable for $name" >&2; exit 1; }
    cp "$exe" "$scratch/$name-bench"
    # The executable's own path (under deps/, named per tree): the shared examples/ copy may
    # be another tree's when cargo finds this one fresh.
    exe=$(cd "$src" && cargo build --profile bench --example diag_cost_work \
        --message-format=json 2>/dev/null | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)
    [ -n "$exe" ] || { echo "no work executable for $name" >&2; exit 1; }
    cp "$exe" "$scratch/$name-work"
}
build "$base_src" base
build "$new_src" new

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

if ((bench)); then
    results=$scratch/bench.txt
    : >"$results"
    for ((i = 1; i <= rounds; i++)); do
        # Row by row, base then new back to back: the pair sees about the same load.
        for row in spawn_many yield_many ping_pong; do
            for name in base new; do
                "$scratch/$name-bench" --bench --warm-up-time 1 --measurement-time "$secs" \
                    --noplot "^$row/gort/" 2>&1 |
                    awk -v b=$name '
                        /^(spawn_many|yield_many|ping_pong)\/gort/ {row = $1}
                        /time:/ && row != "" {
                            for (k = 1; k <= NF; k++) if ($k == "time:") { t = $(k + 3); u = $(k + 4) }
                            f = (u == "s") ? 1e3 : (u == "ms") ? 1 : (u == "µs" || u == "us") ? 1e-3 : 1e-6
                            print b, row, t * f; row = ""
                        }' >>"$results"
            done
        done
        echo "timing round $i of $rounds done" >&2
    done
    echo
    echo "criterion, multi-thread (2 workers), median of $rounds alternating rounds (ms):"
    printf '%-28s %10s %10s %9s\n' row base new "new/base"
    for row in $(awk '{print $2}' "$results" | sort -u); do
        b=$(awk -v r="$row" '$1 == "base" && $2 == r {print $3}' "$results" | median)
        n=$(awk -v r="$row" '$1 == "new" && $2 == r {print $3}' "$results" | median)
        printf '%-28s %10.3f %10.3f %9.3f\n' "$row" "$b" "$n" "$(echo "$n / $b" | bc -l)"
    done
fi

# The workloads of the time and count sections: name and operations per run.
timed_work=(spawn:100000 yield:200000 ping_pong:100000)
counted_work=(spawn:20000 yield:40000 ping_pong:20000)

if ((time)); then
    echo
    echo "wall and CPU time per operation (ns), work binary, median of $runs alternating runs:"
    printf '%-8s %-10s %9s %9s %9s %9s %9s %9s\n' flavor work "wall base" new "new/base" \
        "cpu base" new "new/base"
    for flavor in ct mt; do
        for spec in "${timed_work[@]}"; do
            work=${spec%%:*} n=${spec##*:}
            out=$scratch/time-$flavor-$work.txt
            : >"$out"
            for ((r = 0; r < runs; r++)); do
                for name in base new; do
                    echo "$name $("$scratch/$name-work" $flavor "$work" "$n")" >>"$out"
                done
            done
            med() { awk -v b=$1 -v c=$2 '$1 == b {print $c}' "$out" | median; }
            wb=$(med base 2) wn=$(med new 2) cb=$(med base 3) cn=$(med new 3)
            printf '%-8s %-10s %9.1f %9.1f %9.3f %9.1f %9.1f %9.3f\n' $flavor "$work" \
                "$(echo "$wb / $n" | bc -l)" "$(echo "$wn / $n" | bc -l)" \
                "$(echo "$wn / $wb" | bc -l)" "$(echo "$cb / $n" | bc -l)" \
                "$(echo "$cn / $n" | bc -l)" "$(echo "$cn / $cb" | bc -l)"
        done
    done
fi

# irefs NAME FLAVOR WORK N: instructions of one run under cachegrind.
irefs() {
    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
        "$scratch/$1-work" "$2" "$3" "$4" 2>&1 |
        sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' | tr -d ,
}

if ((count)); then
    echo
    echo "instructions per operation (cachegrind, median of $reps runs, idle run subtracted):"
    printf '%-8s %-10s %8s %10s %10s %9s\n' flavor work ops base new "new/base"
    for flavor in ct mt; do
        for spec in "${counted_work[@]}"; do
            work=${spec%%:*} n=${spec##*:}
            declare -A per=()
            for name in base new; do
                idle=() full=()
                for ((r = 0; r < reps; r++)); do
                    idle+=("$(irefs $name $flavor idle 0)")
                    full+=("$(irefs $name $flavor "$work" "$n")")
                done
                i=$(printf '%s\n' "${idle[@]}" | median)
                f=$(printf '%s\n' "${full[@]}" | median)
                per[$name]=$(echo "($f - $i) / $n" | bc -l)
            done
            printf '%-8s %-10s %8d %10.1f %10.1f %9.3f\n' $flavor "$work" "$n" "${per[base]}" \
                "${per[new]}" "$(echo "${per[new]} / ${per[base]}" | bc -l)"
        done
    done
fi
