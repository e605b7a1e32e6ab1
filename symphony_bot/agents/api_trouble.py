"""Failing fast when the model API cannot be reached or refuses the key.

Left alone, codex and opencode retry an unreachable API silently until the inactivity limit (15 minutes, three
times per document) and claude backs off for minutes. Each CLI adapter recognises its CLI's own retry and error
notices (`CliAgent.api_trouble`); `TroubleWatch` reads every output line as it comes: a refused key stops the
agent at the first notice, an unreachable API after `UNREACHABLE_NOTICES` notices in a row. The outcome carries
the CLI's own words, and the engine stops the run (`AGENT_AUTH`, `AGENT_UNREACHABLE`).

Only the CLI's own notices count: tool output (a test suite's "connection refused") travels inside the CLIs'
JSON records and is never read as one.
"""

from __future__ import annotations

import re
import threading

from symphony_bot.agents.base import Outcome

AUTH = "auth"
UNREACHABLE = "unreachable"
UNREACHABLE_NOTICES = 3
MAX_WORDS_CHARS = 500

_AUTH = re.compile(
    r"\b40[13]\b|authentication[_ ]error|invalid[ _-]?(?:x-)?api[ _-]?key|incorrect api key|api key not valid"
    r"|\bunauthenticated\b|\bunauthorized\b|permission[_ ]denied|invalid_api_key",
    re.IGNORECASE,
)
_UNREACHABLE = re.compile(
    r"ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|unable to connect|connection ?refused|connection failed"
    r"|error sending request|fetch failed|could not resolve|network is unreachable|waiting for network",
    re.IGNORECASE,
)

OUTCOMES = {AUTH: Outcome.AUTH_FAILED, UNREACHABLE: Outcome.UNREACHABLE}
KINDS = {outcome: kind for kind, outcome in OUTCOMES.items()}
REASONS = {
    AUTH: "the model API refused the key",
    UNREACHABLE: "the model API cannot be reached",
}


def classify(text: str | None) -> str | None:
    """AUTH or UNREACHABLE for a CLI's own error text, else None (a refused key wins over a network error)."""
    if not text:
        return None
    if _AUTH.search(text):
        return AUTH
    if _UNREACHABLE.search(text):
        return UNREACHABLE
    return None


class TroubleWatch:
    """Counts an agent's API-trouble notices; `found` is (outcome, the CLI's words) once the agent must stop."""

    def __init__(self, recognise: object) -> None:
        self._recognise = recognise
        self._lock = threading.Lock()
        self._unreachable_in_a_row = 0
        self.found: tuple[Outcome, str] | None = None

    def line(self, line: str, resets: bool = True) -> None:
        """Read one output line; `resets`: an ordinary line (stdout) ends a run of unreachable notices."""
        recognise = getattr(self._recognise, "api_trouble", None)
        verdict = recognise(line) if recognise is not None else None
        with self._lock:
            if self.found is not None:
                return
            if verdict is None:
                if resets and line.strip():
                    self._unreachable_in_a_row = 0
                return
            kind, words = verdict
            if kind == UNREACHABLE:
                self._unreachable_in_a_row += 1
                if self._unreachable_in_a_row < UNREACHABLE_NOTICES:
                    return
            self.found = (OUTCOMES[kind], words[:MAX_WORDS_CHARS])
