"""Conformance: the sandbox checked against GitHub's own published descriptions (OpenAPI, GraphQL, fixtures)."""
