"""GitHub's GraphQL endpoint as GitHub answers it, for the fake GitHub.

Every document is parsed and validated against the part of GitHub's published schema that
mltrends uses (`tests/contracts/github/schema.graphql`, bundled into the wheel as
`github_schema.graphql`), then executed over resolver objects. A document that breaks the
spec gets what GitHub gives: HTTP 200 with `errors` (message and locations) and no `data`.
A resolver that raises `GitHubError` yields GitHub's error entry: `type`, `path`,
`locations`, `message`, with the field set to null.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    execute,
    parse,
    validate,
)

BUNDLED_SCHEMA = "github_schema.graphql"
REPO_SCHEMA = Path("tests") / "contracts" / "github" / "schema.graphql"


class GitHubError(Exception):
    """An error GitHub reports per field (NOT_FOUND, FORBIDDEN, ...)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def schema_text() -> str:
    """The schema subset: bundled in an installed wheel, else read from the checkout."""
    bundled = resources.files("mltrends.demo").joinpath(BUNDLED_SCHEMA)
    if bundled.is_file():
        return bundled.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parents[3] / REPO_SCHEMA).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def github_schema() -> GraphQLSchema:
    return build_schema(schema_text())


def _error_entry(err: GraphQLError) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    original = err.original_error
    if isinstance(original, GitHubError):
        entry["type"] = original.kind
    if err.path:
        entry["path"] = list(err.path)
    if err.locations:
        entry["locations"] = [{"line": loc.line, "column": loc.column} for loc in err.locations]
    entry["message"] = err.message
    return entry


def check(query: str) -> tuple[DocumentNode | None, list[dict[str, Any]]]:
    """Parse and validate a document: (document, []) or (None, GitHub-style error entries)."""
    try:
        document = parse(query)
    except GraphQLError as exc:
        return None, [_error_entry(exc)]
    errors = validate(github_schema(), document)
    return (None, [_error_entry(e) for e in errors]) if errors else (document, [])


def top_level_fields(document: DocumentNode, name: str) -> int:
    """How many root fields of the operation select `name` (e.g. aliased repositories)."""
    count = 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            count += sum(1 for sel in definition.selection_set.selections
                         if isinstance(sel, FieldNode) and sel.name.value == name)
    return count


def run(document: DocumentNode, root: Any, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """Execute a validated document over root; the response body GitHub would send."""
    result = execute(github_schema(), document, root_value=root, variable_values=variables)
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [_error_entry(e) for e in result.errors]
    return body
