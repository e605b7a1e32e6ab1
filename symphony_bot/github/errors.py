"""What can go wrong when talking to GitHub, each error carrying what a caller needs to explain it."""

from __future__ import annotations

# The same sentence wherever the REST or GraphQL client meets them, so every command reads them alike.
BAD_CREDENTIALS = (
    "GitHub refused the token (401 Bad credentials): it is mistyped, expired or revoked; set SYMPHONY_GITHUB_TOKEN "
    "or GITHUB_TOKEN to a valid token"
)
CONNECTION_FAILED = (
    "cannot reach {url} ({kind}); check --github-url (or $GITHUB_API_URL), the network, and that the server "
    "(the sandbox: `symphony-bot sandbox serve`) is running"
)


class GitHubError(Exception):
    """GitHub could not answer. The message names the cause and what to do."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RateLimitError(GitHubError):
    """A rate limit that would take longer than allowed to clear (or kept coming back)."""

    def __init__(self, message: str, retry_after_seconds: float | None) -> None:
        super().__init__(message, status=429)
        self.retry_after_seconds = retry_after_seconds


class NotAFileError(GitHubError):
    """The path names something other than a regular file: a directory, a symlink, a submodule."""

    def __init__(self, path: str, kind: str) -> None:
        super().__init__(f"{path} is a {kind}, not a regular file")
        self.kind = kind


class FileTooLargeError(GitHubError):
    """More bytes than the caller allows (or than the contents API serves inline)."""

    def __init__(self, what: str, size: int, limit: int) -> None:
        super().__init__(f"{what} is {size:,} bytes, more than the {limit:,} allowed")
        self.size = size
        self.limit = limit


class DownloadError(GitHubError):
    """A plain download failed: an HTTP status other than 200 (`status`), or no answer at all (`cause`, the
    name of the network error, such as ConnectionError or ReadTimeout)."""

    def __init__(self, url: str, status: int | None = None, cause: str | None = None) -> None:
        detail = f"HTTP {status}" if status is not None else f"no answer ({cause})"
        super().__init__(f"{url}: {detail}", status)
        self.cause = cause
