"""Repositories and git refs: creating, renaming, archiving and forking repositories, collaborators, branches."""

from __future__ import annotations

from symphony_bot.sandbox.state.model import (
    MESSAGE_NO_ADMIN,
    PERMISSION_LEVELS,
    Repository,
    iso_now,
    not_found,
    validation_failed,
)
from symphony_bot.sandbox.state.users import UserStore


class RepositoryStore(UserStore):
    """Repositories (names, renames, forks, settings, collaborators) and their branches in git."""

    def find_repo(self, owner: str, name: str) -> Repository | None:
        """The repository under its current name (renamed repositories: see `renamed_repo`)."""
        repo_id = self._repo_names.get(f"{owner}/{name}".lower())
        return self.repos.get(repo_id) if repo_id is not None else None

    def renamed_repo(self, owner: str, name: str) -> Repository | None:
        """The repository that was called owner/name before a rename (GitHub redirects those with 301)."""
        repo_id = self._old_repo_names.get(f"{owner}/{name}".lower())
        return self.repos.get(repo_id) if repo_id is not None else None

    def visible_repo(self, owner: str, name: str, login: str | None) -> Repository:
        """The repository if `login` may see it; 404 otherwise (private repos are invisible, as on GitHub)."""
        repo = self.find_repo(owner, name)
        if repo is None or not self.can_see(repo, login):
            raise not_found()
        return repo

    def create_repo(
        self,
        owner: str,
        name: str,
        *,
        files: dict[str, str] | None = None,
        default_branch: str = "main",
        private: bool = False,
        archived: bool = False,
        description: str | None = None,
        message: str = "Initial commit",
    ) -> Repository:
        with self.lock:
            owner_user = self.user(owner) or self.add_user(owner)
            if self.find_repo(owner_user.login, name) is not None:
                raise validation_failed("Repository", "name already exists on this account", "custom", "name")
            repo_id, node_id = self._new_id("Repository")
            repo = Repository(
                id=repo_id,
                node_id=node_id,
                owner=owner_user.login,
                name=name,
                private=private,
                archived=archived,
                default_branch=default_branch,
                description=description,
            )
            if self.git is not None:
                repo.branches = dict(self.git.init_repository(repo, files, message))
                if repo.branches:
                    repo.pushed_at = iso_now()
            self.repos[repo_id] = repo
            self._repo_names[repo.full_name.lower()] = repo_id
            self._register(node_id, repo)
            self.touch()
            return repo

    def update_repo(
        self,
        repo: Repository,
        actor: str | None,
        *,
        name: str | None = None,
        archived: bool | None = None,
        private: bool | None = None,
        default_branch: str | None = None,
        description: str | None = None,
    ) -> Repository:
        with self.lock:
            self.require(repo, actor, "admin", MESSAGE_NO_ADMIN)
            if repo.archived and archived is not False:
                self.require_writable(repo)
            if name is not None and name != repo.name:
                if self.find_repo(repo.owner, name) is not None:
                    raise validation_failed("Repository", "name already exists on this account", "custom", "name")
                old = repo.full_name
                del self._repo_names[old.lower()]
                repo.previous_full_names.append(old)
                self._old_repo_names[old.lower()] = repo.id
                repo.name = name
                self._repo_names[repo.full_name.lower()] = repo.id
                self._old_repo_names.pop(repo.full_name.lower(), None)
            if archived is not None:
                repo.archived = archived
            if private is not None:
                repo.private = private
            if default_branch is not None:
                if repo.branches and default_branch not in repo.branches:
                    raise validation_failed(
                        "Repository", f"Branch {default_branch} not found", "invalid", "default_branch"
                    )
                repo.default_branch = default_branch
                self._default_branch_changed()
            if description is not None:
                repo.description = description
            repo.updated_at = iso_now()
            self.touch()
            return repo

    def set_permission(self, repo: Repository, login: str, level: str) -> None:
        if level not in PERMISSION_LEVELS:
            raise ValueError(f"permission must be one of {PERMISSION_LEVELS}, not {level!r}")
        with self.lock:
            user = self.user(login) or self.add_user(login)
            if level == "none":
                repo.collaborators.pop(user.login.lower(), None)
            else:
                repo.collaborators[user.login.lower()] = level
            self.touch()

    def fork_repo(self, source: Repository, actor: str, name: str | None = None) -> Repository:
        """Fork `source` into the actor's account (GitHub returns the existing fork when there is one)."""
        with self.lock:
            if not self.can_see(source, actor):
                raise not_found()
            owner = self.require_user(actor)
            for repo in self.repos.values():
                if repo.parent_id == source.id and repo.owner.lower() == owner.login.lower():
                    return repo
            wanted = name or source.name
            candidate, suffix = wanted, 0
            while self.find_repo(owner.login, candidate) is not None:
                suffix += 1
                candidate = f"{wanted}-{suffix}"
            repo_id, node_id = self._new_id("Repository")
            fork = Repository(
                id=repo_id,
                node_id=node_id,
                owner=owner.login,
                name=candidate,
                private=source.private,
                default_branch=source.default_branch,
                description=source.description,
                parent_id=source.id,
            )
            if self.git is not None:
                fork.branches = dict(self.git.fork_repository(source, fork))
            else:
                fork.branches = dict(source.branches)
            if source.private:
                # A private fork stays visible to the source's collaborators only through its owner.
                fork.collaborators = {}
            self.repos[repo_id] = fork
            self._repo_names[fork.full_name.lower()] = repo_id
            self._register(node_id, fork)
            self.touch()
            return fork

    def forks(self, source: Repository) -> list[Repository]:
        return [repo for repo in self.repos.values() if repo.parent_id == source.id]

    def root_repo(self, repo: Repository) -> Repository:
        while repo.parent_id is not None and repo.parent_id in self.repos:
            repo = self.repos[repo.parent_id]
        return repo

    def _branches_moved(self, repo: Repository, branches: dict[str, str], actor: str | None = None) -> None:
        """Hook: `repo`'s branches were re-read from git (the pull-request store follows its PRs' heads)."""

    def _default_branch_changed(self) -> None:
        """Hook: closing links depend on the default branch (the pull-request store recomputes them)."""

    def refresh_branches(self, repo: Repository, actor: str | None = None) -> None:
        """Re-read branch heads from the bare repository (after a push by `actor`) and let open PRs follow."""
        if self.git is None:
            return
        branches = self.git.read_branches(repo)
        with self.lock:
            if branches != repo.branches:
                repo.branches = branches
                repo.pushed_at = iso_now()
            self._branches_moved(repo, branches, actor)
            self.touch()

    def push_files(
        self,
        repo: Repository,
        branch: str,
        files: dict[str, str],
        *,
        base: str | None = None,
        message: str = "Update files",
        author: str | None = None,
    ) -> str:
        """Commit files on `branch` (starting from `base` or the branch itself or the default branch)."""
        if self.git is None:
            raise RuntimeError("this sandbox has no git backend")
        with self.lock:
            start = base or (branch if branch in repo.branches else repo.default_branch)
            base_sha = repo.branches.get(start)
            if base_sha is None and start in repo.branches.values():
                base_sha = start
            user = self.require_user(author or repo.owner)
            sha = self.git.commit_files(repo, branch, files=files, base_sha=base_sha, message=message, author=user)
        self.refresh_branches(repo)
        return sha

    def delete_branch(self, repo: Repository, branch: str, actor: str | None) -> None:
        with self.lock:
            self.require(repo, actor, "write")
            self.require_writable(repo)
            if branch not in repo.branches:
                raise validation_failed("Reference", "Reference does not exist")
            if self.git is not None:
                self.git.delete_branch(repo, branch)
            repo.branches.pop(branch, None)
            self._branches_moved(repo, repo.branches, actor)
            self.touch()
