"""Registry validation: every finding for one `symphony-registry.json`, collected before anything is reported.

Validation runs in three layers:
1. the bytes (size, encoding, BOM, syntax, duplicate keys) — `symphony_bot.registry.jsondoc`;
2. the JSON Schema `schemas/symphony-registry.schema.json` (jsonschema-rs: ~100x faster than pure-Python
   jsonschema on a 10,000-entry registry, with the same draft 2020-12 semantics and real format checks);
3. the rules a schema cannot express — `symphony_bot.registry.rules`.
Every finding then gets the line and column of the value it is about.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from symphony_bot.registry.jsondoc import JsonDocument, PathParts, parse_json_bytes, path_deeper_than, read_json_file
from symphony_bot.registry.rules import semantic_findings
from symphony_bot.registry.values import quote, shortened, with_positions
from symphony_bot.report.findings import Finding, Severity, has_errors, json_path

SCHEMA_RESOURCE = "symphony-registry.schema.json"
DEFAULT_REGISTRY_FILE = "symphony-registry.json"

# Finding codes (stable: documented in the README, used by CI annotations)
CODE_NOT_AN_OBJECT = "not-an-object"
CODE_NESTING_TOO_DEEP = "nesting-too-deep"
CODE_VALIDATOR_FAILED = "validator-failed"

MAX_NESTING_DEPTH = 64  # where a too-deep finding points (any depth past the validator's ~255 is reported)


FORMATS_USED = ("date", "date-time", "uri")
# One value each format checker must reject; checked once at start-up (see `_assert_format_checkers`).
_FORMAT_PROBES = {"date": "2025-13-45", "date-time": "yesterday", "uri": "not a uri"}

_SCHEMA_HINTS = {
    "description": "keep the description to 200 characters or fewer",
    "slug": 'use "owner/repo" exactly as on GitHub',
    "url": "use https://github.com/<owner>/<repo>",
    "addedAt": "use YYYY-MM-DD",
    "lastUpdated": "use an RFC 3339 date-time such as 2026-05-09T00:00:00Z",
    "schemaVersion": 'use "1.0"',
}


class FormatCheckerMissing(RuntimeError):
    """The JSON Schema library would silently accept invalid dates or URLs."""


@dataclass
class RegistryReport:
    path: str
    findings: list[Finding] = field(default_factory=list)
    data: Any = None

    @property
    def valid(self) -> bool:
        return self.data is not None and not has_errors(self.findings)

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "valid": self.valid, "findings": [f.to_json() for f in self.findings]}


@cache
def load_schema() -> dict[str, Any]:
    text = resources.files("symphony_bot.data").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> Any:
    import jsonschema_rs

    _assert_format_checkers(jsonschema_rs)
    return jsonschema_rs.Draft202012Validator(load_schema(), validate_formats=True)


def _assert_format_checkers(jsonschema_rs: Any) -> None:
    for name, bad_value in _FORMAT_PROBES.items():
        probe = jsonschema_rs.Draft202012Validator({"format": name}, validate_formats=True)
        if probe.is_valid(bad_value):
            raise FormatCheckerMissing(
                f'the JSON Schema validator does not check format "{name}", so invalid values would pass; '
                "reinstall symphony-bot with its pinned dependencies (pip install -e .)"
            )


def validate_file(path: Path, now: dt.datetime | None = None) -> RegistryReport:
    """Every finding for one registry file. Raises OSError when the file cannot be read at all."""
    return _report(str(path), read_json_file(path), now)


def validate_bytes(raw: bytes, path: str = DEFAULT_REGISTRY_FILE, now: dt.datetime | None = None) -> RegistryReport:
    return _report(path, parse_json_bytes(raw), now)


def validate_document(path: str, document: JsonDocument, now: dt.datetime | None = None) -> RegistryReport:
    return _report(path, document, now)


def introduced_findings(base: list[Finding], head: list[Finding]) -> list[Finding]:
    """The findings `head` has that `base` had not: what a change brought in. Matched by what they say, not by
    where (an added project moves every line below it), and counted, so a second copy of an old problem counts."""
    remaining: dict[tuple[str, str, str, str | None], int] = {}
    for finding in base:
        key = (finding.severity, finding.code, finding.message, finding.hint)
        remaining[key] = remaining.get(key, 0) + 1
    introduced = []
    for finding in head:
        key = (finding.severity, finding.code, finding.message, finding.hint)
        if remaining.get(key, 0) > 0:
            remaining[key] -= 1
        else:
            introduced.append(finding)
    return introduced


def _report(path: str, document: JsonDocument, now: dt.datetime | None) -> RegistryReport:
    report = RegistryReport(path=path, findings=list(document.findings))
    if document.data is None:
        return report
    if not isinstance(document.data, dict):
        report.findings.append(
            Finding(
                Severity.ERROR,
                CODE_NOT_AN_OBJECT,
                f"the registry must be a JSON object, not {_json_type(document.data)}",
                hint='start from {"schemaVersion": "1.0", "lastUpdated": "…", "repositories": []}',
            )
        )
        return report
    report.data = document.data
    located: list[tuple[PathParts, Finding]] = []
    located += _schema_findings(document.data)
    located += semantic_findings(document.data, now or dt.datetime.now(dt.UTC))
    report.findings += with_positions(document, located)
    return report


def _json_type(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(type(value), "a number")


def _schema_findings(data: dict[str, Any]) -> list[tuple[PathParts, Finding]]:
    validator = _validator()
    try:
        errors = list(validator.iter_errors(data))
    except ValueError as failure:
        # jsonschema-rs refuses data nested past ~255 levels (a registry needs 4). Only now is it worth a walk.
        too_deep = path_deeper_than(data, MAX_NESTING_DEPTH)
        if too_deep is not None:
            return [
                (
                    too_deep,
                    Finding(
                        Severity.ERROR,
                        CODE_NESTING_TOO_DEEP,
                        f"values are nested more than {MAX_NESTING_DEPTH} levels deep here",
                        json_path(too_deep),
                        hint="a registry entry is at most 4 levels deep; remove the nested arrays or objects",
                    ),
                )
            ]
        return [
            (
                (),
                Finding(
                    Severity.ERROR,
                    CODE_VALIDATOR_FAILED,
                    f"the schema validator could not process this file: {failure}",
                    hint="report this with the file attached",
                ),
            )
        ]
    results: list[tuple[PathParts, Finding]] = []
    for error in errors:
        parts: PathParts = tuple(error.instance_path)
        keyword = str(error.schema_path[-1]) if error.schema_path else "schema"
        if parts[-1:] == ("category",) and keyword == "enum" and isinstance(error.instance, str):
            continue  # reported by the category rule, with a "did you mean"
        try:
            message, hint, parts = _describe_schema_error(error, keyword, parts)
        except (AttributeError, TypeError, IndexError):  # an error kind shaped differently: its own words
            message, hint = shortened(str(error.message)), _SCHEMA_HINTS.get(_field_name(parts))
        code = "schema-" + "".join("-" + c.lower() if c.isupper() else c for c in keyword)
        results.append((parts, Finding(Severity.ERROR, code, message, json_path(parts), hint=hint)))
    return results


def _field_name(parts: PathParts) -> str:
    return next((part for part in reversed(parts) if isinstance(part, str)), "")


def _describe_schema_error(error: Any, keyword: str, parts: PathParts) -> tuple[str, str | None, PathParts]:
    field_name = _field_name(parts)
    hint = _SCHEMA_HINTS.get(field_name)
    kind = error.kind
    if keyword == "required":
        missing = kind.property
        return f"required field {quote(missing)} is missing", f"add {quote(missing)}", parts
    if keyword == "additionalProperties":
        unexpected = list(kind.unexpected)
        # point at the first unknown key itself; the message names them all
        names = ", ".join(quote(name) for name in unexpected)
        return f"unknown field {names}", "remove it, or check its spelling", (*parts, unexpected[0])
    if keyword == "format":
        return f"{quote(error.instance)} is not a valid {kind.format}", hint, parts
    if keyword == "maxLength":
        return f"{field_name} is {len(error.instance)} characters long; at most {kind.limit} are allowed", hint, parts
    if keyword == "minLength":
        return f"{field_name} must not be empty", hint, parts
    if keyword == "maxItems":
        return f"{field_name} has {len(error.instance)} items; at most {kind.limit} are allowed", hint, parts
    if keyword == "type":
        wanted = " or ".join(str(name) for name in kind.types)
        return f"{quote(error.instance)} is not of type {wanted}", hint, parts
    if keyword == "pattern":
        return f"{quote(error.instance)} does not have the expected form", hint, parts
    if keyword == "enum":
        return f"{quote(error.instance)} is not one of the allowed values", hint, parts
    return shortened(str(error.message)), hint, parts
