"""The fuzz suites at scale (`make fuzz`): many more generated registries and issue bodies than the test run's
2,000 each, over several seeds. Prints cases per second and every failing case (seed and index reproduce it:
`tests.fuzzing.registry_case(seed, index)`); exits 1 when any case fails.

    python bench/fuzz.py [CASES_PER_SUITE] [SEEDS]      (defaults: 10,000 and 2)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.fuzzing, from any working directory

from tests.fuzzing import check_issue_body, check_registry, issue_body_case, registry_case, run_suite

SUITES = {"registries": (registry_case, check_registry), "issue bodies": (issue_body_case, check_issue_body)}


def main() -> int:
    cases = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    failed = 0
    for name, (case, check) in SUITES.items():
        for seed in range(1, seeds + 1):
            started = time.perf_counter()
            failures = run_suite(case, check, seed, cases)
            elapsed = time.perf_counter() - started
            print(
                f"{name:12} seed {seed}: {cases:,} cases in {elapsed:.1f} s ({cases / elapsed:,.0f}/s), "
                f"{len(failures)} failing"
            )
            for failure in failures[:5]:
                print("   ", failure.replace("\n", "\n    "))
            failed += len(failures)
    print(f"total: {failed} failing cases")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
