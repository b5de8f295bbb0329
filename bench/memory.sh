#!/usr/bin/env bash
# Bounded memory (SPEC §8): a gate printing 1 GiB must leave backstop under 64 MiB resident.
# Prints backstop's peak RSS (GNU time's "Maximum resident set size") for RUNS runs and the median.
# Usage: bench/memory.sh [RUNS] [MIB]      (default 3 runs of 1024 MiB)
set -euo pipefail
runs=${1:-3}
mib=${2:-1024}
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/backstop"
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }

repo=$(mktemp -d)
trap 'rm -rf "$repo"' EXIT
git -C "$repo" init -q -b main
printf '[gates.loud]\nrun = "head -c %sM /dev/zero | tr \\"\\\\\\\\0\\" x"\n' "$mib" > "$repo/gates.toml"
echo x > "$repo/file.txt"

peaks=()
for _ in $(seq "$runs"); do
  kib=$( { /usr/bin/time -f '%M' "$bin" -C "$repo" run -q --format json --output "$repo/report.json" >/dev/null; } 2>&1 | tail -n 1)
  peaks+=("$kib")
done
sorted=$(printf '%s\n' "${peaks[@]}" | sort -n)
median=$(printf '%s\n' "$sorted" | awk -v n="$runs" 'NR == int((n + 1) / 2)')
echo "gate printing ${mib} MiB, $runs runs: median peak RSS $((median / 1024)) MiB (KiB: $(echo $sorted | tr '\n' ' ')); target < 64 MiB"
