#!/usr/bin/env bash
# The catalogue benchmark of docs/benchmarks.md: imports the 250,000 Library of Congress
# records shipped in pymarc's source distribution, times pymarc parsing the same file in the
# same run, then measures search latency. Downloads into target/bench-catalogue (never
# committed). Needs python3 with venv, and GNU time (/usr/bin/time) for peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
work="$target/bench-catalogue"
sdist_sha256="b2016b1674d1956636c99b9bf95b31840c5cb8f22645672a660e66326371b2f3"
mkdir -p "$work"

if [ ! -f "$work/pymarc-5.4.0.tar.gz" ]; then
    python3 -m pip download --quiet --no-deps --no-binary :all: pymarc==5.4.0 -d "$work"
fi
echo "$sdist_sha256  $work/pymarc-5.4.0.tar.gz" | sha256sum --check --quiet
data="$work/pymarc-5.4.0/BooksAll.2016.part01.utf8"
[ -f "$data" ] || tar -xzf "$work/pymarc-5.4.0.tar.gz" -C "$work" pymarc-5.4.0/BooksAll.2016.part01.utf8
if [ ! -x "$work/venv/bin/python" ]; then
    python3 -m venv "$work/venv"
    "$work/venv/bin/pip" install --quiet "$work/pymarc-5.4.0.tar.gz"
fi

cargo build --release --locked --quiet
refdesk="$target/release/refdesk"
index="$work/index"
config="$work/refdesk.toml"
printf '[catalogue]\nindex_dir = "%s"\n' "$index" > "$config"

echo "== machine"
nproc; grep -m1 'model name' /proc/cpuinfo || true; free -g | head -2
echo "== file: $(du -h "$data" | cut -f1)"

echo "== refdesk catalogue import (fresh index)"
rm -rf "$index"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" "$refdesk" --config "$config" catalogue import "$data" 2>&1 | grep -v '^\s*$' | tail -3

echo "== pymarc 5.4.0: parse the same file (MARCReader, every field decoded)"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" "$work/venv/bin/python" - "$data" <<'PY'
import sys, time
from pymarc import MARCReader
start = time.perf_counter()
n = 0
with open(sys.argv[1], "rb") as f:
    for record in MARCReader(f, to_unicode=True, force_utf8=True):
        if record is not None:
            n += 1
secs = time.perf_counter() - start
print(f"pymarc: {n} records in {secs:.1f} s ({n / secs:.0f} records/s)")
PY

echo "== refdesk catalogue import again (every record replaced)"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" "$refdesk" --config "$config" catalogue import "$data" 2>&1 | grep -v '^\s*$' | tail -3

echo "== index size: $(du -sh "$index" | cut -f1)"
echo "== search latency"
"$refdesk" --config "$config" bench catalogue --rounds 3000
