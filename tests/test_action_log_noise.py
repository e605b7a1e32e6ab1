"""Steps with an installation token (the workflow's GITHUB_TOKEN, an App's) log no PyGithub "Request GET /user
failed with 403": GitHub refuses `GET /user` to those tokens, the bot expects it and asks GraphQL's `viewer`
instead (github/permissions.py), so that INFO line only read as an error in the job log."""

from __future__ import annotations

import os
import subprocess
import sys

from symphony_bot.sandbox import Sandbox


def test_an_installation_token_leaves_no_403_line_in_the_log() -> None:
    with Sandbox() as sb:
        sb.add_user("owner", token="owner-token")
        sb.create_repo("owner", "project", files={"README.md": "hello\n"})
        number = sb.create_issue("owner", "project", "An issue", "docs/tasks.md\n").number
        token = sb.add_actions_token("owner", "project")
        environ = {**os.environ, "GITHUB_TOKEN": str(getattr(token, "token", token))}
        result = subprocess.run(
            [sys.executable, "-m", "symphony_bot", "cancel", f"owner/project#{number}", "--github-url", sb.api_url],
            env=environ,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    assert "nothing to cancel" in result.stdout or "no open pull request" in result.stdout  # it asked who it is
    assert "failed with 403" not in result.stdout + result.stderr
