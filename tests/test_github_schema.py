"""Every GraphQL document mltrends can send is valid under GitHub's published schema.

The schema subset lives in tests/contracts/github/schema.graphql (origin in its header); the
fake GitHub validates every incoming document against the same file, and where the full
published schema is at hand (../shared/reference, not part of a clone) the subset is
checked against it field by field.
"""

from __future__ import annotations

import functools

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    build_schema,
    parse,
    validate,
)

from mltrends import http
from mltrends.sources.github import graphql as github_graphql
from mltrends.sources.github.client import GitHubClient
from mltrends_demo import graphql_standin
from mltrends_demo.github import FakeGitHub
from mltrends_demo.localserver import LocalServer
from shapes import reference_file

TOKEN = "t" * 12

REPOS = ["facebookresearch/detr", "o'brien/repo-with.dots_and-dashes", 'quote"in/name', "a/b"]


def every_document() -> dict[str, str]:
    """Each query shape the code builds: batches of 1 and 100, org pages with and without a cursor."""
    hundred = [f"owner{i}/repo{i}" for i in range(100)]
    return {
        "batch of 1": github_graphql.batch_query(REPOS[:1]),
        "batch with odd names": github_graphql.batch_query(REPOS),
        "batch of 100": github_graphql.batch_query(hundred),
        "org first page": github_graphql.org_query("pytorch", None),
        "org next page": github_graphql.org_query("pytorch", "Y3Vyc29yOnYyOpHOAAw=", page_size=50),
    }


@pytest.mark.parametrize("name", list(every_document()))
def test_every_document_is_valid_under_the_schema_subset(name):
    errors = validate(graphql_standin.github_schema(), parse(every_document()[name]))
    assert [e.message for e in errors] == []


def test_the_unaliased_owner_email_is_refused():
    """The document the client used to send: both owner types select `email` unaliased."""
    bad = github_graphql.batch_query(["a/b"]).replace("orgEmail: email", "email").replace("userEmail: email", "email")
    messages = [e.message for e in validate(graphql_standin.github_schema(), parse(bad))]
    assert any("'email' conflict" in m and "'String' and 'String!'" in m for m in messages), messages


@functools.cache
def _full_schema():
    path = reference_file("github-graphql/schema.graphql")
    # GitHub's SDL trips two of graphql-core's own SDL checks (a field defined twice in one
    # extension, deprecations on interface fields); neither concerns the types compared here.
    schema = build_schema(path.read_text(encoding="utf-8"), assume_valid_sdl=True)
    schema._validation_errors = []
    return schema


def test_subset_agrees_with_the_published_schema():
    full = _full_schema()
    subset = graphql_standin.github_schema()
    problems = []
    for name, typ in subset.type_map.items():
        if name.startswith("__") or name in ("String", "Int", "Boolean", "ID", "Float"):
            continue
        other = full.type_map.get(name)
        if other is None or type(other) is not type(typ):
            problems.append(f"{name}: {type(typ).__name__} here, {type(other).__name__} published")
            continue
        if isinstance(typ, GraphQLEnumType):
            problems += [f"{name}.{v}: no such value" for v in typ.values if v not in other.values]
        if isinstance(typ, GraphQLObjectType | GraphQLInterfaceType):
            problems += [f"{name} implements {i.name}: not published"
                         for i in typ.interfaces if i.name not in {j.name for j in other.interfaces}]
        if isinstance(typ, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for fname, field in typ.fields.items():
                published = other.fields.get(fname)
                if published is None:
                    problems.append(f"{name}.{fname}: not published")
                    continue
                if str(field.type) != str(published.type):
                    problems.append(f"{name}.{fname}: {field.type} here, {published.type} published")
                for aname, arg in getattr(field, "args", {}).items():
                    parg = published.args.get(aname)
                    if parg is None or str(parg.type) != str(arg.type):
                        problems.append(f"{name}.{fname}({aname}): {arg.type} here, "
                                        f"{parg.type if parg else 'absent'} published")
                for aname, parg in getattr(published, "args", {}).items():
                    if str(parg.type).endswith("!") and parg.default_value is None and aname not in field.args:
                        problems.append(f"{name}.{fname}: required argument {aname} missing here")
    assert problems == []


@pytest.mark.parametrize("name", list(every_document()))
def test_every_document_is_valid_under_the_published_schema(name):
    errors = validate(_full_schema(), parse(every_document()[name]))
    assert [e.message for e in errors] == []


def test_the_fake_github_answers_a_spec_error_as_github_does(settings):
    """HTTP 200, `errors` with message and locations, no `data`; the client stops with the message."""
    fake = FakeGitHub({"owners": {}, "repos": {}}, token=TOKEN)
    bad = "query { repository(owner: \"a\", name: \"b\") { nameWithOwner starCount } }"
    with LocalServer(fake) as srv:
        s = settings.with_overrides(github_graphql_url=f"{srv.url}/graphql", github_token=TOKEN)
        response = http.make_session(s).post(f"{srv.url}/graphql", json={"query": bad},
                                             headers={"Authorization": f"bearer {TOKEN}"}, timeout=5)
        assert response.status_code == 200
        body = response.json()
        assert "data" not in body
        assert body["errors"][0]["message"].startswith("Cannot query field 'starCount' on type 'Repository'.")
        assert body["errors"][0]["locations"] == [{"line": 1, "column": bad.index("starCount") + 1}]
        with pytest.raises(http.SourceError, match="starCount"):
            github_graphql.parse_batch(["a/b"], GitHubClient(s).graphql(bad))
    assert fake.counts["graphql_invalid"] == 2
