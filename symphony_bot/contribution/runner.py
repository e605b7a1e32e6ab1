"""One contribution run: preflight -> status comment -> clone -> engine (commit + push per task; the first
push opens the draft PR, which is the claim) -> finalise. The finalise step always runs.

Nothing a resume needs is kept on a local disk: the branch, the PR and the comment carry it. A re-run finds
this bot's open PR for the issue (or its pushed `symphony/N-*` branch with no PR yet), checks the branch out
and the engine starts at the first unchecked task, because the ticked boxes were committed with each task.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from symphony_bot.autorun import events
from symphony_bot.autorun.engine import Engine, RunOptions
from symphony_bot.contribution import claim as claim_rule
from symphony_bot.contribution import comment_refusal, push_access
from symphony_bot.contribution.config import (
    CLAIMED,
    COMMENT_REFUSED,
    COMMENT_UPDATED,
    FINALIZED,
    NOTE_CLOSED_LOST,
    NOTE_NO_DRAFTS,
    NOTE_WORKFLOW_TOKEN,
    NOTE_WORKFLOWS_HELD_BACK,
    PUSHED,
    TOKEN_KIND_ENV,
    TOKEN_KIND_WORKFLOW,
    TRAVERSE_ONLY,
    RunConfig,
    commit_message,
    metadata_of,
)
from symphony_bot.contribution.documents import load_tasks, resolve_documents, restore_attachment_ticks
from symphony_bot.contribution.endings import still_ours
from symphony_bot.contribution.preflight import PreflightError, check_issue
from symphony_bot.contribution.publisher import Publisher, WriteLimiter
from symphony_bot.contribution.review_record import recorded_revisions
from symphony_bot.contribution.state import ContributionState, Phase
from symphony_bot.contribution.status_comment import STATUS_MARKER, pull_title, redact, render_comment, render_pull_body
from symphony_bot.contribution.verification import refused_by_verify
from symphony_bot.github import comments, permissions, pulls
from symphony_bot.github.client import GitHubClient, GitHubError
from symphony_bot.stats.pr_metadata import ContributionMetadata
from symphony_bot.workspace.gitops import GitError, Identity, Remote, WorkTree


class ContributionRunner:
    def __init__(self, client: GitHubClient, config: RunConfig, listeners: Iterable[events.Listener] = ()) -> None:
        self.client = client
        self.config = config
        self.listeners = list(listeners)
        started = events.now_ms()
        self.state = ContributionState(config.repository, config.issue, "", started, agent=config.agent_name)
        self.state.model, self.state.run_url = config.model, config.run_url
        self.secrets = (config.token, *config.extra_secrets)
        self.limiter = WriteLimiter()
        self.publisher = Publisher(self._write_comment, self._write_pull, self.limiter, config.comment_interval_s)
        self.comment_id: int | None = None
        self.comment_refused: str | None = None  # the note saying why GitHub refuses our status comment
        self.pull: pulls.Pull | None = None
        self.tree: WorkTree | None = None
        self.engine: Engine | None = None
        self.login = ""
        self.identity = Identity("symphony-bot", "symphony-bot@users.noreply.github.com")
        self.head_owner = ""
        self.push_repo = config.repository
        self.default_branch = "main"
        self._stop = self.stop_event = threading.Event()
        self._signalled = False
        self._base_sha = ""
        self._pushed = ""

    # -- control -----------------------------------------------------------------------------------------------

    def request_stop(self, signalled: bool = True) -> None:
        """SIGTERM: stop the agent now, push what is committed, finalise as stopped; the claim is kept."""
        self._signalled = signalled
        self._stop.set()
        if self.engine is not None:
            self.engine.request_stop(abort=True)

    def _emit(self, kind: str, **fields: Any) -> None:
        event = events.make_event(kind, **fields)
        for listener in self.listeners:
            listener(event)

    def run(self) -> ContributionState:
        state = self.state
        with tempfile.TemporaryDirectory(prefix="symphony-run-", dir=self.config.work_root) as scratch:
            if self.config.agent_user is not None:
                os.chmod(scratch, TRAVERSE_ONLY)  # the work tree is reachable; the private git folder stays 0700
            try:
                self._prepare()
                if self.config.dry_run:
                    return self._dry_run(Path(scratch))
                self._open_comment()
                self._checkout(Path(scratch))
                self._run_engine(Path(scratch))
            except PreflightError as error:
                state.phase = Phase.CLAIM_LOST if error.holder is not None else Phase.FAILED
                if error.holder is not None:
                    state.claim_holder = claim_rule.describe(error.holder)
                state.last_error = str(error) if error.holder is None else None
                state.activity = str(error)
            except (GitHubError, GitError, OSError) as error:
                state.phase = Phase.FAILED
                state.last_error = str(error)
            except _ClaimLost:
                state.phase = Phase.CLAIM_LOST
            finally:
                if not self.config.dry_run:
                    self._finalise()
        return state

    def _prepare(self) -> None:
        from symphony_bot.github.issue_view import fetch_issue_view

        self.viewer = viewer = permissions.viewer(self.client)
        self.login = viewer.login
        self.identity = Identity.for_login(viewer.login, viewer.id)
        self.state.contributor = self.config.requested_by or viewer.login
        if os.environ.get(TOKEN_KIND_ENV) == TOKEN_KIND_WORKFLOW:
            self.state.notes.append(NOTE_WORKFLOW_TOKEN)
        self.state.notes.extend(self.config.containment_notes)
        owner, name = self.config.repository.split("/", 1)
        view = fetch_issue_view(self.client, (owner, name), self.config.issue)
        self.state.issue_title = view.issue.title
        checked = check_issue(view, viewer.login)
        self.documents = checked.documents
        self.own_claim = checked.own_claim
        self.access = permissions.repository_access(self.client, self.config.repository)
        self.default_branch = self.access.default_branch
        if not self.config.dry_run and self.own_claim is None:  # before any push: may this token open the PR?
            push_access.check_pulls_allowed(self.client, self.access, viewer)

    def _choose_push_target(self, tree: WorkTree) -> None:
        config, probe = self.config, f"{claim_rule.branch_prefix(self.config.issue)}{secrets.token_hex(3)}"
        target = push_access.choose(
            self.client, tree, self.access, self.viewer, mode=config.fork, token=config.token, probe_branch=probe
        )
        self.head_owner, self.push_repo = target.head_owner, target.repo
        tree.push_remote = Remote(target.clone_url, self.config.token)
        if target.note:
            self.state.notes.append(target.note)

    def _open_comment(self) -> None:
        state = self.state
        state.phase = Phase.RUNNING
        state.activity = "cloning the repository"
        body = self._render_comment()
        try:
            comment = self._find_or_create_comment(body)
        except comments.CommentRefused as refused:
            self._comment_was_refused(refused)
            return
        self.comment_id = comment.id
        if comment.body != body:
            self.publisher.changed()
        if self.config.trigger_comment_id is not None:
            with contextlib.suppress(GitHubError):  # the 👀 is a courtesy; never a reason to stop
                comments.react(self.client, self.config.repository, self.config.trigger_comment_id)

    def _find_or_create_comment(self, body: str) -> comments.Comment:
        repo, issue = self.config.repository, self.config.issue
        return comments.find_or_create(self.client, repo, issue, marker=STATUS_MARKER, login=self.login, body=body)

    def _comment_was_refused(self, refused: comments.CommentRefused) -> None:
        """No status comment is possible: the run goes on; the PR body and the log say why (comment_refusal)."""
        self.comment_refused = comment_refusal.note_for(refused.reason)
        self._emit(COMMENT_REFUSED, reason=refused.reason, message=self.comment_refused)

    def _checkout(self, scratch: Path) -> None:
        state = self.state
        upstream = Remote(self.access.clone_url, self.config.token)
        tree = WorkTree.clone(upstream, self.default_branch, scratch / "work", scratch / "private")
        self._choose_push_target(tree)
        tree.caps = replace(tree.caps, max_changed_files=self.config.max_changed_files)
        self.tree = tree
        self._base_sha = tree.head()
        prefix = claim_rule.branch_prefix(self.config.issue)
        self.pull = pulls.find_ours(self.client, self.config.repository, self.login, prefix)
        branch = self.pull.head_ref if self.pull is not None else None
        if branch is None:
            # A pushed claim branch with no PR yet: ours only if our identity made its last commit (in a
            # shared repository other donors' `symphony/N-*` branches are there too).
            mine = [b for b in sorted(tree.remote_branches(prefix)) if tree.head_author_email(b) == self.identity.email]
            branch = mine[0] if mine else None
        if branch is not None:
            tree.checkout_remote_branch(branch)
            state.resumed = True
            state.notes.append(f"Resumed the claim branch {branch}: finished tasks are kept.")
        else:
            branch = f"{prefix}{secrets.token_hex(3)}"
            tree.create_branch(branch)
        state.branch = branch
        base = self.access.html_url.rsplit("/", 2)[0] if self.access.html_url else ""
        state.branch_url = f"{base}/{self.push_repo}/tree/{branch}" if base else None
        if self.pull is not None:
            self._adopt(self.pull)
        self.paths = self._resolve_documents(scratch)
        if self.pull is not None:
            restore_attachment_ticks(tree.path, self.paths, self.pull.body)
            state.revisions = recorded_revisions(self.pull.body)  # kept: the comment and body show them again
        self._load_tasks()
        self._pushed = tree.head()  # the remote branch (resumed) or the base (new): nothing of ours to push yet
        if state.resumed and self.pull is None and self._pushed != self._base_sha:
            # An earlier run pushed and died before opening the PR: the claim is opened now.
            self._open_pull()

    def _resolve_documents(self, scratch: Path) -> list[Path]:
        assert self.tree is not None
        return resolve_documents(self.tree, self.documents, scratch / "attachments")

    def _load_tasks(self) -> None:
        assert self.tree is not None
        self.state.documents, self.state.tasks = load_tasks(self.tree.path, self.paths)

    def _engine_options(self, scratch: Path, dry_run: bool) -> RunOptions:
        assert self.tree is not None
        return RunOptions(
            repo_dir=self.tree.path.resolve(),
            documents=tuple(self.paths),
            scratch_dir=scratch / "agent",
            model=self.config.model,
            task_timeout_s=self.config.task_timeout_s,
            inactivity_timeout_s=self.config.inactivity_timeout_s,
            budget=self.config.budget,
            dry_run=dry_run,
            agent_user=self.config.agent_user,
        )

    def _run_engine(self, scratch: Path) -> None:
        if self._stop.is_set():
            return
        self.engine = engine = Engine(self.config.agent, self._engine_options(scratch, False), [self._on_event])
        self.publisher.start_heartbeat(lambda error: None)
        if self._stop.is_set():
            engine.request_stop(abort=True)
        engine.run()
        self.publisher.stop_heartbeat()
        if self.state.phase is Phase.CLAIM_LOST:
            raise _ClaimLost

    def _dry_run(self, scratch: Path) -> ContributionState:
        upstream = Remote(self.access.clone_url, self.config.token)
        self.tree = WorkTree.clone(upstream, self.default_branch, scratch / "work", scratch / "private")
        self.paths = self._resolve_documents(scratch)
        self._load_tasks()
        Engine(self.config.agent, self._engine_options(scratch, dry_run=True), [self._on_event]).run()
        return self.state

    # -- engine events -----------------------------------------------------------------------------------------

    def _on_event(self, event: events.Event) -> None:
        for listener in self.listeners:
            listener(event)
        with self.publisher.lock:
            phase_changed = self.state.apply(event)
        if self.config.dry_run:
            return  # a dry run writes nothing anywhere
        if event["type"] == events.TASK_COMPLETE:
            self._commit_and_push(event)
        if event["type"] == events.COMPLETE:
            return  # the finalise step publishes the end
        self.publisher.changed(urgent=phase_changed and self.state.phase is not Phase.RUNNING, pull=True)

    def _commit_and_push(self, event: events.Event) -> None:
        tree = self.tree
        assert tree is not None
        task = " ".join(str(event.get("summary") or "").split())
        row = next(
            (r for r in self.state.tasks if r.line == event.get("taskLine") and r.document == event.get("document")),
            None,
        )
        if row is not None:
            task = row.text
        co_author = self.config.requested_by if self.config.requested_by != self.login else None
        if refused_by_verify(self, event, task):  # the maintainers' `verify` check failed (verification.py)
            return
        message = commit_message(str(event.get("document")), task, self.config.issue, co_author)
        result = tree.commit_all(message, self.identity, since=self._pushed or self._base_sha)
        notes = [NOTE_WORKFLOWS_HELD_BACK] * bool(result.held_back) + list(result.warnings)  # each once, however often
        self.state.notes += [note for note in notes if note not in self.state.notes]
        head = result.sha if result.created else tree.head()  # an agent may have committed on its own
        if head == self._pushed:
            return
        assert self.state.branch is not None
        if not self._still_ours():
            return
        tree.push(self.state.branch)
        self._pushed = head
        self._emit(PUSHED, branch=self.state.branch, sha=head)
        if self.pull is None:
            self._open_pull()

    # -- the claim ---------------------------------------------------------------------------------------------

    def _open_pull(self) -> None:
        state = self.state
        assert state.branch is not None
        head = state.branch if self.push_repo == self.config.repository else f"{self.head_owner}:{state.branch}"
        self.limiter.acquire()
        created = push_access.open_claim(
            self.client, self.config.repository, title=pull_title(state, ready=False), body=self._pull_body(),
            head_owner=self.head_owner, branch=state.branch, base=self.default_branch, head=head,
        )  # fmt: skip
        if created.drafts_refused:
            state.notes.append(NOTE_NO_DRAFTS)
        self._adopt(created.pull)
        self._check_claim()
        self._emit(CLAIMED, pullNumber=created.pull.number, url=created.pull.url, adopted=created.adopted)
        self.publisher.changed()

    def _still_ours(self) -> bool:
        """False once the PR is closed or the pushed branch deleted (a cancel): stop, push and edit nothing more."""
        ours = still_ours(self.client, self.state, self.pull, self.push_repo, self._pushed != self._base_sha)
        if not ours and self.engine is not None:
            self.engine.request_stop(abort=False)
        return ours

    def _adopt(self, pull: pulls.Pull) -> None:
        self.pull = pull
        self.state.pull_number = pull.number
        self.state.pull_url = pull.url
        self.state.pull_is_draft = pull.draft

    def _check_claim(self) -> None:
        assert self.pull is not None
        linked = pulls.linked(self.client, self.config.repository, self.config.issue)
        open_claims = [claim_rule.OpenClaim(p.number, p.url, p.author) for p in linked if p.state == "OPEN"]
        holder = claim_rule.holder(self.pull.number, open_claims)
        if holder is None:
            return
        self.state.claim_holder = claim_rule.describe(holder)
        self.state.phase = Phase.CLAIM_LOST
        note = NOTE_CLOSED_LOST.format(holder=self.state.claim_holder)
        self.limiter.acquire()
        pulls.update(
            self.client,
            self.config.repository,
            self.pull.number,
            body=f"{note}\n\n{self.pull.body}"[:60_000],
            state="closed",
        )
        self.limiter.acquire()
        pulls.delete_branch(self.client, self.push_repo, self.state.branch or "")
        self.state.pull_number = None
        self.state.pull_url = None
        self.state.branch = None
        self.state.branch_url = None
        self.pull = None
        if self.engine is not None:
            self.engine.request_stop(abort=False)
        raise _ClaimLost

    # -- writes ------------------------------------------------------------------------------------------------

    def _metadata(self) -> ContributionMetadata:
        return metadata_of(self.state, self.config.repository, self.state.contributor or self.login or "ghost")

    def _render_comment(self) -> str:
        return render_comment(self.state, events.now_ms(), self.secrets)

    def _pull_body(self) -> str:
        body = render_pull_body(self.state, self._metadata(), events.now_ms(), self.secrets)
        return comment_refusal.with_note(body, self.comment_refused) if self.comment_refused else body

    def _write_comment(self) -> None:
        if self.comment_id is None:
            return
        comments.edit(self.client, self.config.repository, self.comment_id, self._render_comment())
        self._emit(COMMENT_UPDATED, commentId=self.comment_id, phase=str(self.state.phase))

    def _write_pull(self) -> bool:
        if self.pull is None or not self._still_ours():
            return False
        pulls.update(self.client, self.config.repository, self.pull.number, body=self._pull_body())
        return True

    # -- finalise (always runs) -----------------------------------------------------------------------------------

    def _finalise(self) -> None:
        state = self.state
        self.publisher.stop_heartbeat()
        state.finish(events.now_ms(), signalled=self._signalled)  # the comment's headline says why it ended
        try:
            self._finish_pull()
        except (GitHubError, GitError) as error:
            state.last_error = f"{state.last_error + '; ' if state.last_error else ''}{error}"
            if state.phase is Phase.COMPLETED:
                # Every task is done but the PR could not be finished (title, body, ready): say so; a re-run
                # resumes, finds nothing left to do and finishes the PR.
                state.phase = Phase.FAILED
                state.activity = "all tasks are done, but the pull request could not be marked ready"
        try:
            if self.comment_id is None and self.login and self.comment_refused is None:
                # The run failed before the comment existed (preflight): say why on the issue.
                self.comment_id = self._find_or_create_comment(self._render_comment()).id
            else:
                self.publisher.final()
        except comments.CommentRefused as refused:
            self._comment_was_refused(refused)  # the reason the run ended stays the one it already has
        except GitHubError as error:
            # Keep the reason the run ended first: the comment is only the messenger (a missing issue 404s both).
            failure = f"the status comment could not be written: {error}"
            state.last_error = f"{state.last_error}; {failure}" if state.last_error else failure
        # camelCase like the engine's own events (Maestro's names); the Action folds these into its outputs
        self._emit(
            FINALIZED,
            phase=str(state.phase),
            pullNumber=state.pull_number,
            pullUrl=state.pull_url,
            branch=state.branch,
            tasksDone=state.tasks_done,
            tasksTotal=state.tasks_total,
            costUsd=round(state.cost_usd, 6),
            tokensIn=state.tokens_in,
            tokensOut=state.tokens_out,
            error=redact(state.last_error, self.secrets) if state.last_error else None,
            haltReason=state.halt_reason,
            claimHolder=state.claim_holder,
        )

    def _finish_pull(self) -> None:
        state = self.state
        if self.pull is None or state.phase is Phase.CLAIM_LOST or not self._still_ours():
            return
        ready = state.phase is Phase.COMPLETED
        self.limiter.acquire()
        title = pull_title(state, ready=ready)
        if ready and self.pull.draft:
            pulls.update_and_mark_ready(self.client, self.pull.node_id, title=title, body=self._pull_body())
            self.pull = replace(self.pull, draft=False)
            state.pull_is_draft = False
        else:
            pulls.update(self.client, self.config.repository, self.pull.number, title=title, body=self._pull_body())


class _ClaimLost(Exception):
    """Another open PR holds the claim; ours is closed and the run stops."""
