"""What the metering proxy must know of each model API: where the key goes, and the API's own error shapes.

Errors the proxy itself returns (a wrong credential, a spent budget, a refused request) are shaped exactly like
the provider's, so each CLI reports them in its own words and does not retry them:
- a wrong or missing credential: Anthropic 401 `authentication_error`, OpenAI 401 `invalid_api_key`, Gemini
  400 `API_KEY_INVALID` (what Google answers for a bad key; the Gemini CLI names it "API key not valid").
- a spent budget: a 400 that each CLI treats as final and reports in the proxy's own words (tried with
  claude 2.1.197, codex 0.169.0, opencode 1.18.33, gemini-cli 0.61.0: one refusal, the CLI stops at once):
  Anthropic `invalid_request_error` (the shape of Anthropic's own "credit balance is too low"), OpenAI
  `invalid_request_error` / `billing_hard_limit_reached` (OpenAI's own), Gemini `FAILED_PRECONDITION`. A 429
  was tried first and is worse: opencode retries it with backoff for a minute, codex and gemini replace the
  message with their own "quota exceeded" words, and the adapters would call it a rate limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

API_KEY_HEADER = "x-api-key"
AUTHORIZATION_HEADER = "authorization"
GOOG_API_KEY_HEADER = "x-goog-api-key"
GEMINI_KEY_PARAM = "key"
BEARER = "bearer "
# Every place any supported CLI puts its key: the dummy may arrive in any; all are removed before forwarding.
CREDENTIAL_HEADERS = (API_KEY_HEADER, AUTHORIZATION_HEADER, GOOG_API_KEY_HEADER)

# Amounts to the cent: opencode retries any error whose text contains 429, 500, 502, ... (e.g. "1.5000").
BUDGET_MESSAGE = (
    "symphony-bot: the run's budget (--max-cost {limit:.2f} USD) is spent ({spent:.2f} USD); request refused"
)
AUTH_MESSAGE = "symphony-bot metering proxy: the API key is not this run's credential"
GEMINI_ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"


class ProviderName(StrEnum):
    ANTHROPIC = "anthropic"
    OPENAI = "openai"
    GEMINI = "gemini"


@dataclass(frozen=True)
class ErrorReply:
    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class Provider:
    name: ProviderName
    default_upstream: str
    # How the CLI learns that the API cannot be reached, so that it stops within a minute (tried with each CLI):
    # a reset connection, as without the proxy (claude retries any HTTP 5xx for minutes, and only a failed
    # connection reads as "unreachable"), or a 502 naming the failure (opencode's runtime reports a reset
    # connection in words no one recognises, and reads a 502's message).
    reset_when_unreachable: bool = True

    def upstream_credential(self, api_key: str) -> tuple[str, str]:
        """The header that carries the donor's key to the real API."""
        if self.name is ProviderName.ANTHROPIC:
            return API_KEY_HEADER, api_key
        if self.name is ProviderName.OPENAI:
            return AUTHORIZATION_HEADER, f"Bearer {api_key}"
        return GOOG_API_KEY_HEADER, api_key

    def auth_error(self) -> ErrorReply:
        if self.name is ProviderName.ANTHROPIC:
            return ErrorReply(401, _anthropic("authentication_error", AUTH_MESSAGE))
        if self.name is ProviderName.OPENAI:
            return ErrorReply(401, _openai(AUTH_MESSAGE, "invalid_request_error", "invalid_api_key"))
        info = {"@type": GEMINI_ERROR_INFO, "reason": "API_KEY_INVALID", "domain": "googleapis.com"}
        return ErrorReply(400, _gemini(400, f"API key not valid. {AUTH_MESSAGE}", "INVALID_ARGUMENT", [info]))

    def budget_error(self, message: str) -> ErrorReply:
        if self.name is ProviderName.ANTHROPIC:
            return ErrorReply(400, _anthropic("invalid_request_error", message))
        if self.name is ProviderName.OPENAI:
            return ErrorReply(400, _openai(message, "invalid_request_error", "billing_hard_limit_reached"))
        return ErrorReply(400, _gemini(400, message, "FAILED_PRECONDITION"))

    def request_error(self, status: int, message: str) -> ErrorReply:
        """A request the proxy will not forward (bad target, upgrade) or could not (upstream unreachable)."""
        if self.name is ProviderName.ANTHROPIC:
            kind = {404: "not_found_error", 405: "invalid_request_error"}.get(status, "invalid_request_error")
            return ErrorReply(status, _anthropic("api_error" if status >= 500 else kind, message))
        if self.name is ProviderName.OPENAI:
            return ErrorReply(status, _openai(message, "server_error" if status >= 500 else "invalid_request_error"))
        state = "UNAVAILABLE" if status >= 500 else "INVALID_ARGUMENT"
        return ErrorReply(status, _gemini(status, message, state))


def _anthropic(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


def _openai(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _gemini(status: int, message: str, state: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": status, "message": message, "status": state}
    if details:
        error["details"] = details
    return {"error": error}


PROVIDERS = {
    ProviderName.ANTHROPIC: Provider(ProviderName.ANTHROPIC, "https://api.anthropic.com"),
    ProviderName.OPENAI: Provider(ProviderName.OPENAI, "https://api.openai.com", reset_when_unreachable=False),
    ProviderName.GEMINI: Provider(ProviderName.GEMINI, "https://generativelanguage.googleapis.com"),
}


def provider(name: str | ProviderName) -> Provider:
    try:
        return PROVIDERS[ProviderName(name)]
    except ValueError:
        choices = ", ".join(p.value for p in ProviderName)
        raise ValueError(f"unknown model API {name!r}; choose one of: {choices}") from None
