"""GitHub's GraphQL static limits, computed before a query runs (pure: a parsed document in, figures out).

GitHub checks every query before executing it (github-semantics.md §1.4):

* every connection needs `first` or `last`, between 0 and 100;
* a query may ask for at most 500,000 nodes: each connection contributes its page size multiplied by the page
  sizes of the connections above it;
* the cost in points: for each connection, the number of requests needed to fill it (the product of the page
  sizes of the connections above it), summed, divided by 100 and rounded, at least 1. A mutation costs 1.

Fields are merged by response key first (as execution does), so the same connection selected through two
fragments is counted once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInt,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_input_type,
    type_from_ast,
    value_from_ast,
)

MAX_PAGE_SIZE = 100
MAX_NODES = 500_000
POINTS_DIVISOR = 100
MUTATION_POINTS = 1
# Mutations weigh more against the secondary limit than queries (github-semantics.md §1.2).
MUTATION_SECONDARY_POINTS = 5
QUERY_SECONDARY_POINTS = 1

CONNECTION_SUFFIX = "Connection"

MISSING_PAGINATION_BOUNDARIES = "MISSING_PAGINATION_BOUNDARIES"
EXCESSIVE_PAGINATION = "EXCESSIVE_PAGINATION"
MAX_NODE_LIMIT_EXCEEDED = "MAX_NODE_LIMIT_EXCEEDED"

MISSING_BOUNDARY_MESSAGE = "You must provide a `first` or `last` value to properly paginate the `{field}` connection."
BOTH_BOUNDARIES_MESSAGE = "Passing both `first` and `last` to paginate the `{field}` connection is not supported."
EXCESSIVE_MESSAGE = (
    "Requesting {count} records on the `{field}` connection exceeds the `{argument}` limit of {limit} records."
)
NEGATIVE_MESSAGE = "`{argument}` on the `{field}` connection cannot be less than zero."
NODE_LIMIT_MESSAGE = (
    "By the time this query traverses to the {field} connection, it is requesting up to {count:,} possible nodes "
    "which exceeds the maximum limit of {limit:,}."
)


@dataclass(frozen=True)
class LimitProblem:
    """A static-limit violation, worded as GitHub words it, with where it happened."""

    kind: str
    message: str
    path: tuple[str, ...]
    line: int
    column: int


@dataclass
class QueryCost:
    """What GitHub's static analysis says about one operation."""

    requests: int = 0
    node_count: int = 0
    is_mutation: bool = False
    problems: list[LimitProblem] = field(default_factory=list)

    @property
    def points(self) -> int:
        """Rate-limit points charged: the request count / 100, rounded half up, at least 1; mutations cost 1."""
        if self.is_mutation:
            return MUTATION_POINTS
        return max(1, (self.requests + POINTS_DIVISOR // 2) // POINTS_DIVISOR)

    @property
    def secondary_points(self) -> int:
        return MUTATION_SECONDARY_POINTS if self.is_mutation else QUERY_SECONDARY_POINTS


def analyse(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> QueryCost:
    """Cost, node count and pagination problems of one validated operation."""
    walker = _Walker(schema, fragments, _with_defaults(schema, operation, variables))
    cost = QueryCost(is_mutation=operation.operation == OperationType.MUTATION)
    root = schema.get_root_type(operation.operation)
    if root is not None:
        walker.walk(root, [operation.selection_set], multiplier=1, path=(), cost=cost)
    return cost


def _with_defaults(
    schema: GraphQLSchema, operation: OperationDefinitionNode, variables: Mapping[str, Any]
) -> dict[str, Any]:
    values = dict(variables)
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        variable_type = type_from_ast(schema, definition.type)
        if name not in values and definition.default_value is not None and is_input_type(variable_type):
            values[name] = value_from_ast(definition.default_value, variable_type)
    return values


class _Walker:
    def __init__(
        self, schema: GraphQLSchema, fragments: Mapping[str, FragmentDefinitionNode], variables: dict[str, Any]
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def walk(
        self,
        parent_type: Any,
        selection_sets: list[SelectionSetNode],
        multiplier: int,
        path: tuple[str, ...],
        cost: QueryCost,
    ) -> None:
        for response_key, (owner_type, nodes) in self._collect(parent_type, selection_sets, set()).items():
            first = nodes[0]
            definition = getattr(owner_type, "fields", {}).get(first.name.value)
            if definition is None:  # __typename and other introspection fields
                continue
            child_type = get_named_type(definition.type)
            child_sets = [node.selection_set for node in nodes if node.selection_set is not None]
            child_path = (*path, response_key)
            child_multiplier = multiplier
            if child_type.name.endswith(CONNECTION_SUFFIX):
                page_size = self._page_size(first, child_path, cost)
                cost.requests += multiplier
                cost.node_count += multiplier * page_size
                child_multiplier = multiplier * max(page_size, 1)
                already_flagged = any(p.kind == MAX_NODE_LIMIT_EXCEEDED for p in cost.problems)
                if cost.node_count > MAX_NODES and not already_flagged:
                    message = NODE_LIMIT_MESSAGE.format(field=first.name.value, count=cost.node_count, limit=MAX_NODES)
                    cost.problems.append(LimitProblem(MAX_NODE_LIMIT_EXCEEDED, message, child_path, *_location(first)))
            if child_sets:
                self.walk(child_type, child_sets, child_multiplier, child_path, cost)

    def _collect(
        self, parent_type: Any, selection_sets: list[SelectionSetNode], seen_fragments: set[str]
    ) -> dict[str, tuple[Any, list[FieldNode]]]:
        """Fields by response key, each with the type that defines it (a fragment may narrow the type)."""
        collected: dict[str, tuple[Any, list[FieldNode]]] = {}
        for selection_set in selection_sets:
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    key = selection.alias.value if selection.alias else selection.name.value
                    owner = collected.get(key, (parent_type, []))[0]
                    if not _defines(owner, selection.name.value):
                        owner = parent_type
                    collected.setdefault(key, (owner, []))[1].append(selection)
                    continue
                if isinstance(selection, InlineFragmentNode):
                    fragment_type, inner = selection.type_condition, selection.selection_set
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    definition = self.fragments.get(name)
                    if definition is None or name in seen_fragments:
                        continue
                    seen_fragments = {*seen_fragments, name}
                    fragment_type, inner = definition.type_condition, definition.selection_set
                else:  # pragma: no cover - the three selection kinds are exhaustive
                    continue
                narrowed = self.schema.get_type(fragment_type.name.value) if fragment_type else parent_type
                for key, (owner, nodes) in self._collect(narrowed, [inner], seen_fragments).items():
                    collected.setdefault(key, (owner, []))[1].extend(nodes)
        return collected

    def _page_size(self, node: FieldNode, path: tuple[str, ...], cost: QueryCost) -> int:
        arguments = {argument.name.value: argument.value for argument in node.arguments or ()}
        values = {name: value_from_ast(value, GraphQLInt, self.variables) for name, value in arguments.items()}
        given = {name: values[name] for name in ("first", "last") if isinstance(values.get(name), int)}
        field_name = node.name.value
        line, column = _location(node)

        def problem(kind: str, message: str) -> int:
            cost.problems.append(LimitProblem(kind, message, path, line, column))
            return MAX_PAGE_SIZE

        if not given:
            return problem(MISSING_PAGINATION_BOUNDARIES, MISSING_BOUNDARY_MESSAGE.format(field=field_name))
        if len(given) == 2:
            return problem(MISSING_PAGINATION_BOUNDARIES, BOTH_BOUNDARIES_MESSAGE.format(field=field_name))
        argument, count = next(iter(given.items()))
        count = int(count)
        if count < 0:
            return problem(EXCESSIVE_PAGINATION, NEGATIVE_MESSAGE.format(argument=argument, field=field_name))
        if count > MAX_PAGE_SIZE:
            return problem(
                EXCESSIVE_PAGINATION,
                EXCESSIVE_MESSAGE.format(count=count, field=field_name, argument=argument, limit=MAX_PAGE_SIZE),
            )
        return count


def _defines(graphql_type: Any, field_name: str) -> bool:
    return field_name in getattr(graphql_type, "fields", {})


def _location(node: FieldNode) -> tuple[int, int]:
    if node.loc is None:
        return 0, 0
    location = node.loc.source.get_location(node.loc.start)
    return location.line, location.column
