"""docs/status-comment.md shows the status comment exactly as the golden snapshots the renderer is tested against
(tests/data/status/), and each example's figures add up: the cost line is the sum of the task rows."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from tests.docs_pages import DOCS

GOLDEN = Path(__file__).parent / "data" / "status"
PAGE = DOCS / "status-comment.md"
ROW_COST = re.compile(r"^\| [^|]* \|.*\| \$(\d+\.\d+) \|$", re.MULTILINE)
TOTAL_COST = re.compile(r"\*\*Cost\*\* \$(\d+\.\d+)")
DONE_OF = re.compile(r"(\d+) of (\d+) tasks done")


def goldens() -> list[Path]:
    return sorted(GOLDEN.glob("comment-*.md"))


@pytest.mark.parametrize("golden", goldens(), ids=lambda path: path.stem)
def test_the_page_shows_each_golden_snapshot(golden: Path) -> None:
    body = golden.read_text(encoding="utf-8").split("\n", 1)[1].strip("\n")  # the hidden marker is not shown
    assert body in PAGE.read_text(encoding="utf-8"), f"copy {golden.name} (without its first line) into {PAGE.name}"


@pytest.mark.parametrize("golden", goldens(), ids=lambda path: path.stem)
def test_the_example_figures_add_up(golden: Path) -> None:
    text = golden.read_text(encoding="utf-8")
    rows = [Decimal(cost) for cost in ROW_COST.findall(text)]
    total = TOTAL_COST.search(text)
    assert total and rows
    assert sum(rows).quantize(Decimal("0.01")) == Decimal(total.group(1))
    done_of = DONE_OF.search(text)
    assert done_of and int(done_of.group(1)) == text.count("| ✅ |")
    assert int(done_of.group(2)) == len(re.findall(r"^\| \S+ \| docs/", text, re.MULTILINE))


def test_there_is_a_snapshot_for_every_state() -> None:
    assert len(goldens()) >= 9
