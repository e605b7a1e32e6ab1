import socket
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from symphony_bot import __version__
from symphony_bot.cli import cli, resolve_api_urls


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
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out, out
    assert time.perf_counter() - started < 5


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["no-such-command"])
    assert result.exit_code == 2


def test_api_urls_follow_the_actions_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_API_URL", "https://ghe.example/api/v3")
    monkeypatch.delenv("GITHUB_GRAPHQL_URL", raising=False)
    assert resolve_api_urls(None) == ("https://ghe.example/api/v3", "https://ghe.example/api/graphql")
    monkeypatch.setenv("GITHUB_GRAPHQL_URL", "https://ghe.example/api/graphql2")
    assert resolve_api_urls(None)[1] == "https://ghe.example/api/graphql2"
    # an explicit --github-url wins over the environment, and GraphQL follows it
    assert resolve_api_urls("http://127.0.0.1:9/") == ("http://127.0.0.1:9", "http://127.0.0.1:9/graphql")


def test_the_suite_cannot_reach_the_internet() -> None:
    with socket.socket() as sock, pytest.raises(RuntimeError, match="only loopback"):
        sock.connect(("140.82.112.3", 443))
