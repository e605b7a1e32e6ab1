import pytest

from symphony_bot.agents.base import Usage
from symphony_bot.agents.pricing import (
    PRICES,
    estimate_cost,
    is_priced,
    normalise_model,
    price_for,
    with_estimated_cost,
)


def test_model_ids_are_normalised() -> None:
    assert normalise_model("anthropic/claude-sonnet-4-5-20250929[1m]") == "claude-sonnet-4-5"
    assert normalise_model("gpt-5-mini-2025-08-07") == "gpt-5-mini"


def test_models_map_to_their_entry_or_family_and_unknown_models_are_never_free() -> None:
    assert price_for("gpt-5.1-codex")[0] == "gpt-5.1-codex"
    assert price_for("gpt-5.1-codex-mini-2026")[0] == "gpt-5.1-codex-mini"
    assert price_for("claude-opus-4-1-20250805")[1].input == 15.0
    assert price_for("claude-opus-9")[0] == "claude-opus-4-8"
    assert price_for("gemini-9-flash")[0] == "gemini-2.5-flash"
    assert price_for("mystery-model")[1].input > 0 and price_for(None)[1].output > 0


def test_every_price_is_positive_and_cache_reads_are_cheaper_than_input() -> None:
    for name, price in PRICES.items():
        assert 0 < price.cache_read < price.input <= price.cache_write < price.output * 1.5, name


def test_estimate_charges_each_kind_of_token_and_is_flagged() -> None:
    usage = Usage(input_tokens=1_000_000, output_tokens=100_000, cache_read_tokens=1_000_000, cache_write_tokens=0)
    assert estimate_cost(usage, "gpt-5") == pytest.approx(1.25 + 1.0 + 0.125)
    anthropic = Usage(input_tokens=0, cache_write_tokens=1_000_000)
    assert estimate_cost(anthropic, "claude-sonnet-4-5") == pytest.approx(3.75)
    flagged = with_estimated_cost(usage, "gpt-5")
    assert flagged.cost_is_estimate and flagged.input_tokens == usage.input_tokens


def test_an_estimate_names_the_model_it_could_not_price() -> None:
    assert is_priced("gpt-5.1-codex") and is_priced("claude-sonnet-4-5-20250929")
    assert not is_priced("gpt-6.1-sol") and not is_priced(None)
    assert with_estimated_cost(Usage(100, 10), "gpt-5.1-codex").unpriced_model is None
    assert with_estimated_cost(Usage(100, 10), "gpt-6.1-sol").unpriced_model == "gpt-6.1-sol"
    assert with_estimated_cost(Usage(100, 10), None).unpriced_model  # the CLI's default, unnamed
    assert (Usage() + Usage(unpriced_model="x")).unpriced_model == "x"
