"""GitHub's `reactions` operations on issues and issue comments."""

from __future__ import annotations

from symphony_bot.sandbox import rest_render_issues as render_issues
from symphony_bot.sandbox.rest.context import (
    Context,
    Reply,
    page_reply,
    text_field,
)


def list_comment_reactions(context: Context) -> Reply:
    repo = context.repo()
    comment = context.state.comment(repo, context.number("comment_id"))
    content = context.arg("content")
    reactions = [reaction for reaction in comment.reactions if not content or reaction.content == content]
    return page_reply(context, reactions, lambda item: render_issues.reaction_json(context.urls, context.state, item))


def create_comment_reaction(context: Context) -> Reply:
    repo = context.repo()
    comment = context.state.comment(repo, context.number("comment_id"))
    content = text_field(context.body_object(), "content", "Reaction", required=True) or ""
    reaction, created = context.state.add_reaction(repo, comment, content, context.actor())
    return Reply(201 if created else 200, render_issues.reaction_json(context.urls, context.state, reaction))


def list_issue_reactions(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    content = context.arg("content")
    reactions = [reaction for reaction in issue.reactions if not content or reaction.content == content]
    return page_reply(context, reactions, lambda item: render_issues.reaction_json(context.urls, context.state, item))


def create_issue_reaction(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    content = text_field(context.body_object(), "content", "Reaction", required=True) or ""
    reaction, created = context.state.add_reaction(repo, issue, content, context.actor())
    return Reply(201 if created else 200, render_issues.reaction_json(context.urls, context.state, reaction))


def delete_issue_reaction(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    context.state.delete_reaction(repo, issue, context.number("reaction_id"), context.actor())
    return Reply(204, None)


def delete_comment_reaction(context: Context) -> Reply:
    repo = context.repo()
    comment = context.state.comment(repo, context.number("comment_id"))
    context.state.delete_reaction(repo, comment, context.number("reaction_id"), context.actor())
    return Reply(204, None)
