"""Registry validation speed: `symphony-bot registry validate` vs `check-jsonschema` on 10,000 projects.

Both are timed as whole processes (start-up included), several runs each; medians and the ratio are printed.
Target: ours <= 0.5x check-jsonschema's time although it checks more; `symphony-bot --version` <= 150 ms.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ENTRIES = 10_000
RUNS = 5


def build_registry(path: Path, broken_every: int = 0) -> None:
    """ENTRIES projects; with `broken_every`, every n-th has a category Maestro does not know (a finding to
    locate, so the line-finding pass is timed too)."""
    base = json.loads((ROOT / "symphony-registry.json").read_text())
    template = base["repositories"]
    repositories = []
    for index in range(ENTRIES):
        entry = dict(template[index % len(template)])
        entry["slug"] = f"owner{index}/project-{index}"
        entry["url"] = f"https://github.com/owner{index}/project-{index}"
        if broken_every and index % broken_every == 0:
            entry["category"] = "Desktop"
        repositories.append(entry)
    path.write_text(json.dumps({**base, "repositories": repositories}, indent="\t"))


def median_seconds(argv: list[str], expect: int = 0) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        completed = subprocess.run(argv, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
        if completed.returncode != expect:
            raise SystemExit(
                f"{argv[0]} exited {completed.returncode}: {completed.stdout[-500:]!r} {completed.stderr[-500:]!r}"
            )
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        registry = Path(scratch) / "symphony-registry.json"
        build_registry(registry)
        size_mb = registry.stat().st_size / 1e6
        ours = median_seconds([str(BIN / "symphony-bot"), "registry", "validate", str(registry)])
        theirs = median_seconds(
            [
                str(BIN / "check-jsonschema"),
                "--schemafile",
                str(ROOT / "schemas" / "symphony-registry.schema.json"),
                str(registry),
            ]
        )
        version = median_seconds([str(BIN / "symphony-bot"), "--version"])
        broken = Path(scratch) / "broken.json"
        build_registry(broken, broken_every=100)
        with_findings = median_seconds([str(BIN / "symphony-bot"), "registry", "validate", str(broken)], expect=1)
    print(f"registry: {ENTRIES:,} projects, {size_mb:.1f} MB; median of {RUNS} runs each")
    print(
        f"symphony-bot registry validate : {ours * 1000:8.0f} ms  (schema + formats + semantic rules + duplicate keys)"
    )
    print(f"check-jsonschema               : {theirs * 1000:8.0f} ms  (schema + formats only)")
    print(f"ratio ours/theirs              : {ours / theirs:8.2f}x  (target <= 0.50x)")
    print(f"  same, 100 findings to locate   : {with_findings * 1000:8.0f} ms  (adds the line:column pass)")
    print(f"symphony-bot --version         : {version * 1000:8.0f} ms  (target <= 150 ms)")


if __name__ == "__main__":
    main()
