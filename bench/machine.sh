#!/usr/bin/env bash
# Many agents on one machine (issue 19): four linked worktrees whose Claude Code Stop hooks start
# together, each running one CPU-bound gate (a shell loop of LOOPS steps) at different content.
# Prints, over RUNS runs each, the median wall time and the peak number of gates running at once
# (read from the start/end times the gates log) for:
#   budget 2     settings.machine_jobs = 2
#   unbudgeted   settings.machine_jobs = 64
#   one by one   the four hooks run one after another (the reference: no worse than this)
# Usage: bench/machine.sh [RUNS] [LOOPS]     (default 5 runs of 300000 steps)
set -euo pipefail
runs=${1:-5}
loops=${2:-300000}
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="${CARGO_TARGET_DIR:-$root/target}/release/backstop"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_RUNTIME_DIR="$work/run"   # this benchmark's own slots
mkdir -m 700 "$XDG_RUNTIME_DIR"
export GIT_CONFIG_GLOBAL="$work/gitconfig" GIT_CONFIG_NOSYSTEM=1
printf '[user]\n\tname = bench\n\temail = bench@example.com\n' > "$GIT_CONFIG_GLOBAL"
repo="$work/repo"
log="$work/intervals"
git init -q -b main "$repo"
echo a > "$repo/a.txt"
write_config() {
  cat > "$repo/gates.toml" <<EOF
[settings]
base = "main"
machine_jobs = $1
[gates.cpu]
run = '''s=\$(date +%s%N); i=0; while [ \$i -lt $loops ]; do i=\$((i+1)); done; e=\$(date +%s%N); echo "\$s \$e" >> '$log' '''
on = ["stop"]
EOF
}
write_config 2
git -C "$repo" add -A && git -C "$repo" commit -qm base
for n in 1 2 3 4; do
  git -C "$repo" worktree add -q -b "agent$n" "$work/agent$n"
  echo "change $n" > "$work/agent$n/a.txt"   # four different contents: no single flight
done

hook() {   # the Stop hook of worktree $1
  printf '{"session_id":"s%s","cwd":"%s","hook_event_name":"Stop"}' "$1" "$work/agent$1" |
    "$bin" hook claude stop > "$work/out$1"
  [ ! -s "$work/out$1" ] || { echo "agent$1's stop was blocked:"; cat "$work/out$1"; exit 1; }
}

peak() {   # the most intervals of the log open at one instant
  awk '{ print $1, 1; print $2, -1 }' "$log" | sort -k1,1n -k2,2n |
    awk '{ now += $2; if (now > most) most = now } END { print most + 0 }'
}

measure() {   # $1: budget; $2: together | one-by-one. Prints "wall_ms peak".
  write_config "$1"
  for n in 1 2 3 4; do cp "$repo/gates.toml" "$work/agent$n/gates.toml"; done
  "$bin" -C "$repo" cache clear > /dev/null
  : > "$log"
  local start end
  start=$(date +%s%N)
  if [ "$2" = together ]; then
    for n in 1 2 3 4; do hook "$n" & done
    wait
  else
    for n in 1 2 3 4; do hook "$n"; done
  fi
  end=$(date +%s%N)
  [ "$(wc -l < "$log")" -eq 4 ] || { echo "expected 4 gate runs, the log has:"; cat "$log"; exit 1; }
  echo "$(( (end - start) / 1000000 )) $(peak)"
}

median() { sort -n | awk -v n="$1" 'NR == int((n + 1) / 2)'; }

report() {   # $1: label, $2: budget, $3: mode
  local walls=() peaks=() line
  for _ in $(seq "$runs"); do
    line=$(measure "$2" "$3")
    walls+=("${line% *}"); peaks+=("${line#* }")
  done
  printf '%-12s wall median %6s ms (runs: %s)   peak gates at once: max %s (runs: %s)\n' "$1" \
    "$(printf '%s\n' "${walls[@]}" | median "$runs")" "${walls[*]}" \
    "$(printf '%s\n' "${peaks[@]}" | sort -n | tail -1)" "${peaks[*]}"
}

echo "four Stop hooks, one CPU-bound gate each ($loops loop steps), $(nproc) cores, $runs runs," \
  "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
report "budget 2" 2 together
report "unbudgeted" 64 together
report "one by one" 64 one-by-one
