"""Landlock confines a command agent (issue 17, item 14): it writes only its work tree and private temporary
folder, reads no other run's tree, and connects over TCP only to the proxy's port (a loopback URL in its
environment) — a listener on another loopback port sees nothing. Checked both as root (under the agent's own
uid) and as the bot's uid, where only Landlock stands in the way."""

import json
import socket
import threading

import pytest

from symphony_bot.agents import landlock
from symphony_bot.agents.base import Outcome
from symphony_bot.agents.command import CommandAgent
from tests.autorun_helpers import AGENT_PYTHON, reachable_tmp
from tests.containment_helpers import make_run, run_script

pytestmark = pytest.mark.skipif(landlock.abi() < landlock.NET_ABI, reason="needs Landlock ABI 4 (Linux 6.7)")

PROXY_VARIABLE = "SYMPHONY_TEST_PROXY_URL"
PROBE = r"""
import json, os, socket, sys
open_folder, other_tree, proxy_port, other_port = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
seen = {}
def attempt(name, action):
    try:
        action()
        seen[name] = "ok"
    except OSError as error:
        seen[name] = type(error).__name__
def connect(port):
    with socket.create_connection(("127.0.0.1", port), timeout=10):
        pass
attempt("write outside", lambda: open(os.path.join(open_folder, "planted"), "w").write("x"))
attempt("read other tree", lambda: open(os.path.join(other_tree, "secret.txt")).read())
attempt("list other tree", lambda: os.listdir(other_tree))
attempt("write tree", lambda: open("made-here.txt", "w").write("x"))
attempt("write temp", lambda: open(os.path.join(os.environ["TMPDIR"], "t"), "w").write("x"))
attempt("proxy port", lambda: connect(proxy_port))
attempt("other port", lambda: connect(other_port))
attempt("dev null", lambda: open("/dev/null", "w").write("x"))
open("seen.json", "w").write(json.dumps(seen))
"""


@pytest.mark.parametrize("as_own_uid", [True, False], ids=["own-uid", "bot-uid"])
def test_a_command_agent_is_confined_to_its_tree_its_temp_and_the_proxy_port(monkeypatch, as_own_uid) -> None:
    with reachable_tmp() as root, socket.create_server(("127.0.0.1", 0)) as proxy:
        with socket.create_server(("127.0.0.1", 0)) as other:
            open_folder = root / "open"
            open_folder.mkdir(mode=0o777)
            open_folder.chmod(0o777)  # every uid may write here: only Landlock stops the agent
            other_run = make_run(root, "other-run")
            (other_run.repo_dir / "secret.txt").write_text("another run's work")
            request = make_run(root, "run")
            if not as_own_uid:
                request = type(request)(**{**request.__dict__, "run_as": None})
            monkeypatch.setenv(PROXY_VARIABLE, f"http://127.0.0.1:{proxy.getsockname()[1]}/v1")
            ports = (str(proxy.getsockname()[1]), str(other.getsockname()[1]))
            result = run_script(
                request, PROBE, str(open_folder), str(other_run.repo_dir), *ports, passthrough=(PROXY_VARIABLE,)
            )
            assert result.outcome is Outcome.OK, result.error
            other.setblocking(False)
            with pytest.raises(BlockingIOError):
                other.accept()  # the listener on the other port saw nothing
            proxy.setblocking(False)
            proxy.accept()[0].close()  # the proxy's did
        seen = json.loads((request.repo_dir / "seen.json").read_text())
    assert seen == {
        "write outside": "PermissionError",
        "read other tree": "PermissionError",
        "list other tree": "PermissionError",
        "write tree": "ok",
        "write temp": "ok",
        "proxy port": "ok",
        "other port": "PermissionError",
        "dev null": "ok",
    }


def test_allow_listed_ports_are_open_too() -> None:
    with reachable_tmp() as root, socket.create_server(("127.0.0.1", 0)) as listed:
        request = make_run(root, "run")
        port = listed.getsockname()[1]
        request = type(request)(**{**request.__dict__, "allowed_tcp_ports": (port,)})
        code = "import socket, sys\nsocket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10).close()\n"
        result = run_script(request, code, str(port))
        assert result.outcome is Outcome.OK, result.error


def test_loopback_ports_are_read_from_urls_only() -> None:
    values = ["http://127.0.0.1:8123/v1", "https://localhost:9000", "http://example.com:80", "8124", "http://[::1]:70"]
    assert landlock.loopback_ports(values) == (8123, 9000, 70)


def test_install_folders_are_the_prefix_above_a_bin_folder(tmp_path) -> None:
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    (tmp_path / "lib" / "tool").mkdir(parents=True)
    (tmp_path / "lib" / "tool" / "cli.js").write_text("")
    (tmp_path / "venv" / "bin" / "tool").symlink_to(tmp_path / "lib" / "tool" / "cli.js")
    assert landlock.install_folders(str(tmp_path / "venv" / "bin" / "tool")) == [
        tmp_path / "venv",
        tmp_path / "lib" / "tool",
    ]


def test_the_configs_allowed_ports_reach_the_agents_landlock_rules(monkeypatch) -> None:
    """`allowed-tcp-ports` in .github/symphony.yml -> the action's request -> the runner's environment -> the
    agent's Landlock rules: the listed port is open, an unlisted one stays closed (its listener sees nothing)."""
    from symphony_bot.action.runner_seam import RunRequest, child_environment
    from symphony_bot.contribution.repository_config import parse_config

    code = (
        "import socket, sys\n"
        "for port in sys.argv[1:]:\n"
        "    try:\n"
        "        socket.create_connection(('127.0.0.1', int(port)), timeout=10).close()\n"
        "        print(port, 'ok')\n"
        "    except OSError as error:\n"
        "        print(port, type(error).__name__)\n"
    )
    listed, unlisted = socket.create_server(("127.0.0.1", 0)), socket.create_server(("127.0.0.1", 0))
    with reachable_tmp() as root, listed, unlisted:
        ports = listed.getsockname()[1], unlisted.getsockname()[1]
        config = parse_config(f"allowed-tcp-ports: [{ports[0]}]\n")
        environ = child_environment(RunRequest("o/r", 1, allowed_tcp_ports=config.allowed_tcp_ports), {})
        monkeypatch.setenv(landlock.TCP_PORTS_ENV, environ[landlock.TCP_PORTS_ENV])
        lines: list[str] = []
        request = make_run(root, "run")
        script = request.repo_dir.parent / "agent.py"
        script.write_text(code)
        script.chmod(0o644)
        agent = CommandAgent([AGENT_PYTHON, str(script), *map(str, ports)])
        result = agent.run(request, threading.Event(), lines.append)
        assert result.outcome is Outcome.OK, result.error
        unlisted.setblocking(False)
        with pytest.raises(BlockingIOError):
            unlisted.accept()
    assert lines == [f"{ports[0]} ok", f"{ports[1]} PermissionError"]


@pytest.mark.parametrize("value", ["5432,x", "0", "65536", "-1", "80.5"])
def test_a_bad_port_list_in_the_environment_stops_the_run_naming_the_variable(monkeypatch, value) -> None:
    monkeypatch.setenv(landlock.TCP_PORTS_ENV, value)
    with reachable_tmp() as root:
        result = run_script(make_run(root, "run"), "print('never')\n")
    assert result.outcome is Outcome.NOT_FOUND
    assert landlock.TCP_PORTS_ENV in (result.error or "") and "1 to 65535" in (result.error or "")


def test_environment_ports_are_read_and_deduplicated() -> None:
    assert landlock.environment_ports({landlock.TCP_PORTS_ENV: " 5432, 6379,5432 ,"}) == (5432, 6379)
    assert landlock.environment_ports({}) == ()


def test_named_files_are_the_existing_files_among_absolute_paths(tmp_path) -> None:
    (tmp_path / "donor.json").write_text("{}")
    values = [str(tmp_path / "donor.json"), str(tmp_path), str(tmp_path / "missing"), "relative.json", "{}"]
    assert landlock.named_files(values) == (tmp_path / "donor.json",)
