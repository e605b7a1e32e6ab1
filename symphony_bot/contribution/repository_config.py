"""`.github/symphony.yml`: a repository's settings for the Symphony action, checked before anything runs.

The file is YAML (pyyaml, safe loader), checked against `schemas/symphony-config.schema.json`. Every problem is
reported with the file, line and column of the value at fault, the way a maintainer's editor shows them. The
document is refused outright when it could be hostile (over MAX_CONFIG_BYTES, anchors and aliases — the "billion
laughs" — or duplicate keys, where YAML would silently keep the last one). Every key is optional: the action's
inputs win over the file, and the file over the defaults here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from symphony_bot.issues.status import BLOCKING_LABEL, SYMPHONY_LABEL

DEFAULT_CONFIG_PATH = ".github/symphony.yml"
SCHEMA_RESOURCE = "symphony-config.schema.json"
MAX_CONFIG_BYTES = 256 * 1024
DEFAULT_STALE_DAYS = 14
TCP_PORTS_KEY = "allowed-tcp-ports"
MAX_TCP_PORTS = 20
# What a mistake in a setting whose rules a maintainer is unlikely to guess is told, after the schema's words.
SETTING_RULES = {
    TCP_PORTS_KEY: f"`{TCP_PORTS_KEY}` is a list of at most {MAX_TCP_PORTS} different TCP port numbers, each a "
    "whole number from 1 to 65535 (e.g. [5432, 6379])",
}


class ConfigError(Exception):
    """The configuration cannot be used. `str()` is `file:line:column: message` when the place is known."""

    def __init__(self, message: str, path: str, line: int | None = None, column: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        where = path if line is None else f"{path}:{line}" + (f":{column}" if column is not None else "")
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class SymphonyConfig:
    who_can_run: str | tuple[str, ...] | None = None
    allowed_bots: tuple[str, ...] = ()
    agent: str | None = None
    agent_command: str | None = None
    model: str | None = None
    max_cost: float | None = None
    max_minutes: float | None = None
    max_tasks: int | None = None
    task_timeout: float | None = None
    auto_start: bool = False
    document_folders: tuple[str, ...] = ()
    attachment_hosts: tuple[str, ...] = ()
    comment_throttle: float | None = None
    symphony_label: str = SYMPHONY_LABEL
    blocking_label: str = BLOCKING_LABEL
    stale_days: int = DEFAULT_STALE_DAYS
    stale_comment: bool = False
    revise_max_cost: float | None = None
    revise_max_minutes: float | None = None
    revise_max_tasks: int | None = None
    resolve_threads: bool = False
    verify: str | None = None
    verify_failure: str = "commit"
    verify_retries: int = 1
    # TCP ports the agent may connect to besides the metering proxy's (Landlock's allow-list).
    allowed_tcp_ports: tuple[int, ...] = ()
    source: str | None = None  # the file it came from; None for the defaults
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def load_schema() -> dict[str, Any]:
    from importlib import resources

    text = resources.files("symphony_bot.data").joinpath(SCHEMA_RESOURCE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def load_config(path: str | Path | None, *, workspace: Path | None = None) -> SymphonyConfig:
    """The configuration at `path` (relative to `workspace`). No path: DEFAULT_CONFIG_PATH if it exists, else
    the defaults. A path that was asked for explicitly must exist."""
    base = workspace or Path.cwd()
    explicit = path is not None and str(path).strip() != ""
    relative = Path(str(path)) if explicit else Path(DEFAULT_CONFIG_PATH)
    target = relative if relative.is_absolute() else base / relative
    shown = str(relative)
    if not target.exists():
        if explicit:
            raise ConfigError("the configuration file does not exist; create it or fix the `config` input", shown, None)
        return SymphonyConfig()
    if not target.is_file():
        raise ConfigError("is not a regular file; `config` must name a YAML file", shown)
    with target.open("rb") as handle:
        raw = handle.read(MAX_CONFIG_BYTES + 1)
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"is larger than {MAX_CONFIG_BYTES // 1024} KiB; a configuration is a few lines", shown)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(f"byte {error.start} is not valid UTF-8; save the file as UTF-8", shown) from None
    return parse_config(text, shown)


def parse_config(text: str, path: str = DEFAULT_CONFIG_PATH) -> SymphonyConfig:
    """Parse and check one configuration document (see the module docstring)."""
    import yaml

    try:
        root = _compose(text, path)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        if mark is None:
            raise ConfigError(f"not valid YAML: {problem}", path) from None
        raise ConfigError(f"not valid YAML: {problem}", path, mark.line + 1, mark.column + 1) from None
    except yaml.YAMLError as error:
        raise ConfigError(f"not valid YAML: {error}", path) from None
    if root is None:
        return SymphonyConfig(source=path)
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ConfigError("the top level must be a mapping of settings (key: value)", path, *_position(root))
    _check_schema(data, root, path)
    return _from_data(data, path)


def _compose(text: str, path: str) -> Any:
    import yaml

    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            mark = event.start_mark
            message = "YAML anchors and aliases are not accepted here; write the value out"
            if mark is None:
                raise ConfigError(message, path)
            raise ConfigError(message, path, mark.line + 1, mark.column + 1)
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None:
        _refuse_duplicate_keys(root, path)
    return root


def _refuse_duplicate_keys(node: Any, path: str) -> None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name = str(key.value)
            if name in seen:
                raise ConfigError(
                    f"`{name}` is set twice (first on line {seen[name]}); keep one", path, *_position(key)
                )
            seen[name] = key.start_mark.line + 1
            _refuse_duplicate_keys(value, path)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _refuse_duplicate_keys(item, path)


def _position(node: Any) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _node_at(root: Any, location: list[str | int]) -> Any:
    """The YAML node at a JSON path; the deepest node found when the path ends early."""
    import yaml

    node = root
    for step in location:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            match = next(((key, value) for key, value in node.value if str(key.value) == step), None)
            if match is None:
                return node
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            return node
    return node


def _check_schema(data: dict[str, Any], root: Any, path: str) -> None:
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]  # no stubs; used here only

    validator = Draft202012Validator(load_schema())
    errors = sorted(validator.iter_errors(data), key=lambda error: list(map(str, error.absolute_path)))
    if not errors:
        return
    error = errors[0]
    location = list(error.absolute_path)
    node = _node_at(root, location)
    # An unknown key is reported on the key itself, not on the mapping that holds it.
    if error.validator == "additionalProperties":
        extra = [name for name in error.instance if name not in (error.schema.get("properties") or {})]
        import yaml

        if extra and isinstance(node, yaml.MappingNode):
            for key, _ in node.value:
                if str(key.value) == extra[0]:
                    node = key
                    break
        known = ", ".join(sorted(error.schema.get("properties") or {}))
        message = f"unknown setting `{extra[0] if extra else '?'}`; known settings here: {known}"
    else:
        dotted = ".".join(str(part) for part in location) or "(top level)"
        message = f"`{dotted}`: {_short(error.message)}"
        rule = SETTING_RULES.get(str(location[0])) if location else None
        message += f"; {rule}" if rule else ""
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    raise ConfigError(message + more, path, *_position(node))


def _short(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _from_data(data: dict[str, Any], path: str) -> SymphonyConfig:
    budgets = data.get("budgets") or {}
    labels = data.get("labels") or {}
    stale = data.get("stale-claims") or {}
    who = data.get("who-can-run")
    return SymphonyConfig(
        who_can_run=tuple(who) if isinstance(who, list) else who,
        allowed_bots=tuple(data.get("allowed-bots") or ()),
        agent=data.get("agent"),
        agent_command=data.get("agent-command"),
        model=data.get("model"),
        max_cost=_number(budgets.get("max-cost")),
        max_minutes=_number(budgets.get("max-minutes")),
        max_tasks=budgets.get("max-tasks"),
        task_timeout=_number(budgets.get("task-timeout")),
        auto_start=bool(data.get("auto-start", False)),
        document_folders=tuple(folder.strip("/") for folder in data.get("document-folders") or ()),
        attachment_hosts=tuple(data.get("attachment-hosts") or ()),
        comment_throttle=_number(data.get("comment-throttle")),
        symphony_label=labels.get("symphony", SYMPHONY_LABEL),
        blocking_label=labels.get("blocking", BLOCKING_LABEL),
        stale_days=int(stale.get("days", DEFAULT_STALE_DAYS)),
        stale_comment=bool(stale.get("comment", False)),
        revise_max_cost=_number((budgets.get("revise") or {}).get("max-cost")),
        revise_max_minutes=_number((budgets.get("revise") or {}).get("max-minutes")),
        revise_max_tasks=(budgets.get("revise") or {}).get("max-tasks"),
        resolve_threads=bool((data.get("review") or {}).get("resolve-threads", False)),
        verify=data.get("verify"),
        verify_failure=data.get("verify-failure", "commit"),
        verify_retries=int(data.get("verify-retries", 1)),
        allowed_tcp_ports=tuple(data.get(TCP_PORTS_KEY) or ()),
        source=path,
        raw=data,
    )


def _number(value: Any) -> float | None:
    return None if value is None else float(value)
