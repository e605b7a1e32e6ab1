"""A local GitHub-compatible server (REST + GraphQL), a git smart-HTTP remote and a scripted model server.

`Sandbox` (python_api.py) is the Python API tests, benchmarks and the demo use::

    with Sandbox() as sb:
        sb.add_user("alice", token="alice-token")
        sb.create_repo("alice", "project", files={"README.md": "hi\\n"})
        Github(base_url=sb.api_url, auth=Auth.Token("alice-token"), retry=None, seconds_between_writes=0)

Heavy modules are imported by `Sandbox` itself, so importing this package stays cheap. Where things live:
`state/` (the in-memory GitHub, one store per resource), `rest/` (REST routes, one module per operation tag,
one routing table), `graphql_*` (GraphQL execution, resolvers, mutations, cost), `server*.py` (the HTTP pipeline),
`git_remote.py` (bare repositories and git smart HTTP), `faults.py` (injected failures, budgets, request log).
"""

from __future__ import annotations

from symphony_bot.sandbox.python_api import Sandbox

__all__ = ["Sandbox"]
