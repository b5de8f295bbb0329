#!/usr/bin/env bash
# The baseline's cost on a Stop (issue 18): examples/python (ruff, ruff format, mypy, pytest,
# the real tools from its venv) in two scratch repositories with the same gates and the result
# cache off, so every Stop runs every gate:
#   on:  ruff and mypy with only_new = true, [protect] with the test census;
#   off: no only_new, [protect] with allow = ["test-not-run"] (the baseline never computed).
# In each, a Claude SessionStart starts the session (and, for "on", the background baseline,
# which the script waits for), a source file is edited, then RUNS Stops are timed, the two
# repositories taking turns. Prints the medians and the baseline's share of the gates' own
# time (the "off" Stop), and, for scale, one Stop that had to compute the base itself. Then the
# same on a gate that costs nothing (a shell script naming 2,000 tests the way cargo test does),
# so the baseline's own cost per Stop shows in milliseconds, free of the tools' noise.
# Each Stop is measured twice: its wall time, and the CPU time (user + system) of backstop and
# every process it ran. On a machine busy with other work the wall times swing by hundreds of
# milliseconds; the CPU time is what the Stop itself spent, and its share is the steadier figure.
# Usage: bench/baseline.sh [RUNS]     (default 9; needs examples/python/.venv:
#        python3 -m venv examples/python/.venv && examples/python/.venv/bin/pip install -r examples/python/requirements-dev.txt)
set -euo pipefail
export LC_ALL=C
runs=${1:-9}
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/examples/python/.venv"
if [ ! -x "$venv/bin/python" ]; then
  echo "error: $venv is missing" >&2
  echo "hint: python3 -m venv examples/python/.venv && examples/python/.venv/bin/pip install -r examples/python/requirements-dev.txt" >&2
  exit 2
fi
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/backstop"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export HOME="$scratch/home" GIT_CONFIG_GLOBAL="$scratch/home/.gitconfig" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
printf '[user]\n\tname = Bench\n\temail = bench@example.com\n' >"$GIT_CONFIG_GLOBAL"

setup() { # setup NAME on|off: a copy of examples/python with its gates, committed
  local repo="$scratch/$1"
  mkdir -p "$repo"
  (cd "$root/examples/python" && git ls-files -z --cached --others --exclude-standard . |
    xargs -0 -I{} cp --parents {} "$repo/")
  ln -s "$venv" "$repo/.venv"
  local config="$repo/gates.toml"
  sed -i 's/^base = "origin\/main"$/base = "origin\/main"\ncache = false/' "$config"
  if [ "$2" = on ]; then
    sed -i 's/^\[gates.ruff\]$/[gates.ruff]\nonly_new = true/; s/^\[gates.mypy\]$/[gates.mypy]\nonly_new = true/' "$config"
  else
    sed -i 's/^\[protect\]$/[protect]\nallow = ["test-not-run"]/' "$config"
  fi
  git -C "$repo" init -q -b main
  git -C "$repo" add -A
  git -C "$repo" commit -q -m base
}

hook() { # hook NAME EVENT: the Claude hook with its payload
  local repo="$scratch/$1"
  printf '{"session_id":"bench","cwd":"%s","hook_event_name":"%s"}' "$repo" "$2" |
    "$bin" hook claude "$2" >/dev/null 2>&1
}

wait_for_baseline() {
  local dir="$scratch/$1/.git/backstop/baseline"
  for _ in $(seq 600); do
    for record in "$dir"/*.json; do
      if [ -e "$record" ] && [ "${record##*/}" != names-tests.json ] && [ ! -e "$dir/checkout" ]; then
        return
      fi
    done
    sleep 0.5
  done
  echo "the background baseline did not finish:" >&2
  cat "$dir/worker.log" >&2
  exit 1
}

# cpu_ms: the children's line of `times` ("0m1.234s 0m0.345s") as milliseconds of CPU.
cpu_ms() { awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] } printf "%d\n", t * 1000 }'; }

stop() { # stop NAME: one Stop; prints "WALL_MS CPU_MS"
  local start cpu
  start=$(date +%s%N)
  cpu=$( (hook "$1" stop; times) | tail -1 | cpu_ms)
  echo "$(( ($(date +%s%N) - start) / 1000000 )) $cpu"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

setup on on
setup off off
started=$(date +%s%N)
hook on session-start
hook off session-start
wait_for_baseline on
background_ms=$(( ($(date +%s%N) - started) / 1000000 ))
for name in on off; do
  printf '\n# a change\n' >>"$scratch/$name/src/gradebook/grades.py"
done

on_times=()
off_times=()
on_cpu=()
off_cpu=()
for run in $(seq "$runs"); do
  # Taking turns in both orders: neither repository always runs on a warmer machine.
  order="on off"
  [ $((run % 2)) -eq 0 ] && order="off on"
  for name in $order; do
    read -r ms cpu < <(stop "$name")
    if [ "$name" = on ]; then
      on_times+=("$ms")
      on_cpu+=("$cpu")
    else
      off_times+=("$ms")
      off_cpu+=("$cpu")
    fi
  done
done
on_ms=$(printf '%s\n' "${on_times[@]}" | median)
off_ms=$(printf '%s\n' "${off_times[@]}" | median)
on_cpu_ms=$(printf '%s\n' "${on_cpu[@]}" | median)
off_cpu_ms=$(printf '%s\n' "${off_cpu[@]}" | median)

# For scale: a Stop that finds no record and computes the base itself.
rm -f "$scratch/on/.git/backstop/baseline/"*.json
start=$(date +%s%N)
hook on stop
cold_ms=$(( ($(date +%s%N) - start) / 1000000 ))

# The baseline's own cost, without the tools' noise: a free gate naming 2,000 tests.
for name in free-on free-off; do
  repo="$scratch/$name"
  mkdir -p "$repo"
  # shellcheck disable=SC2016
  printf 'i=0; while [ $i -lt 2000 ]; do echo "test tests::case_$i ... ok"; i=$((i+1)); done\n' >"$repo/tests.sh"
  printf 'echo fine\n' >"$repo/lib.sh"
  {
    printf '[settings]\ncache = false\n[gates.tests]\nrun = "sh tests.sh"\nparser = "cargo"\n[protect]\n'
    [ "$name" = free-off ] && printf 'allow = ["test-not-run"]\n'
  } >"$repo/gates.toml"
  git -C "$repo" init -q -b main
  git -C "$repo" add -A
  git -C "$repo" commit -q -m base
  hook "$name" session-start
done
wait_for_baseline free-on
for name in free-on free-off; do echo "echo changed" >>"$scratch/$name/lib.sh"; done
free_on=()
free_off=()
free_on_cpu=()
free_off_cpu=()
for run in $(seq "$runs"); do
  order="free-on free-off"
  [ $((run % 2)) -eq 0 ] && order="free-off free-on"
  for name in $order; do
    read -r ms cpu < <(stop "$name")
    if [ "$name" = free-on ]; then
      free_on+=("$ms")
      free_on_cpu+=("$cpu")
    else
      free_off+=("$ms")
      free_off_cpu+=("$cpu")
    fi
  done
done
free_on_ms=$(printf '%s\n' "${free_on[@]}" | median)
free_off_ms=$(printf '%s\n' "${free_off[@]}" | median)

echo "examples/python, gates ruff, ruff-format, mypy, pytest, result cache off, $runs Stops each:"
echo "  Stop without the baseline (the gates' own time): median ${off_ms} ms (runs: ${off_times[*]})"
echo "  Stop with only_new and the census, baseline ready: median ${on_ms} ms (runs: ${on_times[*]})"
# Each "on" Stop ran right after an "off" one: the median of the pairs' differences is less
# sensitive to a busy machine than the difference of the medians.
paired_ms=$(for i in "${!on_times[@]}"; do echo $(( on_times[i] - off_times[i] )); done | median)
awk -v on="$on_ms" -v off="$off_ms" -v paired="$paired_ms" 'BEGIN {
  printf "  the baseline adds %d ms (median of the paired differences: %d ms): %.1f%% of the gates'"'"' own time (target: under 10%%)\n", on - off, paired, paired * 100 / off }'
cpu_paired=$(for i in "${!on_cpu[@]}"; do echo $(( on_cpu[i] - off_cpu[i] )); done | median)
echo "  CPU time (backstop and every process it ran): median ${off_cpu_ms} ms without, ${on_cpu_ms} ms with"
awk -v off="$off_cpu_ms" -v paired="$cpu_paired" 'BEGIN {
  printf "  the baseline adds %d ms of CPU (median of the paired differences): %.1f%% of the gates'"'"' own CPU time (target: under 10%%)\n", paired, paired * 100 / off }'
echo "  for scale: the background baseline took ${background_ms} ms after SessionStart; a Stop computing the base itself ${cold_ms} ms"
echo "a free gate naming 2,000 tests (the census of each), $runs Stops each:"
echo "  without the census: median ${free_off_ms} ms; with it: median ${free_on_ms} ms (runs: ${free_on[*]})"
free_paired=$(for i in "${!free_on[@]}"; do echo $(( free_on[i] - free_off[i] )); done | median)
echo "  the baseline's own cost per Stop: $(( free_on_ms - free_off_ms )) ms (median of the paired differences: ${free_paired} ms)"
free_cpu_paired=$(for i in "${!free_on_cpu[@]}"; do echo $(( free_on_cpu[i] - free_off_cpu[i] )); done | median)
echo "  CPU time: median $(printf '%s\n' "${free_off_cpu[@]}" | median) ms without, $(printf '%s\n' "${free_on_cpu[@]}" | median) ms with (median of the paired differences: ${free_cpu_paired} ms)"
