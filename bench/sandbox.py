"""Sandbox start-up time and sequential REST throughput (targets: <= 0.5 s, >= 300 requests/s)."""

from __future__ import annotations

import time

import requests

START_TARGET_SECONDS = 0.5
THROUGHPUT_TARGET = 300.0
REQUESTS = 2000


def main() -> None:
    started = time.perf_counter()
    from symphony_bot.sandbox import Sandbox

    sb = Sandbox().start()
    startup = time.perf_counter() - started
    try:
        sb.add_user("bench", token="bench-token")
        sb.set_rate_limit("bench", 100_000)
        sb.create_repo("bench", "project", files={"README.md": "hello\n"})
        for number in range(20):
            sb.create_issue("bench", "project", f"issue {number}", labels=["runmaestro.ai"])
        session = requests.Session()
        session.headers["Authorization"] = "token bench-token"
        paths = [
            "/repos/bench/project",
            "/repos/bench/project/issues/1",
            "/repos/bench/project/issues?labels=runmaestro.ai&per_page=10",
            "/repos/bench/project/issues/1/comments",
        ]
        session.get(sb.api_url + paths[0]).raise_for_status()
        began = time.perf_counter()
        for index in range(REQUESTS):
            session.get(sb.api_url + paths[index % len(paths)]).raise_for_status()
        elapsed = time.perf_counter() - began
    finally:
        sb.close()
    rate = REQUESTS / elapsed
    print(
        f"start-up: {startup * 1000:.0f} ms (target <= {START_TARGET_SECONDS * 1000:.0f} ms, "
        f"ratio {startup / START_TARGET_SECONDS:.2f})"
    )
    print(
        f"sequential REST GETs (keep-alive, 4 routes): {REQUESTS} in {elapsed:.2f} s = {rate:.0f} requests/s "
        f"(target >= {THROUGHPUT_TARGET:.0f}, ratio {rate / THROUGHPUT_TARGET:.2f})"
    )


if __name__ == "__main__":
    main()
