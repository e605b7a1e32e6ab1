from symphony_bot.agents.environment import (
    GIT_SAFE_DIRECTORY,
    agent_environment,
    is_denied,
    looks_like_credential,
)

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


def test_token_like_names_pass_only_when_declared_by_exact_name(tmp_path) -> None:
    source = {"NPM_TOKEN": "n", "HF_TOKEN": "h", "MY_SECRET": "s", "DB_PASSWORD": "p", "OPENAI_API_KEY": "o"}
    env = agent_environment(tmp_path, passthrough=("*_TOKEN", "*_SECRET", "*PASSWORD*", "OPENAI_*"), source=source)
    assert sorted(set(source) & set(env)) == ["OPENAI_API_KEY"]  # a glob never lets a credential-looking name in
    env = agent_environment(tmp_path, passthrough=("HF_TOKEN",), source=source)
    assert env["HF_TOKEN"] == "h" and "NPM_TOKEN" not in env
    assert is_denied("HF_TOKEN") and not is_denied("HF_TOKEN", {"HF_TOKEN"})
    assert is_denied("GITHUB_TOKEN", {"GITHUB_TOKEN"})  # the hard rules win even over a declaration


def test_the_agent_gets_a_private_home_and_an_isolated_git(tmp_path) -> None:
    # Its own git configuration holds nothing but leave to read a work tree whose .git stays the bot's.
    assert GIT_SAFE_DIRECTORY == "[safe]\n\tdirectory = *\n"
    source = {"HOME": "/root", "XDG_CONFIG_HOME": "/root/.config", "GIT_CONFIG_GLOBAL": "/root/.gitconfig"}
    extra = {"GIT_CONFIG_GLOBAL": "/elsewhere", "GIT_TERMINAL_PROMPT": "1", "GIT_CONFIG_COUNT": "1"}
    env = agent_environment(tmp_path, passthrough=("XDG_*",), extra=extra, source=source)
    assert env["HOME"] == str(tmp_path / "home")
    assert all(env[name].startswith(str(tmp_path / "home")) for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME"))
    assert env["GIT_CONFIG_GLOBAL"] == str(tmp_path / "gitconfig")
    assert (tmp_path / "gitconfig").read_text() == GIT_SAFE_DIRECTORY
    assert (env["GIT_CONFIG_NOSYSTEM"], env["GIT_TERMINAL_PROMPT"]) == ("1", "0")
    assert "GIT_CONFIG_COUNT" not in env
    # Temporary files go to the run's private directory, removed with it (issue 10, item 5).
    assert env["TMPDIR"] == env["TMP"] == env["TEMP"] == str(tmp_path / "tmp") and (tmp_path / "tmp").is_dir()
    assert set(env) <= {"PATH", "HOME", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "GIT_TERMINAL_PROMPT"} | {
        f"XDG_{kind}_HOME" for kind in ("CONFIG", "CACHE", "DATA", "STATE")
    } | {"TMPDIR", "TMP", "TEMP"}


def test_proxy_and_certificate_variables_pass_and_the_system_temp_dir_does_not(tmp_path) -> None:
    source = {
        "HTTPS_PROXY": "http://proxy:3128",
        "no_proxy": "127.0.0.1,localhost",
        "NODE_EXTRA_CA_CERTS": "/etc/ssl/corp.pem",
        "TMPDIR": "/var/tmp/bot-secrets",
    }
    env = agent_environment(tmp_path, source=source)
    assert (env["HTTPS_PROXY"], env["no_proxy"]) == ("http://proxy:3128", "127.0.0.1,localhost")
    assert env["NODE_EXTRA_CA_CERTS"] == "/etc/ssl/corp.pem"
    assert env["TMPDIR"] == str(tmp_path / "tmp")


def test_every_runner_credential_name_is_denied() -> None:
    for name in (
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "GH_ENTERPRISE_TOKEN",
        "INPUT_GITHUB_TOKEN",
        "ACTIONS_RUNTIME_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "RUNNER_TEMP",
        "GIT_CONFIG_PARAMETERS",
        "GIT_CONFIG_KEY_3",
        "GIT_ASKPASS",
        "GIT_SSH_COMMAND",
        "SSH_AUTH_SOCK",
        "SSH_ASKPASS",
        "github_token",
    ):
        assert is_denied(name), name
    assert not is_denied("ANTHROPIC_API_KEY") and not is_denied("PATH")


def test_credential_looking_names_for_pass_env() -> None:
    for name in ("NPM_TOKEN", "NODE_AUTH_TOKEN", "VAULT_TOKEN", "CI_JOB_TOKEN", "AWS_SECRET_ACCESS_KEY", "MY_API_KEY"):
        assert looks_like_credential(name), name
    for name in ("DB_PASSWORD", "SSH_PASSPHRASE", "GOOGLE_APPLICATION_CREDENTIALS", "HF_PAT", "SIGNING_PRIVATE_KEY_ID"):
        assert looks_like_credential(name), name
    for name in ("OTHER", "NODE_ENV", "LANG", "MY_FLAG", "KEYBOARD", "MONKEY"):
        assert not looks_like_credential(name), name
