"""What the action hands back to the workflow: masks, step outputs and the job summary.

* `::add-mask::` for every secret is printed before anything else, one line per line of the secret (the runner
  masks per line; a multi-line key would otherwise leak its tail).
* Outputs are appended to `$GITHUB_OUTPUT` in the heredoc form `name<<DELIMITER` with a random delimiter that is
  checked not to occur in the value, so a multi-line value (or one crafted to contain `\\nname=…`) cannot end
  early or set another output.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TextIO

OUTPUT_ENV = "GITHUB_OUTPUT"
OUTPUT_NAMES = (
    "status",
    "pr-number",
    "pr-url",
    "branch",
    "tasks-done",
    "tasks-total",
    "cost-usd",
    "tokens-in",
    "tokens-out",
    "matrix",
)
DELIMITER_PREFIX = "ghadelimiter_"
MIN_MASKED_CHARS = 4  # shorter lines would mask ordinary words all over the log


class OutputError(ValueError):
    pass


def mask_lines(values: Iterable[str]) -> list[str]:
    lines: list[str] = []
    for value in values:
        for raw in value.replace("\r", "\n").split("\n"):
            part = raw.strip()
            if len(part) >= MIN_MASKED_CHARS and f"::add-mask::{part}" not in lines:
                lines.append(f"::add-mask::{part}")
    return lines


def print_masks(values: Iterable[str], stream: TextIO) -> None:
    for line in mask_lines(values):
        stream.write(line + "\n")
    stream.flush()


def format_output(name: str, value: str) -> str:
    if name not in OUTPUT_NAMES:
        raise OutputError(f"{name!r} is not an output of the action (action.yml declares {', '.join(OUTPUT_NAMES)})")
    while True:
        delimiter = DELIMITER_PREFIX + secrets.token_hex(16)
        if delimiter not in value:
            break
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def write_outputs(values: Mapping[str, str | int | float | None], environ: Mapping[str, str] | None = None) -> bool:
    """Append the outputs that have a value; False when not running in Actions (no $GITHUB_OUTPUT)."""
    target = (os.environ if environ is None else environ).get(OUTPUT_ENV)
    if not target:
        return False
    text = "".join(format_output(name, _text(value)) for name, value in values.items() if value is not None)
    with Path(target).open("a", encoding="utf-8") as handle:
        handle.write(text)
    return True


def _text(value: str | int | float) -> str:
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value else "0"
    return str(value)


def parse_output_file(text: str) -> dict[str, str]:
    """Read a `$GITHUB_OUTPUT` file back as the runner does (tests and the post step use it)."""
    values: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body: list[str] = []
            while index < len(lines) and lines[index] != delimiter:
                body.append(lines[index])
                index += 1
            if index >= len(lines):
                raise OutputError(f"output {name!r}: the delimiter {delimiter!r} never closes")
            index += 1
            values[name] = "\n".join(body)
        else:
            name, _, value = line.partition("=")
            values[name] = value
    return values
