"""GitHub's published REST description (npm @octokit/openapi, pinned) as a response-body checker.

`GitHubOpenAPI.operation_for(method, path)` finds the operation a concrete request hits by matching the spec's
path templates (the most literal template wins, as a router would choose), so no hand-kept route table can
drift. `body_errors(operation_id, status, body)` validates a body against that operation's documented response
for the status, with OpenAPI 3.0 `nullable` understood (openapi-schema-validator's OAS30Validator).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator, oas30_format_checker

SPEC_PATH = Path("@octokit") / "openapi" / "generated" / "api.github.com.json"
_HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
_SLASHED_PARAMETERS = frozenset({"ref", "branch", "path", "basehead"})
_JSON_CONTENT = ("application/json", "application/vnd.github.v3+json", "application/scim+json")


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    template: str
    responses: dict[str, Any]
    documentation_url: str | None = None


def _template_regex(template: str) -> str:
    """`/repos/{owner}/{repo}/git/ref/{ref}` -> a regex; git refs, branch names and paths may contain '/'."""
    parts = re.split(r"(\{[^}]+\})", template)
    return "".join(
        (".+" if part[1:-1] in _SLASHED_PARAMETERS else "[^/]+") if part.startswith("{") else re.escape(part)
        for part in parts
    )


def _say_what_github_means(node: Any) -> None:
    """Two spots where a strict reading of GitHub's description rejects what GitHub itself sends; fixed in place.

    * `nullable: true` beside an `enum` without null: GitHub means "or null" (open issues really send
      `state_reason: null`), while OAS 3.0.3 would want null in the enum.
    * a `discriminator` on a `oneOf` whose alternatives include an array (repos/get-content: a directory is a
      list): discriminators only work on objects, so the validator refuses every directory listing. Without
      it, `oneOf` still demands exactly one matching alternative.
    """
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            enum = current.get("enum")
            if current.get("nullable") is True and isinstance(enum, list) and None not in enum:
                enum.append(None)
            if isinstance(current.get("discriminator"), dict) and "propertyName" in current["discriminator"]:
                del current["discriminator"]
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)


class GitHubOpenAPI:
    """The spec, its operations by id, and a router from concrete (method, path) to an operation."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        _say_what_github_means(spec)
        self.components: dict[str, Any] = spec["components"]
        self.operations: dict[str, Operation] = {}
        routes: list[tuple[int, int, re.Pattern[str], Operation]] = []
        for template, item in spec["paths"].items():
            pattern = re.compile("^" + _template_regex(template) + "/?$")
            literal_segments = sum(1 for part in template.split("/") if part and not part.startswith("{"))
            for method in _HTTP_METHODS:
                operation = item.get(method)
                if isinstance(operation, dict) and "operationId" in operation:
                    found = Operation(
                        operation["operationId"],
                        method.upper(),
                        template,
                        operation["responses"],
                        operation.get("externalDocs", {}).get("url"),
                    )
                    self.operations[found.operation_id] = found
                    routes.append((literal_segments, -template.count("{"), pattern, found))
        # More literal segments first: /issues/comments/{id} must beat /issues/{issue_number}.
        routes.sort(key=lambda route: (route[0], route[1]), reverse=True)
        self._routes = routes

    @classmethod
    def load(cls, npm_modules: Path) -> GitHubOpenAPI:
        path = npm_modules / SPEC_PATH
        if not path.is_file():
            raise RuntimeError(f"{path} is missing: run `make setup` (npm install --prefix tests/npm)")
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def operation_for(self, method: str, path: str) -> Operation | None:
        for _literal, _params, pattern, operation in self._routes:
            if operation.method == method.upper() and pattern.match(path):
                return operation
        return None

    def response_schema(self, operation_id: str, status: int) -> dict[str, Any] | None:
        """The JSON schema documented for this status, or None when the status is not documented."""
        response = self.operations[operation_id].responses.get(str(status))
        if response is None:
            return None
        if "$ref" in response:
            response = self.components["responses"][response["$ref"].rsplit("/", 1)[-1]]
        content = response.get("content") or {}
        for media_type in _JSON_CONTENT:
            if media_type in content and "schema" in content[media_type]:
                schema: dict[str, Any] = content[media_type]["schema"]
                return schema
        return {}  # documented without a body (204, 304, 301...)

    def documented_statuses(self, operation_id: str) -> set[int]:
        return {int(status) for status in self.operations[operation_id].responses if status.isdigit()}

    def body_errors(self, operation_id: str, status: int, body: Any) -> list[str]:
        """Why `body` is not what GitHub documents for this operation and status (empty: it conforms)."""
        schema = self.response_schema(operation_id, status)
        if schema is None:
            documented = sorted(self.documented_statuses(operation_id))
            return [f"{operation_id}: status {status} is not documented (documented: {documented})"]
        if not schema and status >= 400:
            # Documented without content (e.g. check-if-merged's 404), yet GitHub's error bodies are
            # always `basic-error` JSON; an empty body is fine too.
            return [] if body in (None, "", b"") else self.basic_error_problems(body, f"{operation_id} {status}")
        if not schema:
            return [] if body in (None, "", b"") else [f"{operation_id} {status}: GitHub documents no body"]
        validator = OAS30Validator({**schema, "components": self.components}, format_checker=oas30_format_checker)
        return [
            f"{operation_id} {status} {error.json_path}: {error.message[:300]}"
            for error in sorted(validator.iter_errors(body), key=lambda error: error.json_path)
        ]

    def basic_error_problems(self, body: Any, where: str) -> list[str]:
        """GitHub's generic error body: `basic-error`, and a `message` in it."""
        validator = OAS30Validator(
            {"$ref": "#/components/schemas/basic-error", "components": self.components},
            format_checker=oas30_format_checker,
        )
        problems = [f"{where} {error.json_path}: {error.message[:300]}" for error in validator.iter_errors(body)]
        if not isinstance(body, dict) or not isinstance(body.get("message"), str):
            problems.append(f"{where}: no `message` in {body!r:.200}")
        return problems
