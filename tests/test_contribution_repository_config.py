"""`.github/symphony.yml`: every setting read, and each kind of mistake reported at its line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from symphony_bot.contribution.repository_config import (
    DEFAULT_CONFIG_PATH,
    MAX_CONFIG_BYTES,
    ConfigError,
    load_config,
    parse_config,
)

ROOT = Path(__file__).resolve().parent.parent

FULL = """\
# every setting
who-can-run: [alice, bob]
allowed-bots: ["renovate[bot]"]
agent: codex
agent-command: ./agent.sh
model: gpt-5
budgets:
  max-cost: 2.5
  max-minutes: 45
  max-tasks: 20
  task-timeout: 600
auto-start: true
document-folders: [docs/autorun/, .maestro]
attachment-hosts: [github.com]
comment-throttle: 15
labels:
  symphony: symphony
  blocking: on-hold
stale-claims:
  days: 7
  comment: true
"""


def test_every_setting_is_read() -> None:
    config = parse_config(FULL)
    assert config.who_can_run == ("alice", "bob")
    assert config.allowed_bots == ("renovate[bot]",)
    assert (config.agent, config.agent_command, config.model) == ("codex", "./agent.sh", "gpt-5")
    assert (config.max_cost, config.max_minutes, config.max_tasks, config.task_timeout) == (2.5, 45.0, 20, 600.0)
    assert config.auto_start is True
    assert config.document_folders == ("docs/autorun", ".maestro")
    assert config.attachment_hosts == ("github.com",)
    assert config.comment_throttle == 15.0
    assert (config.symphony_label, config.blocking_label) == ("symphony", "on-hold")
    assert (config.stale_days, config.stale_comment) == (7, True)


def test_defaults_when_empty_or_absent(tmp_path: Path) -> None:
    assert parse_config("").symphony_label == "runmaestro.ai"
    assert parse_config("# only a comment\n").auto_start is False
    config = load_config(None, workspace=tmp_path)
    assert config.source is None and config.who_can_run is None and config.stale_days == 14


def test_default_path_is_read_when_present(tmp_path: Path) -> None:
    target = tmp_path / DEFAULT_CONFIG_PATH
    target.parent.mkdir(parents=True)
    target.write_text("who-can-run: maintain\n")
    assert load_config(None, workspace=tmp_path).who_can_run == "maintain"


# (document, line, column, words in the message)
ERRORS = [
    ("who-can-run: write\nagnet: claude\n", 2, 1, "unknown setting `agnet`"),
    ("agent: copilot\n", 1, 8, "`agent`"),
    ("budgets:\n  max-cost: -1\n", 2, 13, "`budgets.max-cost`"),
    ("budgets:\n  max-tasks: 2.5\n", 2, 14, "`budgets.max-tasks`"),
    ("labels:\n  symphony: ''\n", 2, 13, "`labels.symphony`"),
    ("auto-start: maybe\n", 1, 13, "`auto-start`"),
    ("document-folders:\n  - docs\n  - ../secrets\n", 3, 5, "`document-folders.1`"),
    ("document-folders: [/etc]\n", 1, 20, "`document-folders.0`"),
    ("allowed-bots: ['*']\n", 1, 16, "`allowed-bots.0`"),
    ("allowed-bots: [alice]\n", 1, 16, "`allowed-bots.0`"),
    ("stale-claims:\n  days: 0\n", 2, 9, "`stale-claims.days`"),
    ("agent: claude\nagent: codex\n", 2, 1, "`agent` is set twice (first on line 1)"),
    ("a: &x [1]\nb: *x\n", 1, 4, "anchors and aliases"),
    ("agent: [claude\n", 2, 1, "not valid YAML"),
    ("agent: claude\n\tmodel: x\n", 2, 1, "not valid YAML"),
    ("- agent\n", 1, 1, "top level must be a mapping"),
    ("when: 2024-01-01\n", 1, 1, "unknown setting `when`"),
]


@pytest.mark.parametrize(("document", "line", "column", "words"), ERRORS, ids=[e[3][:30] for e in ERRORS])
def test_errors_point_at_the_line(document: str, line: int, column: int, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(document, ".github/symphony.yml")
    error = caught.value
    assert words in error.message
    assert (error.line, error.column) == (line, column), str(error)
    assert str(error).startswith(f".github/symphony.yml:{line}:{column}: ")


def test_several_problems_say_how_many_more() -> None:
    with pytest.raises(ConfigError, match=r"and 2 more problems"):
        parse_config("agent: x\nmodel: ''\nauto-start: 3\n")


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config("missing.yml", workspace=tmp_path)
    (tmp_path / "dir.yml").mkdir()
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config("dir.yml", workspace=tmp_path)
    (tmp_path / "big.yml").write_text("# " + "x" * MAX_CONFIG_BYTES)
    with pytest.raises(ConfigError, match="larger than"):
        load_config("big.yml", workspace=tmp_path)
    (tmp_path / "latin.yml").write_bytes(b"model: caf\xe9\n")
    with pytest.raises(ConfigError, match="byte 10 is not valid UTF-8"):
        load_config("latin.yml", workspace=tmp_path)
    (tmp_path / "bom.yml").write_bytes(b"\xef\xbb\xbfagent: claude\n")
    assert load_config("bom.yml", workspace=tmp_path).agent == "claude"


def test_billion_laughs_is_refused_before_expansion() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    with pytest.raises(ConfigError, match="anchors and aliases"):
        parse_config(bomb)


def test_schema_file_is_published_with_an_id() -> None:
    import json

    schema = json.loads((ROOT / "schemas" / "symphony-config.schema.json").read_text())
    assert schema["$id"] == "https://runmaestro.ai/schemas/symphony-config.schema.json"


def test_the_schemas_agents_are_the_catalogues() -> None:
    import json
    from pathlib import Path

    from symphony_bot.agents.catalogue import AGENT_NAMES

    schema = json.loads((Path(__file__).parent.parent / "schemas" / "symphony-config.schema.json").read_text())
    assert tuple(schema["properties"]["agent"]["enum"]) == AGENT_NAMES


def test_allowed_tcp_ports_are_read() -> None:
    assert parse_config("allowed-tcp-ports: [5432, 6379]\n").allowed_tcp_ports == (5432, 6379)
    assert parse_config("agent: codex\n").allowed_tcp_ports == ()


@pytest.mark.parametrize(
    ("ports", "line", "column", "words"),
    [
        ("[5432, 70000]", 2, 27, "70000 is greater than the maximum of 65535"),
        ("[0]", 2, 21, "0 is less than the minimum of 1"),
        ('["5432"]', 2, 21, "'5432' is not of type 'integer'"),
        ("[true]", 2, 21, "True is not of type 'integer'"),
        ("[80.5]", 2, 21, "80.5 is not of type 'integer'"),
        ("5432", 2, 20, "5432 is not of type 'array'"),
        ("[80, 80]", 2, 20, "has non-unique elements"),
        (f"[{', '.join(str(port) for port in range(1000, 1021))}]", 2, 20, "is too long"),
    ],
)
def test_allowed_tcp_ports_must_be_at_most_20_port_numbers(ports: str, line: int, column: int, words: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(f"agent: claude\nallowed-tcp-ports: {ports}\n")
    error = raised.value
    assert (error.line, error.column) == (line, column)
    assert "`allowed-tcp-ports" in error.message and words in error.message, error.message
    assert "at most 20 different TCP port numbers, each a whole number from 1 to 65535" in error.message


def test_the_schemas_port_limit_is_the_parsers() -> None:
    import json

    from symphony_bot.contribution.repository_config import MAX_TCP_PORTS, TCP_PORTS_KEY

    published = json.loads((ROOT / "schemas" / "symphony-config.schema.json").read_text())
    assert published["properties"][TCP_PORTS_KEY]["maxItems"] == MAX_TCP_PORTS
