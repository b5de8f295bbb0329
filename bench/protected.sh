#!/usr/bin/env bash
# The protected gate stays near-linear in the size of the change (issue 17): builds backstop in
# release mode, then times `backstop run --gate protected` over 10k, 40k and 170k changed tests
# (five language families, every test changed) and prints the median of RUNS runs per size.
# The generator and timer are bench/protected.py (standard library only).
# Usage: [RUNS=3] [SIZES=10000,40000,170000] [TESTS_PER_FILE=100] [LIMIT=1800] bench/protected.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
BACKSTOP="${BACKSTOP:-$root/target/release/backstop}" exec python3 "$root/bench/protected.py"
