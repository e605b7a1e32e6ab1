"""The sandbox's REST API: GitHub's paths, operation ids, parameters, status codes and error bodies.

One module per GitHub operation tag (`users`, `repos`, `git`, `issues`, `reactions`, `pulls`, `search`), one
routing table (`routes.ROUTES`), and the request `context` every handler works with. Handlers return a `Reply`
(status, JSON body, extra headers) or raise `SandboxError` (turned into GitHub's error body by the server) or
`Moved` (301/307 to a renamed repository). Auth, faults, rate limits, ETags and the request log are the server's.
"""

from __future__ import annotations

from symphony_bot.sandbox.app_permissions import check as check_app_permission
from symphony_bot.sandbox.rest.context import MESSAGE_MOVED, Context, Moved, Reply
from symphony_bot.sandbox.rest.routes import ROUTES, Route, match, paths_for

__all__ = [
    "MESSAGE_MOVED",
    "ROUTES",
    "Context",
    "Moved",
    "Reply",
    "Route",
    "check_app_permission",
    "match",
    "paths_for",
]
