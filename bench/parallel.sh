#!/usr/bin/env bash
# Parallel gates (SPEC §8): four independent gates of SECONDS each with jobs=4 (and a machine
# budget of 4, so the scheduler, not the core count, is measured). Prints the
# median wall time of RUNS runs and how far it is above one gate's own time.
# Usage: bench/parallel.sh [RUNS] [SECONDS]     (default 7 runs of 1 s gates)
set -euo pipefail
runs=${1:-7}
seconds=${2:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/backstop"

repo=$(mktemp -d)
trap 'rm -rf "$repo"' EXIT
git -C "$repo" init -q -b main
{
  echo "[settings]"; echo "jobs = 4"; echo "machine_jobs = 4"
  for n in 1 2 3 4; do printf '[gates.sleep%s]\nrun = "sleep %s"\n' "$n" "$seconds"; done
} > "$repo/gates.toml"
echo x > "$repo/file.txt"

times=()
for _ in $(seq "$runs"); do
  start=$(date +%s%N)
  "$bin" -C "$repo" run -q >/dev/null
  end=$(date +%s%N)
  times+=($(( (end - start) / 1000000 )))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(printf '%s\n' "$sorted" | awk -v n="$runs" 'NR == int((n + 1) / 2)')
gate_ms=$(awk -v s="$seconds" 'BEGIN { print int(s * 1000) }')
echo "four ${seconds}s gates, jobs=4, $runs runs: median ${median} ms (runs: $(echo $sorted | tr '\n' ' '))"
echo "above the slowest gate's own ${gate_ms} ms: $(( median - gate_ms )) ms; sequential would be $(( 4 * gate_ms )) ms"
