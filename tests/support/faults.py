"""Fault injection for the local server: wrap any handler and break its answers on purpose.

Used by the reliability suite (tests/test_faults.py) to prove every source recovers
from, or fails cleanly on, each kind of trouble a real service produces.
"""

from __future__ import annotations

import copy
import gzip
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from mltrends_demo.localserver import Handler, Request, Response

DRIFTS = ("missing", "renamed", "null", "type", "extra")


@dataclass(frozen=True)
class Fault:
    """One scenario: what to do, to how many matching requests, after how many clean ones."""

    kind: str
    count: int = 1          # how many requests get the fault (then the real answer again)
    after: int = 0          # clean requests served before the fault starts
    path_contains: str = ""  # only requests whose path contains this
    arg: Any = None         # a parameter of the fault (seconds, drift kind, status code ...)

    @property
    def label(self) -> str:
        return f"{self.kind}" + (f"[{self.arg}]" if self.arg is not None else "")


SCENARIOS: dict[str, Fault] = {
    "http_500_burst": Fault("status", count=2, arg=500),
    "http_502_burst": Fault("status", count=2, arg=502),
    "http_503_burst": Fault("status", count=3, arg=503),
    "http_503_persistent": Fault("status", count=10_000, arg=503),
    "rate_limit_429": Fault("status_retry_after", count=1, arg=429),
    "github_primary_limit": Fault("github_primary", count=1),
    "github_primary_limit_far": Fault("github_primary", count=10_000, arg=7200),
    "github_secondary_limit": Fault("status_retry_after", count=1, arg=403),
    "connection_reset_mid_body": Fault("truncate", count=1),
    "truncated_gzip": Fault("bad_gzip", count=1),
    "invalid_json": Fault("invalid_json", count=1),
    "drift_missing": Fault("drift", count=10_000, arg="missing"),
    "drift_renamed": Fault("drift", count=10_000, arg="renamed"),
    "drift_null": Fault("drift", count=10_000, arg="null"),
    "drift_type": Fault("drift", count=10_000, arg="type"),
    "drift_extra": Fault("drift", count=10_000, arg="extra"),
    "empty_page": Fault("empty_page", count=1, after=1),
    "redirect": Fault("redirect", count=1),
    "slow_response": Fault("slow", count=1, arg=3.0),
    "huge_response": Fault("huge", count=1, arg=8 * 1024 * 1024),
}


def _first_records(node: Any) -> list[dict[str, Any]] | None:
    """The first list of objects in a JSON document (the records of a page)."""
    if isinstance(node, list) and node and all(isinstance(x, dict) for x in node):
        return node
    if isinstance(node, dict):
        for value in node.values():
            found = _first_records(value)
            if found:
                return found
    if isinstance(node, list):
        for value in node:
            found = _first_records(value)
            if found:
                return found
    return None


def drift(document: Any, how: str) -> Any:
    """Change the shape of the first record of a document, as an API update might."""
    doc = copy.deepcopy(document)
    records = _first_records(doc)
    target = records[0] if records else (doc if isinstance(doc, dict) else None)
    if not target:
        return doc
    key = next(iter(target))
    if how == "missing":
        target.pop(key)
    elif how == "renamed":
        target[key + "_v2"] = target.pop(key)
    elif how == "null":
        target[key] = None
    elif how == "type":
        value = target[key]
        target[key] = {"unexpected": value} if not isinstance(value, dict) else [value]
    elif how == "extra":
        target["field_added_by_api_update"] = {"nested": [1, 2, 3]}
    return doc


def _empty_like(document: Any) -> Any:
    doc = copy.deepcopy(document)
    records = _first_records(doc)
    if records is not None:
        records.clear()
    return doc


class FaultInjector:
    """A handler that serves `inner`'s answers, broken as the fault says."""

    def __init__(self, inner: Handler, fault: Fault | None) -> None:
        self.inner = inner
        self.fault = fault
        self.seen = 0
        self.injected = 0
        self._lock = threading.Lock()

    def _should_inject(self, req: Request) -> bool:
        if self.fault is None or (self.fault.path_contains and self.fault.path_contains not in req.path):
            return False
        if req.query.get("_redirected") == "1":
            return False
        with self._lock:
            self.seen += 1
            if self.seen <= self.fault.after or self.injected >= self.fault.count:
                return False
            self.injected += 1
            return True

    def __call__(self, req: Request) -> Response:
        if not self._should_inject(req):
            return self.inner(req)
        assert self.fault is not None
        kind, arg = self.fault.kind, self.fault.arg
        if kind == "status":
            return Response(int(arg), {"Content-Type": "text/plain"}, b"injected server error")
        if kind == "status_retry_after":
            return Response.of_json({"message": "You have exceeded a secondary rate limit"}, int(arg),
                                    {"Retry-After": "1"})
        if kind == "github_primary":
            reset = int(time.time()) + int(arg or 1)
            return Response.of_json({"message": "API rate limit exceeded"}, 403,
                                    {"x-ratelimit-remaining": "0", "x-ratelimit-limit": "5000",
                                     "x-ratelimit-reset": str(reset)})
        if kind == "redirect":
            pairs = req.query_pairs or list(req.query.items())  # repeated parameters survive
            query = urlencode([*pairs, ("_redirected", "1")])
            return Response(307, {"Location": f"{req.path}?{query}"}, b"")
        if kind == "slow":
            real = self.inner(req)
            real.delay = float(arg)
            return real
        if kind == "huge":
            return Response(200, {"Content-Type": "application/json"}, b" " * int(arg) + b"{}")
        real = self.inner(req)
        if kind == "truncate":
            real.truncate_at = max(1, len(real.body) // 2)
            return real
        if kind == "bad_gzip":
            packed = gzip.compress(real.body)
            headers = {**real.headers, "Content-Encoding": "gzip"}
            return Response(real.status, headers, packed[: max(10, len(packed) // 2)])
        if kind == "invalid_json":
            return Response(real.status, real.headers, real.body[: max(1, len(real.body) // 2)] + b"<<garbage")
        if kind in ("drift", "empty_page"):
            try:
                document = json.loads(real.body)
            except ValueError:
                return real
            changed = drift(document, str(arg)) if kind == "drift" else _empty_like(document)
            return Response(real.status, real.headers, json.dumps(changed).encode())
        raise ValueError(f"unknown fault kind {kind!r}")


def injector_factory(fault: Fault | None) -> Callable[[Handler], FaultInjector]:
    return lambda inner: FaultInjector(inner, fault)
