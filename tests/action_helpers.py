"""Shared set-up for the action tests: a sandbox GitHub with a maintainer's repository, real webhook payloads from
@octokit/webhooks-examples re-addressed to it (and checked against @octokit/webhooks-schemas), and one action
step run in-process with the runner's variables — or as a real `symphony-bot action` process."""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

from symphony_bot.action.main import run_action
from symphony_bot.action.outputs import parse_output_file
from symphony_bot.action.replies import Outcome
from symphony_bot.action.runner_seam import RunRequest, RunResult
from symphony_bot.github.client import GitHubClient
from symphony_bot.github.pacer import Limits, Pacer
from symphony_bot.sandbox import Sandbox
from tests.conftest import NPM_MODULES

OWNER, REPO = "maintainer", "project"
SLUG = f"{OWNER}/{REPO}"
LABEL = "runmaestro.ai"
BOT = "symphony-app[bot]"
TOKENS = {OWNER: "maintainer-token", BOT: "bot-token"}
ROLES = {"writer": "write", "triager": "triage", "reader": "read", "stranger": None}
DOCUMENT = "- [ ] one\n- [x] two\n- [ ] three\n"


@cache
def _examples() -> dict[str, Any]:
    path = NPM_MODULES / "@octokit" / "webhooks-examples" / "api.github.com" / "index.json"
    return {entry["name"]: entry for entry in json.loads(path.read_text())}


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((NPM_MODULES / "@octokit" / "webhooks-schemas" / "schema.json").read_text())
    return schema


def schema_errors(definition: str, payload: dict[str, Any]) -> list[str]:
    validator = Draft7Validator({"$ref": f"#/definitions/{definition}", "definitions": _schema()["definitions"]})
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(payload)]


def example(event: str, action: str | None) -> dict[str, Any]:
    """The first example of `event.action` that validates against the current schema (some old ones do not)."""
    definition = f"{event}${action or 'event'}"
    for payload in _examples()[event]["examples"]:
        if (action is None or payload.get("action") == action) and not schema_errors(definition, payload):
            return copy.deepcopy(payload)
    raise LookupError(f"no valid example of {definition}")


def _user(template: dict[str, Any], login: str) -> dict[str, Any]:
    user = copy.deepcopy(template)
    user["login"] = login
    user["type"] = "Bot" if login.endswith("[bot]") else "User"
    return user


def readdress(
    payload: dict[str, Any], *, number: int | None = None, sender: str | None = None, labels: list[str] | None = None
) -> dict[str, Any]:
    """Point a real payload at the sandbox's repository, issue, and people; the shape stays GitHub's."""
    repository = payload["repository"]
    repository["full_name"], repository["name"] = SLUG, REPO
    repository["owner"]["login"] = OWNER
    if sender is not None:
        payload["sender"] = _user(payload["sender"], sender)
    if number is not None and "issue" in payload:
        payload["issue"]["number"] = number
    if labels is not None and "issue" in payload:
        template = payload.get("label") or (payload["issue"].get("labels") or [None])[0]
        assert template is not None, "the example has no label to copy the shape of"
        payload["issue"]["labels"] = [dict(copy.deepcopy(template), name=name) for name in labels]
    return payload


def labeled(number: int, *, by: str, label: str = LABEL, action: str = "labeled") -> dict[str, Any]:
    payload = readdress(example("issues", action), number=number, sender=by, labels=[label])
    payload["label"]["name"] = label
    if action == "unlabeled":
        payload["issue"]["labels"] = []
    return payload


def commented(
    number: int, comment_id: int, body: str, *, by: str, labels: list[str], pull: bool = False, action: str = "created"
) -> dict[str, Any]:
    payload = readdress(example("issue_comment", action), number=number, sender=by, labels=labels)
    payload["comment"]["id"] = comment_id
    payload["comment"]["body"] = body
    payload["comment"]["user"] = _user(payload["comment"]["user"], by)
    if pull:  # documented variant: a comment on a pull request carries issue.pull_request
        payload["issue"]["pull_request"] = {
            "url": f"https://api.github.com/repos/{SLUG}/pulls/{number}",
            "html_url": f"https://github.com/{SLUG}/pull/{number}",
            "diff_url": f"https://github.com/{SLUG}/pull/{number}.diff",
            "patch_url": f"https://github.com/{SLUG}/pull/{number}.patch",
        }
    return payload


class RecordingRunner:
    """The runner seam's far side, for routing tests: records each request and answers like `symphony-bot run`."""

    def __init__(self, result: RunResult | None = None) -> None:
        self.requests: list[tuple[str, RunRequest]] = []
        self.result = result or RunResult(
            "completed", 0, {"pr-number": 7, "pr-url": "http://pr/7", "branch": "symphony/1-abc", "tasks-done": 2}
        )

    def run(self, request: RunRequest) -> RunResult:
        self.requests.append(("run", request))
        return self.result

    def cancel(self, request: RunRequest) -> RunResult:
        self.requests.append(("cancel", request))
        return RunResult("cancelled", 0)

    def finalize(self, request: RunRequest) -> RunResult:
        self.requests.append(("finalize", request))
        return RunResult("finalized", 0)


@dataclass
class Step:
    outcome: Outcome
    log: str
    outputs: dict[str, str]
    summary: str
    state: str


@dataclass
class World:
    sb: Sandbox
    root: Path
    runner: RecordingRunner = field(default_factory=RecordingRunner)

    @property
    def workspace(self) -> Path:
        return self.root / "workspace"

    def environ(self, event: str, payload: dict[str, Any], inputs: dict[str, str] | None = None) -> dict[str, str]:
        run_dir = self.root / f"step-{len(list(self.root.glob('step-*')))}"
        run_dir.mkdir()
        (run_dir / "event.json").write_text(json.dumps(payload))
        environ = {
            "GITHUB_EVENT_NAME": event,
            "GITHUB_EVENT_PATH": str(run_dir / "event.json"),
            "GITHUB_OUTPUT": str(run_dir / "output"),
            "GITHUB_STEP_SUMMARY": str(run_dir / "summary.md"),
            "GITHUB_STATE": str(run_dir / "state"),
            "GITHUB_REPOSITORY": SLUG,
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_API_URL": self.sb.api_url,
            "GITHUB_GRAPHQL_URL": self.sb.graphql_url,
            "GITHUB_RUN_ID": "999",
            "GITHUB_SERVER_URL": "https://github.com",
            "INPUT_GITHUB-TOKEN": TOKENS[BOT],
            "INPUT_MODE": "auto",
            "INPUT_DRY-RUN": "false",
        }
        environ.update({f"INPUT_{name.upper()}": value for name, value in (inputs or {}).items()})
        return environ

    def act(self, event: str, payload: dict[str, Any], inputs: dict[str, str] | None = None) -> Step:
        environ = self.environ(event, payload, inputs)
        stream = io.StringIO()

        def client(inputs: Any) -> GitHubClient:
            return GitHubClient(
                self.sb.api_url,
                self.sb.graphql_url,
                inputs.github_token,
                pacer=Pacer(Limits.unlimited()),
                max_retries=0,
            )

        outcome = run_action(environ, stream, runner=self.runner, client_factory=client)
        return self._step(outcome, stream.getvalue(), environ)

    def act_process(
        self, event: str, payload: dict[str, Any], inputs: dict[str, str] | None = None, args: tuple[str, ...] = ()
    ) -> tuple[int, Step]:
        """The same step as a real `symphony-bot action` process: the runner's environment, nothing else."""
        environ = self.environ(event, payload, inputs)
        keep = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "SYSTEMROOT") if key in os.environ}
        result = subprocess.run(
            [sys.executable, "-m", "symphony_bot", "action", *args],
            env={**keep, **environ},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        outcome = Outcome("?", result.stderr)
        return result.returncode, self._step(outcome, result.stdout + result.stderr, environ)

    def start_process(
        self, event: str, payload: dict[str, Any], inputs: dict[str, str] | None = None, args: tuple[str, ...] = ()
    ) -> tuple[subprocess.Popen[str], dict[str, str]]:
        """The step as a real `symphony-bot action` process, started and left running (its output piped)."""
        environ = self.environ(event, payload, inputs)
        keep = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "SYSTEMROOT") if key in os.environ}
        process = subprocess.Popen(
            [sys.executable, "-m", "symphony_bot", "action", *args],
            env={**keep, **environ},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        return process, environ

    def step_of(self, log: str, environ: dict[str, str]) -> Step:
        return self._step(Outcome("?", ""), log, environ)

    def _step(self, outcome: Outcome, log: str, environ: dict[str, str]) -> Step:
        def read(name: str) -> str:
            path = Path(environ[name])
            return path.read_text() if path.exists() else ""

        return Step(
            outcome, log, parse_output_file(read("GITHUB_OUTPUT")), read("GITHUB_STEP_SUMMARY"), read("GITHUB_STATE")
        )

    def comments(self, number: int) -> list[tuple[str, str]]:
        return [(comment.user, comment.body) for comment in self.sb.comments(OWNER, REPO, number)]

    def reactions(self, number: int) -> list[tuple[str, str]]:
        found = []
        for comment in self.sb.comments(OWNER, REPO, number):
            found += [(reaction.user, reaction.content) for reaction in comment.reactions]
        return found


def make_world(root: Path) -> Iterator[World]:
    with Sandbox() as sb:
        sb.add_user(OWNER, token=TOKENS[OWNER])
        sb.add_user(BOT, token=TOKENS[BOT], type="Bot")
        sb.create_repo(OWNER, REPO, files={"README.md": "hello\n", "docs/tasks.md": DOCUMENT})
        sb.add_label(OWNER, REPO, LABEL, color="0e8a16")
        sb.set_permission(OWNER, REPO, BOT, "write")
        for login, role in ROLES.items():
            sb.add_user(login, token=f"{login}-token")
            if role:
                sb.set_permission(OWNER, REPO, login, role)
        sb.add_user("renovate[bot]", type="Bot")
        sb.add_user("ghost")
        world = World(sb, root)
        world.workspace.mkdir()
        yield world
