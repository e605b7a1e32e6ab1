"""GitHub's published GraphQL schema (npm @octokit/graphql-schema, pinned), for validating the queries we send.

Other tests import this: every GraphQL document the bot sends must pass `assert_valid_github_query`, so a typo,
an invented field or a wrong argument type fails in CI instead of on GitHub.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    is_required_argument,
    is_required_input_field,
    parse,
    print_ast,
    validate,
)
from graphql.error import GraphQLSyntaxError

NPM_MODULES = Path(__file__).resolve().parents[1] / "npm" / "node_modules"
GITHUB_SCHEMA_SDL = NPM_MODULES / "@octokit" / "graphql-schema" / "schema.graphql"
_BUILTIN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})


@functools.cache
def github_schema() -> GraphQLSchema:
    """GitHub's schema, built once per test session (~0.7 s).

    The published SDL defines some fields twice and breaks a graphql-core 3.3 deprecation rule, so it must be
    built with both `assume_valid` flags (toolchain.md §4).
    """
    if not GITHUB_SCHEMA_SDL.is_file():
        raise RuntimeError(f"{GITHUB_SCHEMA_SDL} is missing: run `make setup` (npm ci --prefix tests/npm)")
    return build_schema(GITHUB_SCHEMA_SDL.read_text(encoding="utf-8"), assume_valid_sdl=True, assume_valid=True)


def github_query_errors(query: str) -> list[str]:
    """The messages GitHub's schema gives for `query` (empty when it is valid)."""
    try:
        document = parse(query)
    except GraphQLSyntaxError as error:
        return [error.message]
    return [error.message for error in validate(github_schema(), document)]


def assert_valid_github_query(query: str) -> None:
    """Fail with GitHub's own validation messages when `query` would be rejected by api.github.com."""
    errors = github_query_errors(query)
    assert not errors, "query is not valid against GitHub's schema:\n  " + "\n  ".join(errors) + "\n" + query


def _default_text(argument: Any) -> str | None:
    """An argument's or input field's default as SDL text (both schemas are built from SDL, so the AST is there)."""
    node = getattr(argument, "ast_node", None)
    if node is None or node.default_value is None:
        return None
    return print_ast(node.default_value)


def schema_differences(ours: GraphQLSchema, github: GraphQLSchema) -> list[str]:
    """Every place where `ours` is not a faithful subset of `github`, one readable line each.

    Faithful means: each named type exists there with the same kind; each field and argument exists with the same
    type string (names and nullability) and the same default; each enum value and union member exists; each
    interface a type implements is implemented there too; and every argument or input field GitHub requires is
    present here (otherwise a query valid here could be invalid there).
    """
    problems: list[str] = []
    for name, our_type in ours.type_map.items():
        if name.startswith("__") or name in _BUILTIN_SCALARS:
            continue
        their_type = github.type_map.get(name)
        if their_type is None:
            problems.append(f"type {name}: not in GitHub's schema")
            continue
        if type(our_type) is not type(their_type):
            problems.append(f"type {name}: {type(our_type).__name__} here, {type(their_type).__name__} on GitHub")
            continue
        if isinstance(our_type, GraphQLEnumType):
            problems.extend(
                f"enum {name}: value {value} not on GitHub"
                for value in our_type.values
                if value not in their_type.values
            )
        elif isinstance(our_type, GraphQLUnionType):
            their_members = {member.name for member in their_type.types}  # type: ignore[attr-defined]
            problems.extend(
                f"union {name}: member {m.name} not on GitHub" for m in our_type.types if m.name not in their_members
            )
        elif isinstance(our_type, (GraphQLObjectType, GraphQLInterfaceType)):
            their_interfaces = {i.name for i in their_type.interfaces}  # type: ignore[attr-defined]
            problems.extend(
                f"type {name}: implements {i.name} here, not on GitHub"
                for i in our_type.interfaces
                if i.name not in their_interfaces
            )
            problems.extend(_field_differences(name, our_type.fields, their_type.fields))  # type: ignore[attr-defined]
        elif isinstance(our_type, GraphQLInputObjectType):
            problems.extend(_input_differences(name, our_type.fields, their_type.fields))  # type: ignore[attr-defined]
    for root in ("query_type", "mutation_type", "subscription_type"):
        our_root, their_root = getattr(ours, root), getattr(github, root)
        if our_root is not None and (their_root is None or our_root.name != their_root.name):
            problems.append(f"schema {root}: {our_root.name} here, {their_root and their_root.name} on GitHub")
    return problems


def _field_differences(type_name: str, ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    for field_name, field in ours.items():
        where = f"{type_name}.{field_name}"
        their_field = theirs.get(field_name)
        if their_field is None:
            problems.append(f"field {where}: not on GitHub")
            continue
        if str(field.type) != str(their_field.type):
            problems.append(f"field {where}: type {field.type} here, {their_field.type} on GitHub")
        problems.extend(_argument_differences(where, field.args, their_field.args))
    return problems


def _argument_differences(where: str, ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    for arg_name, argument in ours.items():
        their_argument = theirs.get(arg_name)
        if their_argument is None:
            problems.append(f"argument {where}({arg_name}): not on GitHub")
            continue
        if str(argument.type) != str(their_argument.type):
            problems.append(f"argument {where}({arg_name}): type {argument.type} here, {their_argument.type} on GitHub")
        if _default_text(argument) != _default_text(their_argument):
            problems.append(
                f"argument {where}({arg_name}): default {_default_text(argument)} here, "
                f"{_default_text(their_argument)} on GitHub"
            )
    problems.extend(
        f"argument {where}({arg_name}): required on GitHub, missing here"
        for arg_name, their_argument in theirs.items()
        if is_required_argument(their_argument) and arg_name not in ours
    )
    return problems


def _input_differences(type_name: str, ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    for field_name, field in ours.items():
        where = f"input {type_name}.{field_name}"
        their_field = theirs.get(field_name)
        if their_field is None:
            problems.append(f"{where}: not on GitHub")
            continue
        if str(field.type) != str(their_field.type):
            problems.append(f"{where}: type {field.type} here, {their_field.type} on GitHub")
        if _default_text(field) != _default_text(their_field):
            problems.append(f"{where}: default {_default_text(field)} here, {_default_text(their_field)} on GitHub")
    problems.extend(
        f"input {type_name}.{field_name}: required on GitHub, missing here"
        for field_name, their_field in theirs.items()
        if is_required_input_field(their_field) and field_name not in ours
    )
    return problems
