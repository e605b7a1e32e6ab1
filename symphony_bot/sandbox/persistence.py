"""Save the sandbox's state to JSON and load it back (the bare repositories stay in their directory)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from symphony_bot.sandbox.state import (
    ContentEdit,
    InstallationToken,
    Issue,
    IssueComment,
    IssueEvent,
    Label,
    PersonalToken,
    PullRequest,
    Reaction,
    Repository,
    SandboxState,
    User,
)

FORMAT_VERSION = 1


def save_state(state: SandboxState, path: Path, *, repositories_dir: Path) -> Path:
    repos = []
    for repo in state.repos.values():
        data = dataclasses.asdict(repo)
        data["git_dir"] = str(repositories_dir / Path(repo.git_dir).name) if repo.git_dir else None
        data["issues"] = [dataclasses.asdict(issue) for issue in repo.issues.values()]
        data["labels"] = [dataclasses.asdict(label) for label in repo.labels.values()]
        repos.append(data)
    document = {
        "format": FORMAT_VERSION,
        "next_id": state._next_id,
        "users": [dataclasses.asdict(user) for user in state.users.values()],
        "repos": repos,
        "comments": [dataclasses.asdict(comment) for comment in state.comments.values()],
        "installation_tokens": [dataclasses.asdict(grant) for grant in state.installation_tokens.values()],
        "personal_tokens": [dataclasses.asdict(limits) for limits in state.personal_tokens.values()],
        "installation_repo_permissions": state.installation_repo_permissions,
        "graphql_rate_limit_shape": state.graphql_rate_limit_shape,
        **state.reviews_snapshot(),
    }
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(document, indent=1), encoding="utf-8")
    temporary.replace(path)
    return path


def _reactions(items: list[dict[str, Any]]) -> list[Reaction]:
    return [Reaction(**item) for item in items]


def load_state(state: SandboxState, path: Path) -> None:
    """Replace `state`'s contents with the saved document (renames, links and node ids included)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: not a sandbox state file ({error}); delete it or save the sandbox again") from error
    if not isinstance(document, dict) or document.get("format") != FORMAT_VERSION:
        raise ValueError(f"{path}: unsupported sandbox state format; save the sandbox again")
    with state.lock:
        for raw in document["users"]:
            user = User(**raw)
            state.users[user.login.lower()] = user
            state._register(user.node_id, user)
            for token in user.tokens:
                state.tokens[token] = user.login.lower()
        for raw in document["repos"]:
            issues = raw.pop("issues")
            labels = raw.pop("labels")
            repo = Repository(**raw)
            repo.issues = {}
            repo.labels = {}
            if repo.git_dir and state.git is not None and hasattr(state.git, "path"):
                repo.git_dir = str(state.git.path(repo))
            for label_raw in labels:
                label = Label(**label_raw)
                repo.labels[label.name.lower()] = label
                state._register(label.node_id, label)
            for issue_raw in issues:
                pull_raw = issue_raw.pop("pull")
                events = [IssueEvent(**event) for event in issue_raw.pop("events")]
                reactions = _reactions(issue_raw.pop("reactions"))
                edits = [ContentEdit(**edit) for edit in issue_raw.pop("body_edits", [])]
                issue = Issue(**issue_raw, events=events, reactions=reactions, body_edits=edits)
                if pull_raw is not None:
                    pull_raw["closing_refs"] = [tuple(ref) for ref in pull_raw["closing_refs"]]
                    issue.pull = PullRequest(**pull_raw)
                repo.issues[issue.number] = issue
                state._register(issue.node_id, issue)
                for event in events:
                    state._register(event.node_id, event)
                for edit in edits:
                    state._register(edit.node_id, edit)
                for reaction in reactions:
                    state._register(reaction.node_id, reaction)
            state.repos[repo.id] = repo
            state._repo_names[repo.full_name.lower()] = repo.id
            for old in repo.previous_full_names:
                state._old_repo_names[old.lower()] = repo.id
        for raw in document["comments"]:
            reactions = _reactions(raw.pop("reactions"))
            comment = IssueComment(**raw, reactions=reactions)
            state.comments[comment.id] = comment
            state._register(comment.node_id, comment)
            for reaction in reactions:
                state._register(reaction.node_id, reaction)
        for raw in document.get("installation_tokens", []):  # absent from files saved before tokens existed
            grant = InstallationToken(**raw)
            state.installation_tokens[grant.token] = grant
        for raw in document.get("personal_tokens", []):
            limits = PersonalToken(**{**raw, "scopes": tuple(raw["scopes"])})
            state.personal_tokens[limits.token] = limits
        state.installation_repo_permissions = document.get(
            "installation_repo_permissions", state.installation_repo_permissions
        )
        state.graphql_rate_limit_shape = document.get("graphql_rate_limit_shape", state.graphql_rate_limit_shape)
        state.restore_reviews(document)
        state._next_id = max(state._next_id, int(document["next_id"]))
        state.reindex_links()
        state.touch()
