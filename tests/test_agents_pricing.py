import pytest

from symphony_bot.agents.base import Usage
from symphony_bot.agents.pricing import estimate, price_for


def test_models_map_to_their_family_and_unknown_models_are_never_free() -> None:
    assert price_for("gpt-5-mini-2025-08-07", "codex") == (0.25, 2.0, 0.025)
    assert price_for("gpt-5.1-codex", "codex") == (1.25, 10.0, 0.125)
    assert price_for("anthropic/claude-haiku-4-5", "opencode")[0] == 1.0
    assert price_for("claude-opus-4-1-20250805", "claude")[0] == 15.0
    assert price_for("mystery", "gemini") == price_for("gemini-2.5-pro", "gemini")


def test_estimate_is_flagged() -> None:
    usage = estimate(
        Usage(input_tokens=1_000_000, output_tokens=100_000, cache_read_tokens=1_000_000), "gpt-5", "codex"
    )
    assert usage.cost_is_estimate
    assert usage.cost_usd == pytest.approx(1.25 + 1.0 + 0.125)
