"""The main job end to end on the sandbox: claim on the first commit, one commit per task, one comment, ready."""

from __future__ import annotations

import pytest

from symphony_bot.contribution.state import Phase
from symphony_bot.demo import scenario
from symphony_bot.sandbox import Sandbox
from symphony_bot.stats.pr_metadata import parse_block
from tests.e2e.contribution_helpers import OWNER, REPO, run_issue, status_comments, symphony_commits


@pytest.fixture
def world():
    with Sandbox() as sb:
        number, trigger = scenario.seed(sb)
        yield sb, number, trigger


def test_happy_path(world) -> None:
    sb, number, trigger = world
    seen = []
    pulls_at_first_push = []

    def watch(event):
        seen.append(event)
        if event["type"] == "pushed" and not pulls_at_first_push:
            pulls_at_first_push.append(len(sb.pulls(OWNER, REPO)))

    class Recorder(list):
        def append(self, event):
            watch(event)

    state = run_issue(sb, number, events=Recorder(), trigger_comment_id=trigger, requested_by=OWNER)

    assert state.phase is Phase.COMPLETED
    assert pulls_at_first_push == [0]  # no PR before the first commit is pushed
    [pull] = sb.pulls(OWNER, REPO)
    assert pull.title == "Symphony: Greet the world and document it (#1)"
    assert not pull.pull.draft and pull.state == "open"
    assert f"Closes #{number}" in pull.body
    metadata = parse_block(pull.body)
    assert metadata is not None and (metadata.tasks_done, metadata.tasks_total, metadata.state) == (5, 5, "completed")
    commits = symphony_commits(sb, pull.pull.head_sha)
    assert commits == [
        "symphony: docs/autorun/1-greeting.md — Create `hello.txt` with a greeting",
        "symphony: docs/autorun/1-greeting.md — Add a farewell to `hello.txt`",
        "symphony: docs/autorun/1-greeting.md — List the greetings in `GREETINGS.md`",
        "symphony: docs/autorun/2-docs.md — Describe the greeting in `docs/usage.md`",
        "symphony: docs/autorun/2-docs.md — Add a changelog entry in `CHANGELOG.md`",
    ]
    assert sb.file(OWNER, REPO, "hello.txt", ref=pull.pull.head_ref).count("\n") == 2
    head = sb.repositories.commit_info(sb.repo(OWNER, REPO), pull.pull.head_sha)
    assert f"Refs #{number}" in head["message"] and f"Co-authored-by: {OWNER} <" in head["message"]
    assert head["author_name"] == scenario.BOT_LOGIN and head["author_email"].endswith("@users.noreply.github.com")
    assert "- [ ]" not in sb.file(OWNER, REPO, "docs/autorun/2-docs.md", ref=pull.pull.head_ref)
    [comment] = status_comments(sb, number)
    assert comment.user == scenario.BOT_LOGIN
    assert "completed — ready for review" in comment.body and "5 of 5 tasks done" in comment.body
    kinds = [event["type"] for event in seen]
    assert kinds.count("claimed") == 1 and kinds.count("pushed") == 5 and kinds[-1] == "finalized"
    assert sb.requests.calls("reactions/create-for-issue-comment") == 1  # 👀 on the trigger


def test_a_rerun_of_a_finished_issue_adds_nothing(world) -> None:
    sb, number, _ = world
    run_issue(sb, number)
    [pull] = sb.pulls(OWNER, REPO)
    state = run_issue(sb, number)
    assert state.phase is Phase.COMPLETED and state.resumed
    [again] = sb.pulls(OWNER, REPO)
    assert again.pull.head_sha == pull.pull.head_sha  # no new commit
    assert len(status_comments(sb, number)) == 1


def test_dry_run_writes_nothing(world) -> None:
    sb, number, _ = world
    before = len(
        [r for r in sb.requests if r.method != "GET" and "graphql" not in r.path and not r.path.startswith("/git/")]
    )
    events = []
    state = run_issue(sb, number, dry_run=True, events=events)
    assert [e["task"] for e in events if e["type"] == "task_preview"][:1] == ["Create `hello.txt` with a greeting"]
    assert (
        len(
            [r for r in sb.requests if r.method != "GET" and "graphql" not in r.path and not r.path.startswith("/git/")]
        )
        == before
    )
    assert state.tasks_total == 5
    assert sb.pulls(OWNER, REPO) == [] and status_comments(sb, number) == []


ATTACHMENT = b"# Extra\n\n- [ ] Write `extra.txt` from the attachment\n- [ ] Write `more.txt` from the attachment\n"
ATTACHMENT_LINK = "[extra.md](https://github.com/user-attachments/files/123/extra.md)"


@pytest.fixture
def attachments_served(monkeypatch):
    """Attachment links on GitHub's host are downloaded from a local server instead: the real downloader, with
    only the host and scheme allowed for the test's server."""
    import http.server
    import threading

    from symphony_bot.github import attachments

    class Serve(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(ATTACHMENT)))
            self.end_headers()
            self.wfile.write(ATTACHMENT)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Serve)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    real = attachments.download
    local = f"http://127.0.0.1:{httpd.server_address[1]}"

    def routed(url, name, cache_dir, **options):
        assert url.startswith("https://github.com/user-attachments/files/")
        routed_url = url.replace("https://github.com", local)
        return real(routed_url, name, cache_dir, **options, https_only=False, allowed_hosts={"127.0.0.1"})

    monkeypatch.setattr(attachments, "download", routed)
    yield
    httpd.shutdown()
    httpd.server_close()


def _attachment_world(sb, body: str) -> int:
    sb.add_user(scenario.OWNER, token=scenario.MAINTAINER_TOKEN)
    sb.add_user(scenario.BOT_LOGIN, token=scenario.BOT_TOKEN)
    sb.create_repo(OWNER, REPO, files={"docs/a.md": "- [ ] Create `a.txt`\n"})
    sb.add_label(OWNER, REPO, "runmaestro.ai")
    sb.set_permission(OWNER, REPO, scenario.BOT_LOGIN, "write")
    return sb.create_issue(OWNER, REPO, "With an attachment", body, labels=["runmaestro.ai"]).number


def test_an_attachment_document_runs_from_the_cache_and_is_never_committed(attachments_served) -> None:
    with Sandbox() as sb:
        number = _attachment_world(sb, f"docs/a.md\n{ATTACHMENT_LINK}\n")
        state = run_issue(sb, number)
        assert state.phase is Phase.COMPLETED, state.last_error
        assert state.tasks_done == 3 and next(d.name for d in state.documents) == "docs/a.md"
        [pull] = sb.pulls(OWNER, REPO)
        assert sb.file(OWNER, REPO, "extra.txt", ref=pull.pull.head_ref) is not None
        assert len(symphony_commits(sb, pull.pull.head_sha)) == 3
        assert sb.file(OWNER, REPO, ".symphony-attachments/02-extra.md", ref=pull.pull.head_ref) is None


def test_a_resumed_run_does_not_redo_attachment_tasks(attachments_served) -> None:
    from symphony_bot.autorun.engine import Budget

    with Sandbox() as sb:
        number = _attachment_world(sb, f"{ATTACHMENT_LINK}\n")
        assert run_issue(sb, number, budget=Budget(max_tasks=1)).phase is Phase.BUDGET_REACHED
        state = run_issue(sb, number)
        assert state.phase is Phase.COMPLETED and state.resumed, state.last_error
        [pull] = sb.pulls(OWNER, REPO)
        assert sb.file(OWNER, REPO, "extra.txt", ref=pull.pull.head_ref).count("\n") == 1  # done once, not twice
        assert sb.file(OWNER, REPO, "more.txt", ref=pull.pull.head_ref) is not None
        assert len(symphony_commits(sb, pull.pull.head_sha)) == 2


def test_an_agent_cannot_commit_into_the_bots_git_directory(world, tmp_path) -> None:
    """An agent that looks for the git directory to commit its own work finds it closed: each task runs under a
    uid of its own and the git directory is the bot's, 0700 (docs/containment.md). Its work is committed and
    pushed by the harness all the same, under the harness's own message."""
    from tests.e2e.contribution_helpers import script_agent

    sb, number, _ = world
    body = """
import subprocess
repo = pathlib.Path(os.environ["SYMPHONY_REPO"])
doc = pathlib.Path(os.environ["SYMPHONY_DOC"])
lines = doc.read_text().split("\\n")
n = int(os.environ["SYMPHONY_TASK_LINE"]) - 1
lines[n] = lines[n].replace("[ ]", "[x]", 1)
doc.write_text("\\n".join(lines))
(repo / f"agent-{n}.txt").write_text("by the agent")
try:
    found = [p for p in (repo.parent / "private").iterdir() if p.name.startswith("git-")]
except OSError:
    found = []  # the bot's private folder is closed to this uid
for git_dir in found:
    env = {"GIT_DIR": str(git_dir), "GIT_WORK_TREE": str(repo), "PATH": os.environ["PATH"], "HOME": str(repo.parent)}
    subprocess.run(["git", "add", "-A"], cwd=repo, env=env, check=False)
    subprocess.run(["git", "-c", "user.name=agent", "-c", "user.email=agent@example.com", "commit", "-qm",
                    f"agent: task {n}"], cwd=repo, env=env, check=False)
"""
    state = run_issue(sb, number, agent=script_agent(tmp_path, body))
    assert state.phase is Phase.COMPLETED, state.last_error
    [pull] = sb.pulls(OWNER, REPO)
    assert sb.file(OWNER, REPO, "agent-4.txt", ref=pull.pull.head_ref) == "by the agent"
    head = sb.repositories.commit_info(sb.repo(OWNER, REPO), pull.pull.head_sha)
    assert head["message"].startswith("symphony:") and head["author_name"] != "agent"
