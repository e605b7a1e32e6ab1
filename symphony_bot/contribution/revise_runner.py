"""One review round on a pull request this bot opened: read the unresolved threads, write the revision's Auto Run
document into the run's private attachments folder (never committed), run it with the same agent, options and
budget, commit each task on the PR's branch (never forced), answer each addressed thread once naming its commit,
and write a "Revision N" section into the status comment and the PR body.

The PR stays ready for review throughout: a revision adds commits to a PR people are already reviewing, and
flipping it to draft would hide it from their review queues for the length of the run.

Nothing is remembered on a disk: the commit trailers on the branch and the hidden markers in the bot's replies
say what is done (contribution/revision.py), so a revision killed at any point and asked for again neither
repeats a commit nor a reply.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from symphony_bot.autorun import events
from symphony_bot.autorun.document import parse
from symphony_bot.autorun.engine import Engine, RunOptions
from symphony_bot.contribution import endings
from symphony_bot.contribution.config import TRAVERSE_ONLY, RunConfig, commit_message
from symphony_bot.contribution.documents import _Attachments
from symphony_bot.contribution.review_record import RevisionRecord, next_number, recorded_revisions
from symphony_bot.contribution.revision import (
    RevisionPlan,
    RevisionTask,
    addressed_keys,
    build_plan,
    commit_trailer,
    reply_body,
    revision_record,
)
from symphony_bot.contribution.verification import SKIP, STOP, TaskAtHand, verify_changes
from symphony_bot.github import permissions, pulls, review_threads
from symphony_bot.github.client import GitHubClient
from symphony_bot.stats.pr_metadata import MetadataError, parse_block
from symphony_bot.workspace.gitops import Identity, Remote, WorkTree

DOCUMENT_NAME = "revision-{number}.md"
HISTORY_DEPTH = 500  # commits of the PR's branch read back for trailers
MESSAGE_NOT_OURS = "pull request #{number} was not opened by {login}: only the bot's own pull requests are revised"
MESSAGE_CLOSED = "pull request #{number} is {state}: only an open pull request is revised"
MESSAGE_NOTHING = "Nothing to revise on #{number}: every review thread is resolved or already answered."
REVISION_LABEL = "revision {number}"


class RevisionRefused(Exception):
    """The pull request cannot be revised (not ours, closed); the message says why."""


@dataclass(frozen=True)
class ReviseRequest:
    pull: int
    may_run: Callable[[str], bool]  # who-can-run, asked per login
    request: str = ""  # the comment's or review's text beyond the command
    request_id: int | None = None
    request_author: str = ""
    resolve_threads: bool = False


@dataclass
class RevisionOutcome:
    number: int = 0
    plan: RevisionPlan | None = None
    commits: dict[str, str] = field(default_factory=dict)  # task key -> sha
    replied: list[str] = field(default_factory=list)  # thread ids answered in this run
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    message: str = ""
    verify: dict[str, str] = field(default_factory=dict)  # task key -> the verify result (review_record)

    @property
    def nothing_to_do(self) -> bool:
        return self.plan is not None and self.plan.nothing_to_do


class RevisionRunner:
    def __init__(
        self, client: GitHubClient, config: RunConfig, request: ReviseRequest, listeners: Iterable[events.Listener] = ()
    ) -> None:
        self.client, self.config, self.request = client, config, request
        self.listeners = list(listeners)
        self.outcome = RevisionOutcome()
        self.tree: WorkTree | None = None
        self.login = ""
        self.identity = Identity("symphony-bot", "symphony-bot@users.noreply.github.com")
        self.tasks_by_line: dict[int, RevisionTask] = {}
        self.found: endings.Found | None = None
        self.earlier: dict[int, RevisionRecord] = {}  # revisions recorded before this run, by number
        self.pull: pulls.Pull | None = None
        self.document: Path | None = None
        self.scratch = Path()
        self.engine: Engine | None = None
        self.stop = threading.Event()

    def run(self) -> RevisionOutcome:
        viewer = permissions.viewer(self.client)
        self.login, self.identity = viewer.login, Identity.for_login(viewer.login, viewer.id)
        repo, number = self.config.repository, self.request.pull
        pull = self.pull = pulls.get(self.client, repo, number)
        if pull.author.casefold() != self.login.casefold():
            raise RevisionRefused(MESSAGE_NOT_OURS.format(number=number, login=self.login))
        if pull.state != "open":
            raise RevisionRefused(MESSAGE_CLOSED.format(number=number, state=pull.state))
        try:
            metadata = parse_block(pull.body)
        except MetadataError:
            metadata = None  # edited by hand: the issue is the caller's
        self.issue = issue = metadata.issue if metadata is not None else self.config.issue
        # The contribution as recorded (the PR's block first): the one renderer writes the comment and the body,
        # so the run's table and every earlier revision are shown again with this one.
        found = self.found = endings.find(self.client, repo, issue, self.login)
        if found.pull is None or found.pull.number != pull.number:
            found.pull, found.state.revisions = pull, recorded_revisions(pull.body)
            found.state.pull_number, found.state.pull_url, found.state.branch = pull.number, pull.url, pull.head_ref
        self.earlier = {record.number: record for record in found.state.revisions}
        self.outcome.number = next_number(found.state.revisions)
        threads = review_threads.list_threads(self.client, repo, number)
        with tempfile.TemporaryDirectory(prefix="symphony-revise-", dir=self.config.work_root) as scratch:
            if self.config.agent_user is not None:
                Path(scratch).chmod(TRAVERSE_ONLY)
            self._checkout(Path(scratch), pull)
            plan = self._plan(threads)
            if plan.nothing_to_do:
                self.outcome.message = MESSAGE_NOTHING.format(number=number)
                return self.outcome
            for pending in plan.replies:  # pushed by a killed run, never answered
                self._answer(pending.thread_id, pending.key, pending.sha)
            self._publish(finished=False)
            if plan.tasks:
                self._run_engine(Path(scratch), plan)
            self._publish(finished=True)
        return self.outcome

    # -- steps ---------------------------------------------------------------------------------------------------

    def _checkout(self, scratch: Path, pull: pulls.Pull) -> None:
        access = permissions.repository_access(self.client, self.config.repository)
        upstream = Remote(access.clone_url, self.config.token)
        tree = WorkTree.clone(upstream, access.default_branch, scratch / "work", scratch / "private")
        if pull.head_repo and pull.head_repo != self.config.repository:
            tree.push_remote = Remote(
                access.clone_url.replace(self.config.repository, pull.head_repo), self.config.token
            )
        tree.fetch(pull.head_ref, depth=HISTORY_DEPTH, remote=tree.push_remote)
        tree.run("checkout", "--quiet", "--force", "-B", pull.head_ref, f"refs/remotes/origin/{pull.head_ref}")
        self.tree = tree

    def _plan(self, threads: list[review_threads.ReviewThread]) -> RevisionPlan:
        assert self.tree is not None
        log = self.tree.run("log", "--format=%H%x00%B%x1e", f"--max-count={HISTORY_DEPTH}", "HEAD")
        committed = addressed_keys(entry.strip("\n") for entry in log.split("\x1e") if entry.strip())
        request = self.request
        plan = build_plan(
            number=self.outcome.number,
            pull=request.pull,
            threads=threads,
            may_run=request.may_run,
            bot_login=self.login,
            request=request.request,
            request_id=request.request_id,
            request_author=request.request_author,
            committed=committed,
        )
        self.outcome.plan = plan
        self.outcome.commits.update({pending.key: pending.sha for pending in plan.replies})
        return plan

    def _run_engine(self, scratch: Path, plan: RevisionPlan) -> None:
        assert self.tree is not None
        attachments = _Attachments(self.tree)
        try:
            document = attachments.add(DOCUMENT_NAME.format(number=plan.number), plan.document().encode())
        finally:
            attachments.close()
        lines = [task.line for task in parse(plan.document()).tasks]
        self.tasks_by_line = dict(zip(lines, plan.tasks, strict=True))
        self.pushed = self.tree.head()
        options = RunOptions(
            repo_dir=self.tree.path.resolve(),
            documents=(document,),
            scratch_dir=scratch / "agent",
            model=self.config.model,
            task_timeout_s=self.config.task_timeout_s,
            inactivity_timeout_s=self.config.inactivity_timeout_s,
            budget=self.config.budget,
            agent_user=self.config.agent_user,
        )
        self.document, self.scratch = document, scratch
        self.engine = Engine(self.config.agent, options, [self._on_event])
        self.engine.run()

    def _on_event(self, event: events.Event) -> None:
        for listener in self.listeners:
            listener(event)
        if event["type"] != events.TASK_COMPLETE:
            return
        usage: dict[str, Any] = event.get("usageStats") or {}
        self.outcome.tokens_in += int(usage.get("inputTokens") or 0)
        self.outcome.tokens_out += int(usage.get("outputTokens") or 0)
        self.outcome.cost_usd += float(usage.get("totalCostUsd") or 0.0)
        task = self.tasks_by_line.get(int(event.get("taskLine") or 0))
        if task is None or not event.get("tasksCompleted"):
            self._publish(finished=False)
            return
        self._commit(task, int(event.get("taskLine") or 0))
        self._publish(finished=False)

    def _commit(self, task: RevisionTask, line: int) -> None:
        tree, pull = self.tree, self.pull
        assert tree is not None and pull is not None
        label = REVISION_LABEL.format(number=self.outcome.number)
        co_author = self.request.request_author or None
        if co_author is not None and co_author.casefold() == self.login.casefold():
            co_author = None
        if self.config.verify is not None and self.document is not None:
            at_hand = TaskAtHand(
                self.config.agent, self.document, task.text, line, self.config.model,
                self.config.task_timeout_s, self.config.inactivity_timeout_s,
            )  # fmt: skip
            checked = verify_changes(
                self.config.verify, tree, at_hand, scratch_dir=self.scratch / "verify",
                run_as=self.config.agent_user, stop=self.stop,
            )  # fmt: skip
            if checked is not None:
                self.outcome.verify[task.key] = checked.result
                if checked.decision == STOP and self.engine is not None:
                    self.engine.request_stop(abort=False)
                if checked.decision in (SKIP, STOP):
                    return
        message = commit_message(label, task.text, self.issue, co_author) + f"\n{commit_trailer(task.key)}\n"
        result = tree.commit_all(message, self.identity, since=self.pushed)
        if not result.created:
            return
        tree.push(pull.head_ref)  # never forced: a branch moved by someone else is an error, not an overwrite
        self.pushed = result.sha
        self.outcome.commits[task.key] = result.sha
        if task.thread_id is not None:
            self._answer(task.thread_id, task.key, result.sha)

    def _answer(self, thread_id: str, key: str, sha: str) -> None:
        review_threads.reply(self.client, thread_id, reply_body(sha, self.outcome.number, key))
        self.outcome.replied.append(thread_id)
        if self.request.resolve_threads:
            review_threads.resolve(self.client, thread_id)

    def _publish(self, *, finished: bool) -> None:
        """This revision's record into the contribution's state, then the status comment and the PR body rendered
        again from it (`endings.publish`: the one renderer), earlier revisions and the run's own table kept."""
        plan, outcome, found = self.outcome.plan, self.outcome, self.found
        assert plan is not None and found is not None
        record = revision_record(
            plan,
            finished=finished,
            commits=outcome.commits,
            verify=outcome.verify,
            usage=(outcome.tokens_in, outcome.tokens_out, outcome.cost_usd),
            earlier=self.earlier.get(plan.number),
        )
        others = [earlier for earlier in found.state.revisions if earlier.number != plan.number]
        found.state.revisions = [*others, record]
        endings.publish(self.client, found)
