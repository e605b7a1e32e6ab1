from symphony_bot.agents.environment import agent_environment, is_denied

CREDENTIALS = {
    "GITHUB_TOKEN": "ghs_x",
    "GH_TOKEN": "ghp_x",
    "INPUT_GITHUB-TOKEN": "ghs_y",
    "INPUT_TOKEN": "t",
    "ACTIONS_RUNTIME_TOKEN": "r",
    "ACTIONS_ID_TOKEN_REQUEST_URL": "https://example",
    "GIT_CONFIG_COUNT": "1",
    "GIT_CONFIG_KEY_0": "http.https://github.com/.extraheader",
    "GIT_CONFIG_VALUE_0": "AUTHORIZATION: basic eA==",
    "GIT_ASKPASS": "/bin/echo",
    "SSH_AUTH_SOCK": "/tmp/agent",
    "AWS_SECRET_ACCESS_KEY": "aws",
}


def test_only_allowed_variables_pass(tmp_path) -> None:
    source = {
        **CREDENTIALS,
        "PATH": "/usr/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C",
        "ANTHROPIC_API_KEY": "k",
        "HOME": "/root",
    }
    env = agent_environment(tmp_path, passthrough=("ANTHROPIC_*",), source=source)
    assert env["PATH"] == "/usr/bin" and env["LC_ALL"] == "C" and env["ANTHROPIC_API_KEY"] == "k"
    assert env["HOME"] == str(tmp_path / "home") and (tmp_path / "home").is_dir()
    assert env["GIT_CONFIG_GLOBAL"] == str(tmp_path / "gitconfig") and env["GIT_CONFIG_NOSYSTEM"] == "1"
    for name in CREDENTIALS:
        assert name not in env, name


def test_deny_rules_win_over_an_adapters_passthrough(tmp_path) -> None:
    env = agent_environment(tmp_path, passthrough=("*",), extra={"GH_TOKEN": "x", "OK": "1"}, source=CREDENTIALS)
    ours = {"GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM"}  # set by us to isolate git, not inherited
    assert not any(is_denied(name) for name in env if name not in ours)
    assert "GITHUB_TOKEN" not in env and "GH_TOKEN" not in env and env["OK"] == "1"
