#!/usr/bin/env bash
# Side by side with prek, pre-commit, lefthook and hk (SPEC §8), in one run: installs the competitors
# into TOOLS_DIR (skipped when present; a tool that fails to install shows as n/a), builds
# backstop, builds synthetic repositories of 2,000, 10,000 and 100,000 files in a temp dir, gives
# every tool the same gates and prints the median wall time of each scenario per tool, the ratio
# to backstop, the machine and the versions. The timing harness is bench/compare.py.
# Usage: [RUNS=15] [MEM_RUNS=3] [SCENARIOS=a,a1,a2,b,...,gu100k] [SKIP_HK=1] [OUT=file.md] bench/compare.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools=${TOOLS_DIR:-$root/bench/.tools}
mkdir -p "$tools"

venv="$tools/venv"
if [ ! -x "$venv/bin/prek" ] || [ ! -x "$venv/bin/pre-commit" ]; then
  echo "installing prek and pre-commit into $venv" >&2
  { python3 -m venv "$venv" && "$venv/bin/pip" install -q --disable-pip-version-check prek pre-commit; } >&2 \
    || echo "prek/pre-commit: install failed, their columns will show n/a" >&2
  # one may have installed without the other
  [ -x "$venv/bin/prek" ] || "$venv/bin/pip" install -q prek >&2 || echo "prek: install failed (n/a)" >&2
  [ -x "$venv/bin/pre-commit" ] || "$venv/bin/pip" install -q pre-commit >&2 || echo "pre-commit: install failed (n/a)" >&2
fi
lefthook="$tools/node_modules/.bin/lefthook"
if [ ! -x "$lefthook" ]; then
  echo "installing lefthook into $tools" >&2
  # --ignore-scripts: lefthook's postinstall runs `lefthook install` in the directory npm was
  # started from, which would wire hooks into the checkout running the benchmark; the native
  # binary comes from an optional dependency and needs no script
  npm install --silent --ignore-scripts --prefix "$tools" lefthook >&2 || echo "lefthook: install failed (n/a)" >&2
fi
# node_modules/.bin/lefthook is a node script that starts the native binary of the platform
# package (~100 ms of node start-up): time the native binary, as a Go install would be
for native in "$tools"/node_modules/lefthook-*/bin/lefthook; do
  [ -x "$native" ] && lefthook=$native
done
"$lefthook" version >/dev/null 2>&1 || { echo "lefthook: not runnable (n/a)" >&2; lefthook=; }

# hk from crates.io (HK_VERSION pins it; its config amends the Config.pkl hk embeds, so no
# network at run time). Building it takes long on 2 cores (see docs/benchmarks.md); the time
# is printed. SKIP_HK=1 leaves its column n/a.
hk_version=${HK_VERSION:-2.11.0}
hk="$tools/hk/bin/hk"
if [ -z "${SKIP_HK:-}" ] && [ ! -x "$hk" ]; then
  echo "installing hk $hk_version into $tools/hk (cargo install: about 11 CPU-minutes)" >&2
  started=$(date +%s)
  cargo install --quiet --locked --version "$hk_version" --root "$tools/hk" \
    --target-dir "$tools/hk-target" hk >&2 || echo "hk: install failed (n/a)" >&2
  echo "hk: cargo install took $(( $(date +%s) - started )) s" >&2
  rm -rf "$tools/hk-target"
fi
[ -x "$hk" ] || hk=

cargo build --release --quiet --manifest-path "$root/Cargo.toml"

BACKSTOP="$root/target/release/backstop" PREK="$venv/bin/prek" PRE_COMMIT="$venv/bin/pre-commit" \
LEFTHOOK="$lefthook" HK="$hk" HK_VERSION="$hk_version" exec python3 "$root/bench/compare.py"
