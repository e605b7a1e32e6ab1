"""Issues, comments, labels and reactions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from symphony_bot.sandbox.state.body_edits import record_body_edit
from symphony_bot.sandbox.state.model import (
    DEFAULT_LABEL_COLOR,
    ISSUE_STATES,
    LOCK_REASONS,
    MESSAGE_LOCKED,
    REACTION_CONTENTS,
    Issue,
    IssueComment,
    IssueEvent,
    Label,
    Reaction,
    Repository,
    SandboxError,
    check_lengths,
    iso_now,
    not_found,
    rank,
    updated_since,
    validation_failed,
)
from symphony_bot.sandbox.state.repositories import RepositoryStore


class IssueStore(RepositoryStore):
    """Issues (and the issue half of pull requests), labels, comments and reactions, with their timeline events."""

    def _body_changed(self, repo: Repository, issue: Issue, actor: str | None) -> None:
        """Hook: a pull request's body changed (the pull-request store recomputes its closing links)."""

    def issue(self, repo: Repository, number: int) -> Issue:
        found = repo.issues.get(number)
        if found is None:
            raise not_found()
        return found

    def comment(self, repo: Repository, comment_id: int) -> IssueComment:
        found = self.comments.get(comment_id)
        if found is None or found.repo_id != repo.id:
            raise not_found()
        return found

    def create_label(
        self,
        repo: Repository,
        name: str,
        actor: str | None = None,
        color: str = DEFAULT_LABEL_COLOR,
        description: str | None = None,
    ) -> Label:
        with self.lock:
            self.require(repo, actor, "write")
            self.require_writable(repo)
            color = color.lstrip("#").lower()
            if len(color) != 6 or any(ch not in "0123456789abcdef" for ch in color):
                raise validation_failed("Label", "", "invalid", "color")
            if not name.strip():
                raise validation_failed("Label", "", "missing_field", "name")
            if repo.label(name) is not None:
                raise validation_failed("Label", "", "already_exists", "name")
            label_id, node_id = self._new_id("Label")
            label = Label(id=label_id, node_id=node_id, name=name, color=color, description=description)
            repo.labels[name.lower()] = label
            self._register(node_id, label)
            self.touch()
            return label

    def _ensure_label(self, repo: Repository, name: str) -> Label:
        # Adding an unknown label to an issue creates it, as GitHub does.
        return repo.label(name) or self.create_label(repo, name)

    def create_issue(
        self,
        repo: Repository,
        title: str,
        body: str | None = None,
        *,
        author: str,
        labels: list[str] | None = None,
        assignees: list[str] | None = None,
        state: str = "open",
        state_reason: str | None = None,
        actor: str | None = None,
    ) -> Issue:
        """`actor` is who is asking (permission checks); `author` is who the issue belongs to."""
        with self.lock:
            self.require(repo, actor, "read")
            self.require_writable(repo)
            if not title or not title.strip():
                raise validation_failed("Issue", "", "missing_field", "title")
            check_lengths("Issue", actor, title=title, body=body)
            user = self.require_user(author)
            issue = self._new_issue(repo, title, body, user.login)
            # "Only users with push access can set labels [assignees] for new issues. Labels [Assignees] are
            # silently dropped otherwise." (@octokit/openapi, issues/create requestBody)
            if self.pushes(repo, actor):
                for name in labels or []:
                    self._add_label(issue, repo, name, actor or user.login)
                issue.assignees = [self.require_user(login).login for login in assignees or []]
            if state == "closed":
                self._close(issue, actor or user.login, state_reason or "completed")
            self.touch()
            return issue

    def _new_issue(self, repo: Repository, title: str, body: str | None, author: str) -> Issue:
        issue_id, node_id = self._new_id("Issue")
        now = iso_now()
        issue = Issue(
            id=issue_id,
            node_id=node_id,
            repo_id=repo.id,
            number=repo.next_number,
            title=title,
            body=body,
            user=author,
            created_at=now,
            updated_at=now,
        )
        repo.next_number += 1
        repo.issues[issue.number] = issue
        self._register(node_id, issue)
        return issue

    def _event(self, issue: Issue, event: str, actor: str | None, **details: Any) -> IssueEvent:
        event_id, node_id = self._new_id("IssueEvent")
        record = IssueEvent(id=event_id, node_id=node_id, event=event, actor=actor, created_at=iso_now(), **details)
        issue.events.append(record)
        self._register(node_id, record)
        return record

    def _add_label(self, issue: Issue, repo: Repository, name: str, actor: str | None) -> None:
        label = self._ensure_label(repo, name)
        if label.name.lower() in (existing.lower() for existing in issue.labels):
            return
        issue.labels.append(label.name)
        self._event(issue, "labeled", actor, label_name=label.name, label_color=label.color)

    def _remove_label(self, issue: Issue, repo: Repository, name: str, actor: str | None) -> bool:
        for existing in issue.labels:
            if existing.lower() == name.lower():
                issue.labels.remove(existing)
                label = repo.label(existing)
                self._event(issue, "unlabeled", actor, label_name=existing, label_color=label.color if label else None)
                return True
        return False

    def _close(self, issue: Issue, actor: str | None, reason: str | None) -> None:
        if issue.state == "closed":
            return
        now = iso_now()
        issue.state = "closed"
        issue.state_reason = None if issue.pull is not None else (reason or "completed")
        issue.closed_at = now
        issue.closed_by = actor
        issue.updated_at = now
        self._event(issue, "closed", actor, state_reason=issue.state_reason)

    def _reopen(self, issue: Issue, actor: str | None) -> None:
        if issue.state == "open":
            return
        if issue.pull is not None and issue.pull.merged:
            raise validation_failed("PullRequest", "Cannot reopen a merged pull request", "custom", "state")
        issue.state = "open"
        issue.state_reason = None if issue.pull is not None else "reopened"
        issue.closed_at = None
        issue.closed_by = None
        issue.updated_at = iso_now()
        self._event(issue, "reopened", actor)

    def update_issue(
        self,
        repo: Repository,
        issue: Issue,
        actor: str | None,
        *,
        title: str | None = None,
        body: str | None = None,
        state: str | None = None,
        state_reason: str | None = None,
        labels: list[str] | None = None,
        assignees: list[str] | None = None,
        set_body: bool = False,
    ) -> Issue:
        """Edit an issue (or the issue half of a PR). `set_body=True` allows clearing the body to None."""
        with self.lock:
            self.require_writable(repo)
            is_author = actor is not None and actor.lower() == issue.user.lower()
            if not is_author:
                self.require(repo, actor, "triage")
            check_lengths("Issue", actor, title=title, body=body)  # PRs too (renovatebot/renovate#2032)
            if title is not None:
                if not title.strip():
                    raise validation_failed("Issue", "", "missing_field", "title")
                if title != issue.title:
                    self._event(issue, "renamed", actor, rename_from=issue.title, rename_to=title)
                issue.title = title
            if body is not None or set_body:
                record_body_edit(self, issue, actor, body)
                issue.body = body
                if issue.pull is not None:
                    self._body_changed(repo, issue, actor)
            if state is not None:
                if state not in ISSUE_STATES:
                    raise validation_failed("Issue", "", "invalid", "state")
                if state == "closed":
                    self._close(issue, actor, state_reason)
                else:
                    self._reopen(issue, actor)
            elif state_reason is not None and issue.state == "closed" and issue.pull is None:
                issue.state_reason = state_reason
            pushes = self.pushes(repo, actor)  # without push access, label and assignee changes are silently
            # dropped (@octokit/openapi, issues/update requestBody)
            if labels is not None and pushes:
                for name in list(issue.labels):
                    if name.lower() not in (wanted.lower() for wanted in labels):
                        self._remove_label(issue, repo, name, actor)
                for name in labels:
                    self._add_label(issue, repo, name, actor)
            if assignees is not None and pushes:
                issue.assignees = [self.require_user(login).login for login in assignees]
            issue.updated_at = iso_now()
            self.touch()
            return issue

    def add_labels(self, repo: Repository, issue: Issue, names: list[str], actor: str | None) -> list[Label]:
        with self.lock:
            self.require(repo, actor, "triage")
            self.require_writable(repo)
            for name in names:
                self._add_label(issue, repo, name, actor)
            issue.updated_at = iso_now()
            self.touch()
            return self.issue_labels(repo, issue)

    def remove_label(self, repo: Repository, issue: Issue, name: str, actor: str | None) -> list[Label]:
        with self.lock:
            self.require(repo, actor, "triage")
            self.require_writable(repo)
            if not self._remove_label(issue, repo, name, actor):
                raise SandboxError(404, "Label does not exist")
            issue.updated_at = iso_now()
            self.touch()
            return self.issue_labels(repo, issue)

    def issue_labels(self, repo: Repository, issue: Issue) -> list[Label]:
        return [label for name in issue.labels if (label := repo.label(name)) is not None]

    def list_issues(
        self,
        repo: Repository,
        *,
        state: str = "open",
        labels: list[str] | None = None,
        since: str | None = None,
        include_pulls: bool = True,
        creator: str | None = None,
        sort: str = "created",
        direction: str = "desc",
    ) -> list[Issue]:
        """GitHub's issue list semantics: PRs included, `labels` all required (case-insensitive)."""
        with self.lock:
            wanted = {name.lower() for name in labels or []}
            found = []
            for issue in repo.issues.values():
                if state not in ("all", issue.state):
                    continue
                if not include_pulls and issue.pull is not None:
                    continue
                if wanted and not wanted <= {name.lower() for name in issue.labels}:
                    continue
                if not updated_since(issue.updated_at, since):
                    continue
                if creator and issue.user.lower() != creator.lower():
                    continue
                found.append(issue)
            key = "updated_at" if sort == "updated" else "created_at"
            found.sort(key=lambda item: (getattr(item, key), item.number), reverse=direction != "asc")
            return found

    def all_issues(self, login: str | None) -> Iterator[tuple[Repository, Issue]]:
        """Every issue and PR the user can see (search scope)."""
        for repo in list(self.repos.values()):
            if self.can_see(repo, login):
                for issue in list(repo.issues.values()):
                    yield repo, issue

    def pushes(self, repo: Repository, actor: str | None) -> bool:
        """Whether `actor` has push access (write or more; the operator always)."""
        return actor is None or rank(self.permission(repo, actor)) >= rank("write")

    def may_comment_when_locked(self, repo: Repository, login: str) -> bool:
        """Only collaborators with write access comment on a locked conversation. An App's bot or the Actions
        `GITHUB_TOKEN` is no collaborator, whatever its `issues: write` (probot/stale#25, renovatebot/renovate#6215,
        hashicorp/terraform-github-actions#100)."""
        return not self.acts_for_installation(login) and rank(self.permission(repo, login)) >= rank("write")

    def create_comment(
        self, repo: Repository, issue: Issue, body: str, author: str, actor: str | None = None
    ) -> IssueComment:
        with self.lock:
            self.require(repo, actor, "read")
            self.require_writable(repo)
            if issue.locked and actor is not None and not self.may_comment_when_locked(repo, actor):
                raise SandboxError(403, MESSAGE_LOCKED)
            if not body or not body.strip():
                raise validation_failed("IssueComment", "", "missing_field", "body")
            check_lengths("IssueComment", actor, body=body)
            user = self.require_user(author)
            comment_id, node_id = self._new_id("IssueComment")
            now = iso_now()
            comment = IssueComment(
                id=comment_id,
                node_id=node_id,
                repo_id=repo.id,
                issue_number=issue.number,
                body=body,
                user=user.login,
                created_at=now,
                updated_at=now,
            )
            self.comments[comment_id] = comment
            issue.comment_ids.append(comment_id)
            issue.updated_at = now
            self._register(node_id, comment)
            self.touch()
            return comment

    def issue_of_comment(self, comment: IssueComment) -> Issue | None:
        repo = self.repos.get(comment.repo_id)
        return repo.issues.get(comment.issue_number) if repo is not None else None

    def issue_comments(self, repo: Repository, issue: Issue, since: str | None = None) -> list[IssueComment]:
        with self.lock:
            found = [self.comments[cid] for cid in issue.comment_ids if cid in self.comments]
            return [comment for comment in found if updated_since(comment.updated_at, since)]

    def update_comment(self, repo: Repository, comment: IssueComment, body: str, actor: str | None) -> IssueComment:
        with self.lock:
            self.require_writable(repo)
            if actor is None or actor.lower() != comment.user.lower():
                self.require(repo, actor, "write")
            if not body or not body.strip():
                raise validation_failed("IssueComment", "", "missing_field", "body")
            check_lengths("IssueComment", actor, body=body)
            comment.body = body
            comment.updated_at = iso_now()
            self.touch()
            return comment

    def delete_comment(self, repo: Repository, comment: IssueComment, actor: str | None) -> None:
        with self.lock:
            self.require_writable(repo)
            if actor is None or actor.lower() != comment.user.lower():
                self.require(repo, actor, "write")
            self.comments.pop(comment.id, None)
            self._nodes.pop(comment.node_id, None)
            issue = repo.issues.get(comment.issue_number)
            if issue is not None and comment.id in issue.comment_ids:
                issue.comment_ids.remove(comment.id)
            self.touch()

    def add_reaction(
        self, repo: Repository, subject: Issue | IssueComment, content: str, actor: str
    ) -> tuple[Reaction, bool]:
        """(reaction, created). An existing reaction of the same content by the same user is returned as is."""
        with self.lock:
            self.require(repo, actor, "read")
            self.require_writable(repo)
            if content not in REACTION_CONTENTS:
                raise validation_failed("Reaction", "", "invalid", "content")
            user = self.require_user(actor)
            for reaction in subject.reactions:
                if reaction.content == content and reaction.user.lower() == user.login.lower():
                    return reaction, False
            reaction_id, node_id = self._new_id("Reaction")
            reaction = Reaction(id=reaction_id, node_id=node_id, content=content, user=user.login, created_at=iso_now())
            subject.reactions.append(reaction)
            self._register(node_id, reaction)
            self.touch()
            return reaction, True

    def set_locked(self, repo: Repository, issue: Issue, locked: bool, actor: str | None, reason: str | None) -> None:
        """Lock (with an optional reason: off-topic, too heated, resolved, spam) or unlock; needs write access."""
        with self.lock:
            self.require(repo, actor, "write")
            self.require_writable(repo)
            if reason is not None and reason not in LOCK_REASONS:
                raise validation_failed("Issue", "", "invalid", "lock_reason")
            if issue.locked != locked:
                issue.locked, issue.lock_reason = locked, reason if locked else None
                self._event(issue, "locked" if locked else "unlocked", actor)
                issue.updated_at = iso_now()
                self.touch()

    def minimize_comment(self, repo: Repository, comment: IssueComment, reason: str, actor: str | None) -> None:
        """Hide a comment (GraphQL `minimizeComment`): anyone with write access may, as on GitHub."""
        with self.lock:
            self.require(repo, actor, "write")
            self.require_writable(repo)
            comment.minimized_reason = reason
            self.touch()

    def delete_reaction(self, repo: Repository, subject: Issue | IssueComment, reaction_id: int, actor: str) -> None:
        """Delete one reaction by id: your own, or anyone's with write access (GitHub answers 204 either way
        for an existing reaction, 404 for one that is not on this subject)."""
        with self.lock:
            self.require_writable(repo)
            for reaction in subject.reactions:
                if reaction.id == reaction_id:
                    if reaction.user.lower() != actor.lower():
                        self.require(repo, actor, "write")
                    subject.reactions.remove(reaction)
                    self._nodes.pop(reaction.node_id, None)
                    self.touch()
                    return
            raise not_found()

    def remove_reaction(self, repo: Repository, subject: Issue | IssueComment, content: str, actor: str) -> bool:
        with self.lock:
            self.require_writable(repo)
            for reaction in subject.reactions:
                if reaction.content == content and reaction.user.lower() == actor.lower():
                    subject.reactions.remove(reaction)
                    self._nodes.pop(reaction.node_id, None)
                    self.touch()
                    return True
            return False
