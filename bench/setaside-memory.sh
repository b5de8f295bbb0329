#!/usr/bin/env bash
# Set-aside streams (issue 14): the pre-commit hook setting aside a large unstaged change must
# not hold the file in memory. A committed file of MB megabytes gets an unstaged change, another
# file is staged, and the hook runs: it backs the change up, writes the committed version for
# the gates, and puts the change back. Prints the peak RSS (GNU time's "Maximum resident set
# size": backstop or a child it starts, whichever is larger) for RUNS runs, and the median.
# Usage: bench/setaside-memory.sh [RUNS] [MB]      (default 3 runs of 200 MB)
#        BACKSTOP_BIN=path/to/backstop bench/setaside-memory.sh   (another build, e.g. main's)
#        CONTENT=random bench/setaside-memory.sh   (incompressible bytes instead of text lines:
#        git's object for them is as large as the file, and `git cat-file` maps it)
set -uo pipefail
runs=${1:-3}
mb=${2:-200}
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${BACKSTOP_BIN:-}" ]; then
  cargo build --release --quiet --manifest-path "$root/Cargo.toml" || exit 2
fi
bin=$(realpath "${BACKSTOP_BIN:-$root/target/release/backstop}")
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }

repo=$(mktemp -d)
trap 'rm -rf "$repo" "$repo.time"' EXIT
cd "$repo"
git init -q -b main
git config user.email bench@example.com
git config user.name bench
printf '[gates.ok]\nrun = "true"\n' > gates.toml
content() {
  if [ "${CONTENT:-text}" = random ]; then
    head -c "$((mb * 1000 * 1000))" /dev/urandom
  else
    yes "line $1 of a large data file,12345,67890,some text" | head -c "$((mb * 1000 * 1000))"
  fi
}
content committed > big.dat
echo a > a.txt
git add -A
git commit -qm base

peaks=()
for n in $(seq "$runs"); do
  content "unstaged $n" > big.dat                           # the unstaged change set aside
  echo "a $n" > a.txt
  git add a.txt                                             # what is committed
  /usr/bin/time -o "$repo.time" -f '%M' "$bin" hook git pre-commit >/dev/null 2>&1
  peaks+=("$(tail -n 1 "$repo.time")")
done
sorted=$(printf '%s\n' "${peaks[@]}" | sort -n)
median=$(printf '%s\n' "$sorted" | awk -v n="$runs" 'NR == int((n + 1) / 2)')
echo "set aside a ${mb} MB file's unstaged change (${CONTENT:-text}), $runs runs: median peak RSS $((median / 1024)) MiB (KiB: $(echo $sorted | tr '\n' ' '))"
