"""GitHub's `users` operations (the authenticated user, a user by login) and `rate-limit/get`."""

from __future__ import annotations

from symphony_bot.sandbox import rest_render as render
from symphony_bot.sandbox.rest.context import (
    Context,
    Reply,
)


def get_authenticated_user(context: Context) -> Reply:
    user = context.state.require_user(context.actor())
    return Reply(200, render.full_user_json(context.urls, context.state, user, private=True))


def get_user(context: Context) -> Reply:
    user = context.state.require_user(context.params["username"])
    return Reply(200, render.full_user_json(context.urls, context.state, user, private=False))


def get_rate_limit(context: Context) -> Reply:
    limits = context.state.rate_limits
    resources = {}
    for resource in ("core", "search", "graphql"):
        budget = limits.status(context.login, resource)
        resources[resource] = {
            "limit": budget.limit,
            "remaining": max(budget.limit - budget.used, 0),
            "reset": budget.reset_at,
            "used": budget.used,
        }
    return Reply(200, {"resources": resources, "rate": resources["core"]})
