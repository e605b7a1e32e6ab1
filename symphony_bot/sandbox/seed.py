"""Seed files for `symphony-bot sandbox serve --seed FILE.yml`: users, repositories, issues, pulls.

    users:
      - {login: maintainer, token: maintainer-token}
      - {login: symphony-bot, token: bot-token, type: Bot}
      - {login: paying, token: paying-token, plan: pro}   # free (default) / pro / team / enterprise
    repos:
      - owner: maintainer
        name: project
        private: false               # default false
        default_branch: main         # default main
        files: {README.md: "hello\\n", docs/tasks.md: "- [ ] one\\n"}
        labels: [runmaestro.ai, {name: blocking, color: d73a4a, description: Blocked}]
        permissions: {contributor: write}      # admin / maintain / write / triage / read
        branches: [{name: feature, files: {a.txt: "x\\n"}, base: main, message: Add a}]
        issues:
          - {title: Run the docs, body: "docs/tasks.md", author: maintainer, labels: [runmaestro.ai],
             comments: [{author: contributor, body: /symphony run}]}
        pulls: [{head: feature, title: Add a, body: "Closes #1", draft: true, author: maintainer}]
        forks: [contributor]
        archived: false              # applied last, so the seed can still write to it

Errors name the entry (`repos[0].issues[2]: ...`) and say what to fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from symphony_bot.sandbox import Sandbox


class SeedError(ValueError):
    """A seed file problem, with the path of the offending entry."""


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SeedError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SeedError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _files(value: Any, where: str) -> dict[str, str]:
    files = _mapping(value or {}, where)
    return {str(path): str(text) for path, text in files.items()}


def load_seed_file(path: Path) -> dict[str, Any]:
    import yaml

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SeedError(f"{path}: cannot read the seed file ({error.strerror})") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise SeedError(f"{path}:{line} is not valid YAML: {error}") from error
    return _mapping(document or {}, str(path))


def apply_seed(sandbox: Sandbox, document: dict[str, Any]) -> None:
    """Build the seed's world in the sandbox (operator rights: no permission checks)."""
    from symphony_bot.sandbox.state import SandboxError

    for index, raw in enumerate(_list(document.get("users"), "users")):
        where = f"users[{index}]"
        user = _mapping(raw, where)
        if "login" not in user:
            raise SeedError(f"{where}: `login` is required")
        tokens = [str(token) for token in _list(user.get("tokens"), f"{where}.tokens")]
        if user.get("token"):
            tokens.insert(0, str(user["token"]))
        try:
            sandbox.add_user(str(user["login"]), tokens=tokens, type=str(user.get("type", "User")))
            if user.get("plan"):
                sandbox.set_plan(str(user["login"]), str(user["plan"]))
        except ValueError as error:
            raise SeedError(f"{where}: {error}") from error
    for index, raw in enumerate(_list(document.get("repos"), "repos")):
        where = f"repos[{index}]"
        repo = _mapping(raw, where)
        try:
            _apply_repo(sandbox, repo, where)
        except SandboxError as error:
            detail = f" ({error.errors})" if error.errors else ""
            raise SeedError(f"{where}: {error.message}{detail}") from error
        except (KeyError, ValueError) as error:
            if isinstance(error, SeedError):
                raise
            raise SeedError(f"{where}: {error}") from error


def _apply_repo(sandbox: Sandbox, repo: dict[str, Any], where: str) -> None:
    for key in ("owner", "name"):
        if key not in repo:
            raise SeedError(f"{where}: `{key}` is required")
    owner, name = str(repo["owner"]), str(repo["name"])
    sandbox.create_repo(
        owner,
        name,
        files=_files(repo.get("files"), f"{where}.files"),
        default_branch=str(repo.get("default_branch", "main")),
        private=bool(repo.get("private", False)),
        description=repo.get("description"),
    )
    for index, raw in enumerate(_list(repo.get("labels"), f"{where}.labels")):
        label = {"name": raw} if isinstance(raw, str) else _mapping(raw, f"{where}.labels[{index}]")
        sandbox.add_label(
            owner,
            name,
            str(label["name"]),
            color=str(label.get("color", "ededed")),
            description=label.get("description"),
        )
    for login, level in _mapping(repo.get("permissions") or {}, f"{where}.permissions").items():
        sandbox.set_permission(owner, name, str(login), str(level))
    for index, raw in enumerate(_list(repo.get("branches"), f"{where}.branches")):
        branch = _mapping(raw, f"{where}.branches[{index}]")
        sandbox.push_branch(
            owner,
            name,
            str(branch["name"]),
            _files(branch.get("files"), f"{where}.branches[{index}].files"),
            base=branch.get("base"),
            message=str(branch.get("message", "Update files")),
        )
    for index, raw in enumerate(_list(repo.get("issues"), f"{where}.issues")):
        spot = f"{where}.issues[{index}]"
        issue = _mapping(raw, spot)
        created = sandbox.create_issue(
            owner,
            name,
            str(issue.get("title") or ""),
            str(issue.get("body") or ""),
            labels=[str(label) for label in _list(issue.get("labels"), f"{spot}.labels")],
            author=issue.get("author"),
            state=str(issue.get("state", "open")),
            labeled_by=issue.get("labeled_by"),
        )
        for comment_index, comment_raw in enumerate(_list(issue.get("comments"), f"{spot}.comments")):
            comment = _mapping(comment_raw, f"{spot}.comments[{comment_index}]")
            sandbox.comment(owner, name, created.number, str(comment.get("body") or ""), author=comment.get("author"))
    for login in _list(repo.get("forks"), f"{where}.forks"):
        sandbox.fork(owner, name, str(login))
    for index, raw in enumerate(_list(repo.get("pulls"), f"{where}.pulls")):
        pull = _mapping(raw, f"{where}.pulls[{index}]")
        sandbox.open_pull(
            owner,
            name,
            str(pull["head"]),
            pull.get("base"),
            title=str(pull.get("title", pull["head"])),
            body=str(pull.get("body") or ""),
            draft=bool(pull.get("draft", False)),
            author=pull.get("author"),
            head_owner=pull.get("head_owner"),
        )
    if repo.get("archived"):
        sandbox.archive_repo(owner, name)
