import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner

from symphony_bot import __version__
from symphony_bot.cli import COMMANDS, cli


def test_version_prints_the_package_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_version_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys\n"
        "from symphony_bot.cli import main\n"
        "sys.argv = ['symphony-bot', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('github', 'git', 'jsonschema', 'graphql', 'yaml') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out, out  # how fast that is: bench/cli.py


def test_help_lists_every_command_without_importing_one() -> None:
    code = (
        "import sys\n"
        "from symphony_bot.cli import main\n"
        "sys.argv = ['symphony-bot', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('LOADED', sorted(m for m in sys.modules if m.startswith('symphony_bot.commands.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "LOADED []" in out, out
    for name in COMMANDS:
        assert f"  {name} " in out


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_listed_summary_is_the_commands_own_first_sentence(name: str) -> None:
    command = COMMANDS[name].load()
    assert command.get_short_help_str(limit=1000) == COMMANDS[name].summary, (
        f"the summary of {name} in symphony_bot/cli.py COMMANDS must match its help"
    )


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["no-such-command"])
    assert result.exit_code == 2


def test_every_listed_command_imports_as_a_click_command() -> None:
    for name in COMMANDS:
        assert cli.get_command(None, name) is not None, name  # type: ignore[arg-type]


def test_the_suite_cannot_reach_the_internet() -> None:
    with socket.socket() as sock, pytest.raises(RuntimeError, match="only loopback"):
        sock.connect(("140.82.112.3", 443))
