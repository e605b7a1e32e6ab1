"""Start-up of the command line: `symphony-bot --help` and `--version` against bare Python, whole processes.

Median of RUNS runs each, interleaved so that machine load hits all three alike. Issue 21: `--help` was 3.3x bare
Python because listing the commands imported every command module; it now lists them from cli.COMMANDS'
summaries and imports none.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 15
BIN = Path(sys.executable).parent / "symphony-bot"
CASES = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "symphony-bot --version": [str(BIN), "--version"],
    "symphony-bot --help": [str(BIN), "--help"],
}


def main() -> None:
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(RUNS):
        for name, argv in CASES.items():
            started = time.perf_counter()
            subprocess.run(argv, capture_output=True, check=True)
            times[name].append(time.perf_counter() - started)
    bare = statistics.median(times["python -c pass"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<24} median {median * 1000:7.1f} ms  ({median / bare:.2f}x bare Python)")


if __name__ == "__main__":
    main()
