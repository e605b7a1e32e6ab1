"""Every git command the bot runs goes through here: the trusted git program (git_executable), each process
with an environment built from scratch (git_process)."""

from __future__ import annotations

import base64
import os
import re
import secrets
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from symphony_bot.report.workflow_commands import neutralize
from symphony_bot.workspace.commit_message import inert_commit_message
from symphony_bot.workspace.git_process import GitFailure, base_environment, run_git
from symphony_bot.workspace.push_caps import PushCaps
from symphony_bot.workspace.pushed_content import judge_push


class GitError(RuntimeError):
    """A git command failed; the message says which and why."""


class PushRefused(GitError):
    """What the task would push is over a cap (push_caps); nothing was committed."""


class FileTooLarge(GitError):
    """The file at that revision is over the caller's size cap; it was not read."""

    def __init__(self, message: str, size: int) -> None:
        super().__init__(message)
        self.size = size


def read_file_at_revision(repo_dir: Path, revision: str, path: str, max_bytes: int | None = None) -> bytes:
    """The bytes of `path` at `revision` (`git cat-file blob REV:path`: no filter or textconv), e.g. the base of a
    pull request. With `max_bytes`, the size is asked first and a larger file raises FileTooLarge unread."""
    if revision.startswith("-"):  # would reach git as an option (e.g. --output=FILE), not a revision
        raise GitError(f"{revision!r} is not a revision: it starts with '-'")
    outside = f"{repo_dir} is not inside a git repository, so {revision}:{path} cannot be read"
    if not Path(repo_dir).is_dir():
        raise GitError(outside)
    with tempfile.TemporaryDirectory(prefix="symphony-git-home-") as home:
        environment = base_environment(Path(home))
        _add_config(environment, list(_SAFE_CONFIG))
        object_name = f"{revision}:{path}"
        try:
            if max_bytes is not None:
                size = int(str(run_git(["cat-file", "-s", object_name], cwd=repo_dir, environment=environment)))
                if size > max_bytes:
                    raise FileTooLarge(f"{object_name} is {size:,} bytes, over the {max_bytes:,} allowed", size)
            output = run_git(["cat-file", "blob", object_name], cwd=repo_dir, environment=environment, binary=True)
        except GitFailure as error:
            detail = error.stderr.strip().splitlines()
            if any("not a git repository" in line for line in detail):
                raise GitError(outside) from None
            reason = detail[-1].removeprefix("fatal: ") if detail else f"exit code {error.status}"
            raise GitError(f"cannot read {object_name}: {reason}") from None
    if not isinstance(output, bytes):
        raise GitError(f"cannot read {object_name}: git returned text instead of bytes")
    return output


# ---------------------------------------------------------------------------------------------- work trees
#
# The contribution runner works in a clone whose git directory lives OUTSIDE the work tree, in a private
# folder the work tree does not point to (no `.git` file is left behind): the agent edits an ordinary folder.
# After every task that folder is untrusted, and the harness then runs git in it holding the token. So every
# git command here:
#   - runs with an environment built from scratch (no system or user config, HOME in a private folder, no
#     prompts, GIT_DIR / GIT_WORK_TREE explicit, so a `.git` planted in the work tree is never read);
#   - first rewrites the repository's config with the bytes written at clone time, so `include.path`,
#     filter / diff / merge drivers, credential helpers or `core.sshCommand` planted there are gone;
#   - overrides, at command scope (which beats the repository's), the keys that run programs: hooks point at
#     an empty folder, no fsmonitor, no credential helper, no pager or editor, only HTTP(S) transport;
#   - gets the token only when it talks to the remote, as an HTTP header in GIT_CONFIG_* variables: never in
#     a URL, never in `.git/config`, never in argv, never logged.

NOTHING_TO_COMMIT = "nothing to commit"
_COMMIT_LINE = re.compile(r"^\[[^\]\s]+(?: \(root-commit\))? ([0-9a-f]{7,64})\]", re.MULTILINE)
NETWORK_ATTEMPTS = 3  # a fetch or push that failed (5xx, reset, limit) is tried again; both are idempotent
NETWORK_BACKOFF_SECONDS = 1.0
BOT_EMAIL_DOMAIN = "users.noreply.github.com"
_SAFE_CONFIG: tuple[tuple[str, str], ...] = (
    ("core.hooksPath", os.devnull),
    ("core.fsmonitor", "false"),
    ("core.sshCommand", "false"),
    ("core.askPass", ""),
    ("core.pager", "cat"),
    ("core.editor", "false"),
    ("credential.helper", ""),
    ("protocol.allow", "never"),
    ("protocol.https.allow", "always"),
    ("protocol.http.allow", "always"),
    ("commit.gpgSign", "false"),
    ("tag.gpgSign", "false"),
    ("diff.external", ""),
    ("advice.detachedHead", "false"),
    ("init.defaultBranch", "main"),
    ("gc.auto", "0"),
    ("core.abbrev", "no"),  # full object names in every output (the commit line names the new commit)
    ("maintenance.auto", "false"),
    ("safe.directory", "*"),
    ("advice.graftFileDeprecated", "false"),
)


@dataclass(frozen=True)
class Remote:
    """Where to fetch from and push to: an https URL without credentials, and the token for its header."""

    url: str
    token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        parsed = urllib.parse.urlsplit(self.url)
        if parsed.scheme not in ("https", "http") or parsed.username or parsed.password:
            raise GitError(f"remote {redact_url(self.url)} must be an http(s) URL without credentials in it")


@dataclass(frozen=True)
class Identity:
    name: str
    email: str

    @classmethod
    def for_login(cls, login: str, user_id: int | None) -> Identity:
        """GitHub's no-reply address, so the commit is attributed to the account without exposing an email."""
        local = f"{user_id}+{login}" if user_id else login
        return cls(name=login, email=f"{local}@{BOT_EMAIL_DOMAIN}")


# Paths the harness never commits or pushes, whatever the agent writes there: a workflow on the claim branch would
# run on push with the repository's secrets (a token with the `workflow` scope can push it).
PROTECTED_PATHSPECS = (":(top).github/workflows",)
PROTECTED_COMMIT_REFUSED = (
    "the agent committed changes under .github/workflows/ itself; nothing more is pushed, because a workflow on "
    "the claim branch would run with the repository's secrets (run the bot as root, so the agent runs as its own "
    "user and cannot commit, or make such changes by hand)"
)


@dataclass(frozen=True)
class CommitResult:
    sha: str
    created: bool  # False: nothing to commit (the agent changed no file)
    held_back: tuple[str, ...] = ()  # changed paths left out of the commit (PROTECTED_PATHSPECS)
    warnings: tuple[str, ...] = ()  # files pushed although over GitHub's warning size (push_caps)


def redact_url(url: str) -> str:
    parsed = urllib.parse.urlsplit(url)
    if parsed.username or parsed.password:
        host = parsed.hostname or ""
        if parsed.port:
            host = f"{host}:{parsed.port}"
        parsed = parsed._replace(netloc=f"***@{host}")
    return urllib.parse.urlunsplit(parsed)


def authorization_header(token: str) -> str:
    """`Authorization: Basic base64(x-access-token:TOKEN)`, what GitHub's smart HTTP expects from tokens."""
    credential = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return f"Authorization: Basic {credential}"


class WorkTree:
    """A clone for one run: `path` is the folder the agent edits; the git directory is kept elsewhere."""

    def __init__(self, path: Path, git_dir: Path, home: Path, remote: Remote) -> None:
        self.path = path
        self.git_dir = git_dir
        self.home = home
        self.remote = remote  # where the default branch is cloned from
        self.push_remote = remote  # where branches go: the repository, or the caller's fork
        self._config: bytes = b""
        self.caps = PushCaps()  # what one task may push (push_caps); the runner may lower the file count
        self.say: Callable[[str], None] = say_on_stderr  # a refusal or a warning about what is pushed
        self.commands = 0  # git processes run, for the benchmark
        # Paths staged back to HEAD after `add`: a .gitignore in the work tree outranks info/exclude
        self._excluded: list[str] = []

    # -- clone and branches ------------------------------------------------------------------------------------

    @classmethod
    def clone(cls, remote: Remote, branch: str, path: Path, private_dir: Path) -> WorkTree:
        """Shallow, single-branch clone of `branch` into `path`; the git directory goes under `private_dir`."""
        private_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        git_dir = private_dir / f"git-{secrets.token_hex(8)}"
        home = private_dir / "home"
        home.mkdir(exist_ok=True, mode=0o700)
        tree = cls(path, git_dir, home, remote)
        _check_ref_name(branch)
        path.mkdir(parents=True, exist_ok=True)
        tree._git_raw(
            ["init", "--quiet", f"--initial-branch={branch}", f"--separate-git-dir={git_dir}", str(path)],
            cwd=private_dir,
            with_dirs=False,
        )
        # `init --separate-git-dir` leaves a `.git` file in the work tree pointing here: remove it, so the
        # agent's folder leads nowhere and nothing in it can redirect our git.
        (path / ".git").unlink(missing_ok=True)
        tree._config = (git_dir / "config").read_bytes()
        tree.fetch(branch)
        tree.run("checkout", "--quiet", "-B", branch, f"refs/remotes/origin/{branch}")
        return tree

    def fetch(self, branch: str, depth: int = 1, remote: Remote | None = None) -> str:
        """Fetch `branch` into refs/remotes/origin/BRANCH (shallow); return its commit."""
        _check_ref_name(branch)
        source = remote or self.remote
        self.run(
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-recurse-submodules",
            f"--depth={depth}",
            source.url,
            f"+refs/heads/{branch}:refs/remotes/origin/{branch}",
            network=source,
        )
        return self.run("rev-parse", f"refs/remotes/origin/{branch}")

    def checkout_remote_branch(self, branch: str) -> str:
        """Fetch the pushed `branch` and make it the current branch (resuming a claim); return its head."""
        head = self.fetch(branch, remote=self.push_remote)
        self.run("checkout", "--quiet", "--force", "-B", branch, f"refs/remotes/origin/{branch}")
        return head

    def head_author_email(self, branch: str) -> str | None:
        """The author email of the remote `branch`'s head (after fetching it); None when it is gone."""
        try:
            self.fetch(branch, remote=self.push_remote)
        except GitError:
            return None
        return self.run("log", "-1", "--format=%ae", f"refs/remotes/origin/{branch}")

    def exclude(self, pattern: str) -> None:
        """Never commit paths matching `pattern` (the private `info/exclude`, not the repository's .gitignore)."""
        exclude = self.git_dir / "info" / "exclude"
        exclude.parent.mkdir(parents=True, exist_ok=True)
        current = exclude.read_text(encoding="utf-8") if exclude.exists() else ""
        if pattern not in current.splitlines():
            exclude.write_text(current + ("" if current.endswith("\n") or not current else "\n") + pattern + "\n")
        pathspec = f":(top,glob){pattern.strip('/')}"
        if pattern.startswith("/") and pathspec not in self._excluded:
            self._excluded.append(pathspec)

    def committed_mode(self, name: str) -> str | None:
        """The mode HEAD records for the top-level entry `name` (040000 folder, 120000 symbolic link, 160000
        submodule, 100644/100755 file); None when HEAD has none."""
        listed = self.run("ls-tree", "-z", "--full-tree", "HEAD", "--", name)
        return listed.split(" ", 1)[0] if listed else None

    def create_branch(self, branch: str) -> None:
        _check_ref_name(branch)
        self.run("checkout", "--quiet", "-b", branch)

    def remote_branches(self, prefix: str) -> dict[str, str]:
        """Branches on the remote under `prefix` (e.g. `symphony/12-`): {name: sha}."""
        output = self.run(
            "ls-remote", "--heads", self.push_remote.url, f"refs/heads/{prefix}*", network=self.push_remote
        )
        found = {}
        for line in output.splitlines():
            sha, _, ref = line.partition("\t")
            if ref.startswith("refs/heads/"):
                found[ref.removeprefix("refs/heads/")] = sha
        return found

    def head(self) -> str:
        return self.run("rev-parse", "HEAD")

    # -- commits -----------------------------------------------------------------------------------------------

    def commit_all(self, message: str, identity: Identity, *, since: str = "HEAD") -> CommitResult:
        """Stage everything the agent changed and commit it as `identity`; no commit when nothing changed.
        Changes to PROTECTED_PATHSPECS stay in the work tree, out of the commit; a commit the agent made itself
        (a bot not running as root shares its user) that touches them stops everything (GitError), as does a
        task over the caps (PushRefused, before anything is committed). The message is made inert
        (commit_message). Every read is of the real objects: no replace refs, no grafts (git_process)."""
        self.run("add", "--all", "--", ".")
        staged = self.run("diff", "--cached", "--name-only", "-z", since, "--", *PROTECTED_PATHSPECS)
        held_back = tuple(path for path in staged.split("\0") if path)
        agent_commits = self.run("log", "--full-history", "--format=%H", f"{since}..HEAD", "--", *PROTECTED_PATHSPECS)
        if agent_commits or (held_back and self.run("diff", "--name-only", since, "HEAD", "--", *PROTECTED_PATHSPECS)):
            raise GitError(PROTECTED_COMMIT_REFUSED)
        if self._excluded or held_back:
            self.run("reset", "--quiet", "HEAD", "--", *self._excluded, *PROTECTED_PATHSPECS)
        verdict = judge_push(self.run, since, self.caps)
        if verdict.refusal is not None:
            self.say(verdict.refusal)
            raise PushRefused(verdict.refusal)
        for warning in verdict.warnings:
            self.say(warning)
        environment = {
            "GIT_AUTHOR_NAME": identity.name,
            "GIT_AUTHOR_EMAIL": identity.email,
            "GIT_COMMITTER_NAME": identity.name,
            "GIT_COMMITTER_EMAIL": identity.email,
        }
        text = inert_commit_message(message).encode()
        try:
            output = self.run(
                "commit", "--no-verify", "--no-gpg-sign", "--no-status", "--file=-", extra=environment, stdin=text
            )
        except GitError as error:
            if NOTHING_TO_COMMIT in str(error):
                return CommitResult("", created=False, held_back=held_back, warnings=verdict.warnings)
            raise
        found = _COMMIT_LINE.search(output)
        sha = found.group(1) if found else self.head()
        return CommitResult(sha, created=True, held_back=held_back, warnings=verdict.warnings)

    def commits_since(self, revision: str) -> int:
        return int(self.run("rev-list", "--count", f"{revision}..HEAD"))

    def push(self, branch: str) -> None:
        """Push HEAD to `branch`; never forced, so a diverged remote branch is an error, not an overwrite."""
        _check_ref_name(branch)
        target = self.push_remote
        self.run("push", "--quiet", "--no-verify", target.url, f"HEAD:refs/heads/{branch}", network=target)

    def delete_remote_branch(self, branch: str) -> None:
        _check_ref_name(branch)
        target = self.push_remote
        self.run("push", "--quiet", "--no-verify", target.url, f":refs/heads/{branch}", network=target)

    def log_subjects(self, revision_range: str) -> list[str]:
        output = self.run("log", "--format=%s", revision_range)
        return [line for line in output.splitlines() if line]

    # -- running git -------------------------------------------------------------------------------------------

    def run(
        self,
        *args: str,
        network: Remote | None = None,
        extra: dict[str, str] | None = None,
        stdin: bytes | None = None,
    ) -> str:
        """Run one git command in this work tree, safely (see the comment above the class)."""
        attempts = NETWORK_ATTEMPTS if network is not None else 1
        for attempt in range(attempts):
            if self._config:
                # Undo anything written into the repository's configuration since the clone.
                (self.git_dir / "config").write_bytes(self._config)
            try:
                return self._git_raw(list(args), cwd=self.path, network=network, extra=extra, stdin=stdin)
            except GitError as error:
                if attempt + 1 >= attempts or _is_refusal(str(error)):
                    raise
                time.sleep(NETWORK_BACKOFF_SECONDS * 2**attempt)
        raise AssertionError("unreachable")

    def _git_raw(
        self,
        args: list[str],
        *,
        cwd: Path,
        network: Remote | None = None,
        extra: dict[str, str] | None = None,
        with_dirs: bool = True,
        stdin: bytes | None = None,
    ) -> str:
        environment = self._environment(network, with_dirs)
        environment.update(extra or {})
        self.commands += 1
        try:
            output = run_git(args, cwd=cwd, environment=environment, stdin=stdin)
        except GitFailure as error:
            tokens = (self.remote.token, self.push_remote.token)
            raise GitError(f"git {args[0]} failed: {_reason(error, tokens)}") from None
        return str(output).strip()

    def _environment(self, network: Remote | None, with_dirs: bool) -> dict[str, str]:
        """Built from scratch (git_process.base_environment), never from the bot's own environment; the token's
        header only for `network` commands (fetch, push, ls-remote)."""
        environment = base_environment(self.home)
        if with_dirs:
            environment["GIT_DIR"] = str(self.git_dir)
            # A `commondir` file planted in the git directory would make git read its config (and refs and
            # objects) from elsewhere, where the restored config does not reach: the common dir is ours too.
            environment["GIT_COMMON_DIR"] = str(self.git_dir)
            environment["GIT_WORK_TREE"] = str(self.path)
        pairs = list(_SAFE_CONFIG)
        if network is not None and network.token:
            pairs.append((f"http.{network.url}.extraHeader", authorization_header(network.token)))
        _add_config(environment, pairs)
        return environment


def say_on_stderr(text: str) -> None:
    """One line on stderr, made safe for an Actions log (the text may hold paths the agent chose)."""
    sys.stderr.write(neutralize(f"symphony-bot: {text}") + "\n")
    sys.stderr.flush()


def _add_config(environment: dict[str, str], pairs: list[tuple[str, str]]) -> None:
    """Command-scope configuration (GIT_CONFIG_COUNT/KEY_n/VALUE_n): it outranks the repository's own."""
    environment["GIT_CONFIG_COUNT"] = str(len(pairs))
    for index, (key, value) in enumerate(pairs):
        environment[f"GIT_CONFIG_KEY_{index}"] = key
        environment[f"GIT_CONFIG_VALUE_{index}"] = value


_REFUSALS = (
    "rejected",
    "non-fast-forward",
    "fetch first",
    "not found",
    "does not appear",
    "couldn't find",
    # git over HTTP: "The requested URL returned error: 401" is a token GitHub refused, not an outage (a 403 may
    # be a secondary rate limit, which a retry outlasts: test_contribution_faults strikes git with one)
    "error: 401",
)


def _is_refusal(message: str) -> bool:
    """A refusal (diverged branch, missing ref) is an answer, not an outage: retrying will not change it."""
    return any(word in message.lower() for word in _REFUSALS)


def _check_ref_name(branch: str) -> None:
    if not branch or branch.startswith("-") or ".." in branch or any(c in branch for c in " ~^:?*[\\\x7f"):
        raise GitError(f"{branch!r} is not a branch name git accepts")


def _reason(error: GitFailure, tokens: tuple[str | None, ...]) -> str:
    detail = [line for line in error.stderr.strip().splitlines() if line.strip()]
    if not detail or NOTHING_TO_COMMIT in error.stdout:
        detail = [line for line in error.stdout.strip().splitlines() if line.strip()] + detail
    rejected = [line for line in detail if "rejected" in line]
    detail = rejected[-1:] or detail
    text = detail[-1].strip().removeprefix("fatal: ") if detail else ""
    text = text or f"exit code {error.status}"
    for token in tokens:
        if token:
            text = text.replace(token, "***")
    return text
