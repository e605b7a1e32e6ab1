"""What the registry tests share: a valid entry, registries built from entries, and the mutations and hostile
values the property tests draw from."""

import copy
import datetime as dt
import json
from pathlib import Path

from hypothesis import strategies as st

from symphony_bot.registry.validate import validate_bytes

NOW = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
REPO_ROOT = Path(__file__).resolve().parent.parent

ENTRY = {
    "slug": "octo/hello",
    "name": "Hello",
    "description": "A small project.",
    "url": "https://github.com/octo/hello",
    "category": "developer-tools",
    "tags": ["python", "cli"],
    "maintainer": {"name": "Octo Cat", "url": "https://github.com/octo"},
    "isActive": True,
    "featured": False,
    "addedAt": "2026-01-02",
}


def registry_with(*entries, last_updated="2026-05-09T00:00:00Z"):
    return {"schemaVersion": "1.0", "lastUpdated": last_updated, "repositories": list(entries)}


def entry(**changes):
    value = copy.deepcopy(ENTRY)
    for key, new in changes.items():
        if new is None:
            value.pop(key, None)
        else:
            value[key] = new
    return value


def check(data, now=NOW):
    return validate_bytes(json.dumps(data, indent=2).encode(), now=now)


def codes(report):
    return [(f.severity.value, f.code) for f in report.findings]


mutations = st.sampled_from(
    [
        lambda e, v: e.update(slug=v),
        lambda e, v: e.update(url=v),
        lambda e, v: e.update(category=v),
        lambda e, v: e.update(addedAt=v),
        lambda e, v: e.update(tags=[v, v]),
        lambda e, v: e.update(maintainer=v),
        lambda e, v: e.update(isActive=v),
        lambda e, v: e.pop("name", None),
        lambda e, v: e.update({str(v): v}),
    ]
)
hostile = st.sampled_from(
    [
        "\ud800",  # written as a lone surrogate escape
        "\x1b[31m\n::error::injected",
        float("nan"),
        float("inf"),
        "x" * 5000,
        json.loads("[" * 300 + "]" * 300),  # deeper than the schema validator takes
        {"name": {"nested": [1]}},
    ]
)
values = st.one_of(
    st.text(max_size=30),
    st.integers(),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
    hostile,
)
