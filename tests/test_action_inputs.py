"""Inputs as the runner passes them (`INPUT_` + upper-cased name, hyphens kept) and outputs as it reads them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml

from symphony_bot.action.inputs import (
    INPUT_NAMES,
    InputError,
    get_input,
    input_variable,
    read_inputs,
    read_secret_values,
)
from symphony_bot.action.outputs import (
    OUTPUT_NAMES,
    OutputError,
    format_output,
    mask_lines,
    parse_output_file,
    print_masks,
    write_outputs,
)

ROOT = Path(__file__).resolve().parent.parent


def test_variable_names_keep_hyphens() -> None:
    assert input_variable("github-token") == "INPUT_GITHUB-TOKEN"
    assert input_variable("who-can-run") == "INPUT_WHO-CAN-RUN"
    assert input_variable("dry run") == "INPUT_DRY_RUN"


def test_every_input_is_read_from_its_hyphenated_variable() -> None:
    environ = {
        "INPUT_GITHUB-TOKEN": "ghs_secret",
        "INPUT_AGENT": "claude",
        "INPUT_AGENT-COMMAND": "./agent.sh",
        "INPUT_MODEL": "claude-sonnet",
        "INPUT_ANTHROPIC-API-KEY": "sk-ant-1",
        "INPUT_OPENAI-API-KEY": "sk-openai-1",
        "INPUT_GEMINI-API-KEY": "gem-1",
        "INPUT_MODE": "run",
        "INPUT_ISSUE": "7",
        "INPUT_REGISTRY": "symphony-registry.json",
        "INPUT_WHO-CAN-RUN": "maintain",
        "INPUT_CONFIG": ".github/other.yml",
        "INPUT_MAX-COST": "2.5",
        "INPUT_MAX-MINUTES": "30",
        "INPUT_TASK-TIMEOUT": "600",
        "INPUT_DRY-RUN": "true",
    }
    inputs = read_inputs(environ)
    assert inputs.github_token == "ghs_secret"
    assert inputs.agent == "claude" and inputs.agent_command == "./agent.sh" and inputs.model == "claude-sonnet"
    assert dict(inputs.api_keys) == {
        "anthropic-api-key": "sk-ant-1",
        "openai-api-key": "sk-openai-1",
        "gemini-api-key": "gem-1",
    }
    assert (inputs.mode, inputs.issue, inputs.registry) == ("run", "7", "symphony-registry.json")
    assert (inputs.who_can_run, inputs.config) == ("maintain", ".github/other.yml")
    assert (inputs.max_cost, inputs.max_minutes, inputs.task_timeout, inputs.dry_run) == (2.5, 30.0, 600.0, True)
    assert set(inputs.secrets()) == {"ghs_secret", "sk-ant-1", "sk-openai-1", "gem-1"}


def test_underscore_form_is_only_a_fallback() -> None:
    assert get_input("who-can-run", {"INPUT_WHO_CAN_RUN": "admin"}) == "admin"
    both = {"INPUT_WHO-CAN-RUN": "write", "INPUT_WHO_CAN_RUN": "admin"}
    assert get_input("who-can-run", both) == "write"


def test_empty_inputs_are_unset_and_defaults_apply() -> None:
    inputs = read_inputs({"INPUT_MODE": "", "INPUT_DRY-RUN": "  ", "INPUT_ISSUE": ""})
    assert (inputs.mode, inputs.dry_run, inputs.issue, inputs.github_token) == ("auto", False, None, None)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("INPUT_MODE", "everything", "input `mode`"),
        ("INPUT_AGENT", "copilot", "input `agent`"),
        ("INPUT_MAX-COST", "lots", "input `max-cost`"),
        ("INPUT_MAX-COST", "-1", "input `max-cost`"),
        ("INPUT_MAX-MINUTES", "inf", "input `max-minutes`"),
        ("INPUT_TASK-TIMEOUT", "nan", "input `task-timeout`"),
        ("INPUT_DRY-RUN", "yes", "input `dry-run`"),
    ],
)
def test_bad_inputs_name_the_input(variable: str, value: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_inputs({variable: value})


def test_secrets_are_read_even_when_other_inputs_are_bad() -> None:
    environ = {"INPUT_GITHUB-TOKEN": "ghs_x1", "INPUT_MODE": "bogus", "INPUT_OPENAI-API-KEY": "sk-2"}
    assert read_secret_values(environ) == ["ghs_x1", "sk-2"]


def test_masks_cover_each_line_of_a_secret() -> None:
    stream = io.StringIO()
    print_masks(["line-one\nline-two", "ghs_token", "ghs_token", "ab"], stream)
    assert stream.getvalue().splitlines() == [
        "::add-mask::line-one",
        "::add-mask::line-two",
        "::add-mask::ghs_token",
    ]
    assert mask_lines([]) == []


def test_action_yml_declares_exactly_these_inputs_and_outputs() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert tuple(action["inputs"]) == INPUT_NAMES
    assert tuple(action["outputs"]) == OUTPUT_NAMES


def test_outputs_round_trip_through_github_output(tmp_path: Path) -> None:
    target = tmp_path / "output"
    hostile = "first line\nstatus=pwned\nghadelimiter_fake\n"
    assert write_outputs(
        {"status": "completed", "pr-number": 12, "cost-usd": 0.125, "matrix": hostile, "branch": None},
        {"GITHUB_OUTPUT": str(target)},
    )
    assert write_outputs({"tokens-in": 0}, {"GITHUB_OUTPUT": str(target)})
    values = parse_output_file(target.read_text())
    assert values == {
        "status": "completed",
        "pr-number": "12",
        "cost-usd": "0.125",
        "matrix": hostile.rstrip("\n") + "\n",
        "tokens-in": "0",
    }
    assert not write_outputs({"status": "x"}, {})


def test_delimiter_never_occurs_in_the_value() -> None:
    text = format_output("status", "ok")
    name, delimiter = text.splitlines()[0].split("<<")
    assert name == "status" and delimiter.startswith("ghadelimiter_") and text.endswith(delimiter + "\n")


def test_undeclared_output_is_refused() -> None:
    with pytest.raises(OutputError, match="not an output"):
        format_output("secret", "x")
