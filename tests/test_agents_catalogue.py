import pytest

from symphony_bot.agents.catalogue import AGENT_NAMES, UnknownAgent, make_agent


def test_every_agent_name_builds_its_adapter() -> None:
    for name in AGENT_NAMES:
        agent = make_agent(name, command="true", executable="/bin/true", model="m")
        assert agent.name == name


def test_bad_choices_explain_themselves() -> None:
    with pytest.raises(UnknownAgent, match="--agent-command"):
        make_agent("command")
    with pytest.raises(UnknownAgent, match="choose one of"):
        make_agent("copilot")
