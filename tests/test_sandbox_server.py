"""server.py: the request pipeline's HTTP semantics (conditional requests) as clients see them."""

from __future__ import annotations

import email.utils

import requests

from tests.sandbox_helpers import OWNER, REPO, TOKENS

AUTH = {"Authorization": f"token {TOKENS['maintainer']}"}


def test_single_objects_carry_last_modified_and_if_modified_since_gets_a_free_304(sb):
    sb.create_issue(OWNER, REPO, "x")
    sb.comment(OWNER, REPO, 1, "hello")
    comment_id = sb.comments(OWNER, REPO, 1)[0].id
    for path in ("", "/issues/1", f"/issues/comments/{comment_id}"):
        url = f"{sb.api_url}/repos/{OWNER}/{REPO}{path}"
        first = requests.get(url, headers=AUTH, timeout=5)
        stamp = first.headers["Last-Modified"]
        assert email.utils.parsedate_to_datetime(stamp).tzinfo is not None, stamp
        again = requests.get(url, headers={**AUTH, "If-Modified-Since": stamp}, timeout=5)
        assert again.status_code == 304 and again.content == b"", path
        assert again.headers["x-ratelimit-used"] == first.headers["x-ratelimit-used"]  # free, as on GitHub
        older = requests.get(url, headers={**AUTH, "If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}, timeout=5)
        assert older.status_code == 200, path
    listing = requests.get(f"{sb.api_url}/repos/{OWNER}/{REPO}/issues", headers=AUTH, timeout=5)
    assert "Last-Modified" not in listing.headers
