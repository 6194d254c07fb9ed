"""Run every benchmarks/bench_*.py in turn and show what each prints.

Each benchmark runs as its own process, with this interpreter, so that one
benchmark's garbage, caches and imports cannot tilt the next one's numbers.
Extra arguments (such as ``--quick``) are passed on to every benchmark. The exit
status is non-zero if any benchmark failed; the others still run.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    scripts = sorted(HERE.glob("bench_*.py"))
    if not scripts:
        print(f"no bench_*.py found beside {Path(__file__).name}", file=sys.stderr)
        return 1
    failed = []
    for script in scripts:
        print(f"=== {script.name} ===", flush=True)
        start = time.perf_counter()
        # Output goes straight to ours, so a long benchmark shows its progress.
        status = subprocess.run([sys.executable, str(script), *args], cwd=HERE.parent).returncode
        took = time.perf_counter() - start
        if status != 0:
            failed.append(script.name)
            print(f"=== {script.name} FAILED (exit status {status}) after {took:.0f} s ===\n")
        else:
            print(f"=== {script.name} done in {took:.0f} s ===\n", flush=True)
    if failed:
        print(f"{len(failed)} of {len(scripts)} benchmarks failed: {', '.join(failed)}")
        return 1
    print(f"all {len(scripts)} benchmarks ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
