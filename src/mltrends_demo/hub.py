"""A stand-in for the Hugging Face Hub's `GET /api/models`, for tests, benchmarks and the demo.

It pages newest first by `createdAt` with an opaque cursor in the `Link: <...>; rel="next"`
header, as the Hub does, and refuses what the Hub refuses: an unknown `expand` value,
`expand` together with `full`, `config` or `cardData`, an unknown `sort`, a `limit` that is
not a number. Only `sort=createdAt` is served (others answer 501). With `expand`, a model
carries `id`, `_id` and the expanded fields only.
"""

from __future__ import annotations

import base64
import bisect
import json
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from mltrends_demo.localserver import Request, Response

# the values the Hub accepts for `expand` on /api/models (huggingface_hub's ExpandModelProperty_T)
EXPANDABLE = frozenset({
    "author", "baseModels", "cardData", "childrenModelCount", "config", "createdAt", "disabled",
    "downloads", "downloadsAllTime", "evalResults", "gated", "gguf", "inference",
    "inferenceProviderMapping", "lastModified", "library_name", "likes", "mask_token", "model-index",
    "pipeline_tag", "private", "resourceGroup", "safetensors", "sha", "siblings", "spaces", "tags",
    "transformersInfo", "trendingScore", "usedStorage", "widgetData", "xetEnabled",
})
SORTS = frozenset({"createdAt", "created_at", "downloads", "likes", "lastModified", "trendingScore", "id"})
DEFAULT_FIELDS = ("id", "likes", "downloads", "private", "tags", "pipeline_tag", "library_name", "createdAt")
MAX_LIMIT = 1000
DEFAULT_LIMIT = 1000


def _bad(message: str, status: int = 400) -> Response:
    return Response.of_json({"error": message}, status=status)


def _encode(key: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode()


def _decode(cursor: str) -> tuple[str, str] | None:
    try:
        created, model_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return str(created), str(model_id)
    except (ValueError, TypeError):
        return None


class HubStandIn:
    """Handler for LocalServer (mount it under a prefix with `strip_prefix`)."""

    def __init__(self, models: Iterable[dict[str, Any]] = (), strip_prefix: str = "") -> None:
        self.strip_prefix = strip_prefix.rstrip("/")
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._models: list[dict[str, Any]] = []
        self._keys: list[tuple[str, str]] = []
        self.add(models)

    def add(self, models: Iterable[dict[str, Any]]) -> None:
        """Publish more models (kept sorted by createdAt, then id)."""
        with self._lock:
            self._models.extend(models)
            self._models.sort(key=lambda m: (str(m.get("createdAt", "")), str(m.get("id", ""))))
            self._keys = [(str(m.get("createdAt", "")), str(m.get("id", ""))) for m in self._models]

    def __call__(self, req: Request) -> Response:
        self.requests.append(req)
        path = req.path[len(self.strip_prefix):] if req.path.startswith(self.strip_prefix) else req.path
        if path.rstrip("/") != "/api/models" or req.method != "GET":
            return _bad("Not Found", 404)
        raw = _query_lists(req)
        expand = raw.get("expand", []) + raw.get("expand[]", [])
        unknown = sorted(set(expand) - EXPANDABLE)
        if unknown:
            return _bad(f'"expand" must be one of {sorted(EXPANDABLE)}; got {unknown}')
        if expand and any(k in raw for k in ("full", "config", "cardData")):
            return _bad('"expand" cannot be used together with "full", "config" or "cardData"')
        sort = (raw.get("sort") or ["createdAt"])[-1]
        if sort not in SORTS:
            return _bad("Invalid sort parameter")
        if sort not in ("createdAt", "created_at"):
            return _bad("this stand-in serves sort=createdAt only", 501)
        if (raw.get("direction") or ["-1"])[-1] not in ("-1", "desc"):
            return _bad("ascending sort is not supported")
        try:
            limit = min(MAX_LIMIT, max(1, int((raw.get("limit") or [str(DEFAULT_LIMIT)])[-1])))
        except ValueError:
            return _bad('"limit" must be a number')
        cursor = (raw.get("cursor") or [None])[-1]
        with self._lock:
            end = len(self._keys)
            if cursor is not None:
                key = _decode(cursor)
                if key is None:
                    return _bad("Invalid cursor")
                end = bisect.bisect_left(self._keys, key)
            start = max(0, end - limit)
            page = self._models[start:end][::-1]
        fields = ("id", "_id", *expand) if expand else DEFAULT_FIELDS
        body = [{f: m[f] for f in fields if f in m} | {"_id": m.get("_id", m.get("id"))} for m in page]
        headers = {}
        if start > 0 and page:
            last = page[-1]
            query = [(k, v) for k, vs in raw.items() if k != "cursor" for v in vs]
            query.append(("cursor", _encode((str(last.get("createdAt", "")), str(last.get("id", ""))))))
            host = req.headers.get("host") or "127.0.0.1"
            headers["Link"] = f'<http://{host}{req.path}?{urlencode(query)}>; rel="next"'
        return Response.of_json(body, headers=headers)


def _query_lists(req: Request) -> dict[str, list[str]]:
    """Every value of every query parameter (Request.query keeps only the last one)."""
    raw: dict[str, list[str]] = {}
    for key, value in req.query_pairs or req.query.items():
        raw.setdefault(key, []).append(value)
    return raw


def load_models(path: Path) -> list[dict[str, Any]]:
    """A JSON list of model objects (the API's field names)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of models")
    return data
