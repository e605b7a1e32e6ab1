"""Pull requests and linking."""

from __future__ import annotations

from symphony_bot.sandbox.linking import IssueReference, closing_references, mentions
from symphony_bot.sandbox.state.issues import IssueStore
from symphony_bot.sandbox.state.model import (
    FREE_PLAN,
    MESSAGE_DRAFTS_UNSUPPORTED,
    GitBackend,
    Issue,
    PullRequest,
    Repository,
    SandboxError,
    check_lengths,
    iso_now,
    not_found,
    validation_failed,
)


class PullStore(IssueStore):
    """Pull requests: opening (GitHub's 422s), editing, draft state, merging, and closing-keyword links.

    Closing links are indexed both ways: a PR's `closing_refs` (what it closes) and `_closers` (for each issue, the
    PRs that close it), so `closedByPullRequestsReferences` costs the same per issue however many repositories
    and pull requests the sandbox holds."""

    def __init__(self, git: GitBackend | None = None) -> None:
        super().__init__(git)
        self._closers: dict[tuple[int, int], dict[int, Issue]] = {}  # (repo id, issue number) -> PR id -> PR

    def _set_closing_refs(self, issue: Issue, links: list[tuple[int, int]]) -> None:
        pull = self._pull_of(issue)
        for key in pull.closing_refs:
            closers = self._closers.get(key)
            if closers is not None:
                closers.pop(issue.id, None)
                if not closers:
                    del self._closers[key]
        pull.closing_refs = links
        for key in links:
            self._closers.setdefault(key, {})[issue.id] = issue

    def reindex_links(self) -> None:
        """Rebuild the closing-link index from every PR's `closing_refs` (after loading a saved state)."""
        with self.lock:
            self._closers = {}
            for repo in self.repos.values():
                for issue in repo.issues.values():
                    if issue.pull is not None:
                        for key in issue.pull.closing_refs:
                            self._closers.setdefault(key, {})[issue.id] = issue

    def pull(self, repo: Repository, number: int) -> Issue:
        found = repo.issues.get(number)
        if found is None or found.pull is None:
            raise not_found()
        return found

    def resolve_head(self, repo: Repository, head: str) -> tuple[Repository, str]:
        """`branch` or `owner:branch` (a fork of the same network, or the repository itself)."""
        if ":" not in head:
            return repo, head
        owner, branch = head.split(":", 1)
        if owner.lower() == repo.owner.lower():
            return repo, branch
        root = self.root_repo(repo)
        for candidate in self.repos.values():
            if candidate.owner.lower() == owner.lower() and self.root_repo(candidate).id == root.id:
                return candidate, branch
        raise validation_failed("PullRequest", "", "invalid", "head")

    def open_pull(
        self,
        repo: Repository,
        *,
        title: str,
        head: str,
        base: str | None = None,
        body: str | None = None,
        draft: bool = False,
        author: str,
        actor: str | None = None,
        maintainer_can_modify: bool = False,
    ) -> Issue:
        with self.lock:
            self.require(repo, actor, "read")
            self.require_writable(repo)
            if draft and actor is not None:
                self.require_drafts_supported(repo)
            base_ref = base or repo.default_branch
            head_repo, head_ref = self.resolve_head(repo, head)
            if actor is not None and not self.can_see(head_repo, actor):
                raise validation_failed("PullRequest", "", "invalid", "head")
            if not title or not title.strip():
                raise validation_failed("PullRequest", "", "missing_field", "title")
            check_lengths(
                "Issue", actor, title=title, body=body
            )  # GitHub names the issue half (renovatebot/renovate#2032)
            if base_ref not in repo.branches:
                raise validation_failed("PullRequest", "", "invalid", "base")
            if head_ref not in head_repo.branches:
                raise validation_failed("PullRequest", "", "invalid", "head")
            head_label = f"{head_repo.owner}:{head_ref}"
            for other in repo.issues.values():
                pull = other.pull
                if (
                    pull is not None
                    and other.state == "open"
                    and pull.head_repo_id == head_repo.id
                    and pull.head_ref == head_ref
                    and pull.base_ref == base_ref
                ):
                    raise validation_failed("PullRequest", f"A pull request already exists for {head_label}.")
            head_sha = head_repo.branches[head_ref]
            base_sha = repo.branches[base_ref]
            ahead = self.git.commits_ahead(repo, base_sha, head_repo, head_sha) if self.git is not None else 1
            if ahead == 0:
                raise validation_failed("PullRequest", f"No commits between {base_ref} and {head_ref}")
            user = self.require_user(author)
            issue = self._new_issue(repo, title, body, user.login)
            pull_id, pull_node_id = self._new_id("PullRequest")
            issue.node_id = pull_node_id  # a PR's global id is its PullRequest id, not an Issue id
            issue.pull = PullRequest(
                id=pull_id,
                node_id=pull_node_id,
                head_repo_id=head_repo.id,
                head_ref=head_ref,
                head_sha=head_sha,
                base_ref=base_ref,
                base_sha=base_sha,
                draft=draft,
                maintainer_can_modify=maintainer_can_modify,
                commits=ahead,
            )
            self._register(pull_node_id, issue)
            self._relink(repo, issue, user.login)
            self.touch()
            return issue

    def update_pull(
        self,
        repo: Repository,
        issue: Issue,
        actor: str | None,
        *,
        title: str | None = None,
        body: str | None = None,
        state: str | None = None,
        base: str | None = None,
        set_body: bool = False,
    ) -> Issue:
        with self.lock:
            pull = self._pull_of(issue)
            self.require_writable(repo)
            if actor is None or actor.lower() != issue.user.lower():
                self.require(repo, actor, "write")
            if base is not None and base != pull.base_ref:
                if base not in repo.branches:
                    raise validation_failed("PullRequest", "", "invalid", "base")
                pull.base_ref = base
                pull.base_sha = repo.branches[base]
                self._relink(repo, issue, actor)
            if (
                state == "open"
                and issue.state == "closed"
                and pull.head_ref not in self.repos[pull.head_repo_id].branches
            ):
                raise validation_failed("PullRequest", "state cannot be changed. The head branch was deleted.")
            if state == "open" and issue.state == "closed":
                head_repo = self.repos[pull.head_repo_id]
                for other in repo.issues.values():
                    twin = other.pull
                    if (
                        twin is not None
                        and other is not issue
                        and other.state == "open"
                        and twin.head_repo_id == pull.head_repo_id
                        and twin.head_ref == pull.head_ref
                        and twin.base_ref == pull.base_ref
                    ):
                        label = f"{head_repo.owner}:{pull.head_ref}"
                        raise validation_failed("PullRequest", f"A pull request already exists for {label}.")
            self.update_issue(repo, issue, actor, title=title, body=body, state=state, set_body=set_body)
            return issue

    def compute_mergeability(self, issue: Issue) -> None:
        """GitHub's background mergeability job, finished at once: the next read of this PR knows it."""
        with self.lock:
            pull = self._pull_of(issue)
            pull.mergeability_of = pull.mergeability_key

    def require_drafts_supported(self, repo: Repository) -> None:
        """Draft pull requests exist in public repositories, and in private ones whose owner pays (GitHub Pro,
        Team, Enterprise): https://developer.github.com/changes/2019-02-14-draft-pull-requests/. Elsewhere
        GitHub answers 422 "Draft pull requests are not supported in this repository." (no `errors` list)."""
        owner = self.user(repo.owner)
        if repo.private and (owner is None or owner.plan == FREE_PLAN):
            raise SandboxError(422, MESSAGE_DRAFTS_UNSUPPORTED)

    def set_draft(self, repo: Repository, issue: Issue, draft: bool, actor: str | None) -> Issue:
        """GraphQL's markPullRequestReadyForReview / convertPullRequestToDraft (REST cannot change it)."""
        with self.lock:
            pull = self._pull_of(issue)
            self.require_writable(repo)
            if actor is None or actor.lower() != issue.user.lower():
                self.require(repo, actor, "write")
            if issue.state != "open":
                raise SandboxError(422, "Pull request is closed")
            if draft and actor is not None:
                self.require_drafts_supported(repo)
            if pull.draft != draft:
                pull.draft = draft
                self._event(issue, "convert_to_draft" if draft else "ready_for_review", actor)
                issue.updated_at = iso_now()
                self.touch()
            return issue

    def merge_pull(
        self, repo: Repository, issue: Issue, actor: str | None, *, commit_message: str | None = None
    ) -> Issue:
        """Merge (fast-forward or merge commit) and close the issues the PR links, as GitHub does."""
        with self.lock:
            pull = self._pull_of(issue)
            self.require(repo, actor, "write")
            self.require_writable(repo)
            if issue.state != "open":
                raise SandboxError(405, "Pull Request is not mergeable")
            if pull.draft:
                raise SandboxError(405, "Pull Request is still a draft")
            merger = self.require_user(actor or repo.owner)
            head_repo = self.repos[pull.head_repo_id]
            brought = self._commit_messages(repo, pull.base_sha, head_repo, pull.head_sha)
            if self.git is not None:
                message = commit_message or f"Merge pull request #{issue.number} from {head_repo.owner}/{pull.head_ref}"
                sha = self.git.merge(
                    repo, pull.base_ref, head=head_repo, head_sha=pull.head_sha, message=message, author=merger
                )
                repo.branches[pull.base_ref] = sha
            else:
                sha = pull.head_sha
            now = iso_now()
            pull.merged = True
            pull.merged_at = now
            pull.merged_by = merger.login
            pull.merge_commit_sha = sha
            self._event(issue, "merged", merger.login, commit_id=sha)
            self._close(issue, merger.login, None)
            if pull.base_ref == repo.default_branch:
                closing = [target for _target_repo, target in self.closing_issues(issue)]
                closing += self._closed_by_messages(repo, brought)
                for target in closing:
                    if target.state == "open":
                        self._close(target, merger.login, "completed")
                        target.events[-1].commit_id = sha
                        target.updated_at = now
            self.touch()
            return issue

    def _commit_messages(self, base: Repository, base_sha: str, head: Repository, head_sha: str) -> list[str]:
        if self.git is None:
            return []
        messages = []
        for sha in self.git.compare(base, base_sha, head, head_sha).commits:
            info = self.git.commit_info(base, sha) or self.git.commit_info(head, sha)
            if info is not None:
                messages.append(str(info.get("message", "")))
        return messages

    def _closed_by_messages(self, repo: Repository, messages: list[str]) -> list[Issue]:
        """Issues a closing keyword names in the commit messages a merge brings into the default branch ("If you
        use a keyword in a commit message, the issue will be closed when the commit is merged into the default
        branch": https://docs.github.com/en/issues/tracking-your-work-with-issues/using-issues/linking-a-pull-
        request-to-an-issue)."""
        found: list[Issue] = []
        for message in messages:
            for reference in closing_references(message, repo.owner, repo.name):
                target_repo = self._resolve_reference(reference)
                target = target_repo.issues.get(reference.number) if target_repo is not None else None
                if target is not None and target.pull is None and target not in found:
                    found.append(target)
        return found

    def _pull_of(self, issue: Issue) -> PullRequest:
        if issue.pull is None:
            raise not_found()
        return issue.pull

    def list_pulls(
        self,
        repo: Repository,
        *,
        state: str = "open",
        head: str | None = None,
        base: str | None = None,
        sort: str = "created",
        direction: str = "desc",
    ) -> list[Issue]:
        with self.lock:
            head_repo_id: int | None = None
            head_ref: str | None = None
            if head:
                owner, _, branch = head.partition(":")
                if not branch:
                    return []  # GitHub requires owner:branch and otherwise matches nothing
                head_ref = branch
                for candidate in self.repos.values():
                    if (
                        candidate.owner.lower() == owner.lower()
                        and self.root_repo(candidate).id == self.root_repo(repo).id
                    ):
                        head_repo_id = candidate.id
                        break
                if head_repo_id is None:
                    return []
            found = []
            for issue in repo.issues.values():
                pull = issue.pull
                if pull is None:
                    continue
                if state not in ("all", issue.state):
                    continue
                if head_ref is not None and (pull.head_ref != head_ref or pull.head_repo_id != head_repo_id):
                    continue
                if base and pull.base_ref != base:
                    continue
                found.append(issue)
            key = "updated_at" if sort == "updated" else "created_at"
            found.sort(key=lambda item: (getattr(item, key), item.number), reverse=direction != "asc")
            return found

    def pull_state(self, issue: Issue) -> str:
        """OPEN / CLOSED / MERGED, GraphQL's PullRequestState."""
        if issue.pull is not None and issue.pull.merged:
            return "MERGED"
        return issue.state.upper()

    def _resolve_reference(self, reference: IssueReference) -> Repository | None:
        return self.find_repo(reference.owner, reference.repo) or self.renamed_repo(reference.owner, reference.repo)

    def _relink(self, repo: Repository, issue: Issue, actor: str | None) -> None:
        """Recompute a PR's closing references from its body; GitHub does this on every body/base edit."""
        pull = issue.pull
        if pull is None:
            return
        links: list[tuple[int, int]] = []
        if pull.base_ref == repo.default_branch:
            for reference in closing_references(issue.body, repo.owner, repo.name):
                target_repo = self._resolve_reference(reference)
                if target_repo is None or reference.number not in target_repo.issues:
                    continue
                if target_repo.issues[reference.number].pull is not None:
                    continue  # a PR cannot close another PR
                if (target_repo.id, reference.number) not in links:
                    links.append((target_repo.id, reference.number))
        self._set_closing_refs(issue, links)
        # Any mention (keyword or not) leaves a cross-reference on the mentioned issue's timeline, once.
        for reference in mentions(issue.body, repo.owner, repo.name):
            target_repo = self._resolve_reference(reference)
            if target_repo is None:
                continue
            target = target_repo.issues.get(reference.number)
            if target is None or target is issue:
                continue
            already = any(
                event.event == "cross-referenced"
                and event.source_repo_id == repo.id
                and event.source_number == issue.number
                for event in target.events
            )
            if not already:
                self._event(target, "cross-referenced", actor, source_repo_id=repo.id, source_number=issue.number)

    def _body_changed(self, repo: Repository, issue: Issue, actor: str | None) -> None:
        self._relink(repo, issue, actor)

    def _default_branch_changed(self) -> None:
        self._relink_all()

    def _branches_moved(self, repo: Repository, branches: dict[str, str], actor: str | None = None) -> None:
        """Open PRs follow their branches: a new head SHA (and base SHA, commit count); a deleted head branch
        closes the PR (`head_ref_deleted`, then `closed`), and so does a deleted base branch, as on GitHub."""
        for other in self.repos.values():
            for issue in other.issues.values():
                pull = issue.pull
                if pull is None or issue.state != "open":
                    continue
                if other.id == repo.id and pull.base_ref not in branches:
                    self._close(issue, actor, None)
                    continue
                if pull.head_repo_id != repo.id:
                    continue
                if pull.head_ref not in branches:
                    self._event(issue, "head_ref_deleted", actor)
                    self._close(issue, actor, None)
                    continue
                sha = branches.get(pull.head_ref)
                if sha is not None and sha != pull.head_sha:
                    pull.head_sha = sha
                    pull.base_sha = other.branches.get(pull.base_ref, pull.base_sha)
                    if self.git is not None:
                        pull.commits = self.git.commits_ahead(other, pull.base_sha, repo, sha)
                    issue.updated_at = iso_now()

    def _relink_all(self) -> None:
        for repo in self.repos.values():
            for issue in repo.issues.values():
                if issue.pull is not None:
                    self._relink(repo, issue, None)

    def closing_issues(self, pull_issue: Issue) -> list[tuple[Repository, Issue]]:
        """GraphQL `PullRequest.closingIssuesReferences`: the issues this PR closes when merged."""
        with self.lock:
            if pull_issue.pull is None:
                return []
            found = []
            for repo_id, number in pull_issue.pull.closing_refs:
                repo = self.repos.get(repo_id)
                if repo is not None and number in repo.issues:
                    found.append((repo, repo.issues[number]))
            return found

    def closed_by_pulls(
        self, repo: Repository, issue: Issue, *, include_closed: bool = False
    ) -> list[tuple[Repository, Issue]]:
        """GraphQL `Issue.closedByPullRequestsReferences`: PRs (any repo, forks included, drafts included) whose
        body closes this issue. Without include_closed, closed-unmerged PRs are hidden but merged ones are kept
        (GitHub's observed behaviour). Ordered by PR creation."""
        with self.lock:
            found = []
            for candidate in self._closers.get((repo.id, issue.number), {}).values():
                pull = self._pull_of(candidate)
                if not include_closed and candidate.state == "closed" and not pull.merged:
                    continue
                found.append((self.repos[candidate.repo_id], candidate))
            found.sort(key=lambda pair: pair[1].id)
            return found
