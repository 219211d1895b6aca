"""A stand-in for the Hugging Face Hub, for `huggingface_hub` pointed at 127.0.0.1.

Serves the requests `huggingface_hub` makes (paths as in its source):
- `GET /api/{datasets|models|spaces}/{repo_id}[/revision/{rev}]` (`HfApi.dataset_info`,
  `model_info`; with `blobs=True` the siblings carry `size`, `blobId` and `lfs`);
- `HEAD` and `GET /{datasets/|spaces/|}{repo_id}/resolve/{rev}/{path}` (`hf_hub_download`):
  `X-Repo-Commit`, `ETag` (the git blob id, or for LFS files `X-Linked-Etag` with the
  sha256) and `X-Linked-Size`; `Range` requests get 206 with `Content-Range`.
Unknown repositories and files get the Hub's 404 with `X-Error-Code`. Faults per file:
`truncate` (send only n bytes of the first full GET, then drop the connection).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from typing import Any

from mltrends.localserver import Request, Response

_API = re.compile(r"^/api/(datasets|models|spaces)/([^/]+/[^/]+)(?:/revision/([^/]+))?$")
_RESOLVE = re.compile(r"^/(?:(datasets|spaces)/)?([^/]+/[^/]+)/resolve/([^/]+)/(.+)$")
LFS_FROM = 1024  # files this large are served as LFS files (as the Hub does for binaries)


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class HubStandIn:
    """Repositories as {(kind, repo_id): {path: bytes}}; kind is 'datasets', 'models' or 'spaces'."""

    def __init__(self, repos: dict[tuple[str, str], dict[str, bytes]],
                 faults: dict[str, dict[str, Any]] | None = None) -> None:
        self.repos = repos
        self.faults = {k: dict(v) for k, v in (faults or {}).items()}
        self.counts: Counter[str] = Counter()
        self.ranges: list[str] = []

    def commit(self, key: tuple[str, str]) -> str:
        """The head commit of a repository: it changes whenever one of its files does."""
        files = self.repos.get(key, {})
        return hashlib.sha1("".join(f"{p}:{git_blob_id(d)}" for p, d in sorted(files.items())).encode()).hexdigest()

    @staticmethod
    def _not_found(kind: str, message: str) -> Response:
        return Response.of_json({"error": message}, 404, {"X-Error-Code": kind, "X-Error-Message": message})

    def _sibling(self, path: str, data: bytes, blobs: bool) -> dict[str, Any]:
        entry: dict[str, Any] = {"rfilename": path}
        if blobs:
            entry.update(size=len(data), blobId=git_blob_id(data))
            if len(data) >= LFS_FROM:
                entry["lfs"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                                "pointerSize": 134}
        return entry

    def __call__(self, req: Request) -> Response:
        api = _API.match(req.path)
        if api and req.method == "GET":
            kind, repo_id = api.group(1), api.group(2)
            files = self.repos.get((kind, repo_id))
            self.counts["api"] += 1
            if files is None:
                return self._not_found("RepoNotFound", "Repository not found")
            blobs = req.query.get("blobs", "").lower() == "true"
            return Response.of_json({
                "_id": hashlib.md5(repo_id.encode()).hexdigest()[:24], "id": repo_id,
                "author": repo_id.split("/")[0], "sha": self.commit((kind, repo_id)), "private": False, "gated": False,
                "disabled": False, "lastModified": "2025-07-29T10:00:00.000Z", "tags": [],
                "siblings": [self._sibling(p, d, blobs) for p, d in sorted(files.items())]})
        resolve = _RESOLVE.match(req.path)
        if resolve and req.method in ("GET", "HEAD"):
            return self._file(req, resolve.group(1) or "models", resolve.group(2), resolve.group(4))
        return self._not_found("EntryNotFound", f"no route for {req.method} {req.path}")

    def _file(self, req: Request, kind: str, repo_id: str, path: str) -> Response:
        files = self.repos.get((kind, repo_id))
        if files is None:
            return self._not_found("RepoNotFound", "Repository not found")
        data = files.get(path)
        if data is None:
            return Response(404, {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": self.commit((kind, repo_id)),
                                  "X-Error-Message": "Entry not found"}, b"Entry not found")
        lfs = len(data) >= LFS_FROM
        etag = hashlib.sha256(data).hexdigest() if lfs else git_blob_id(data)
        headers = {"X-Repo-Commit": self.commit((kind, repo_id)), "ETag": f'"{etag}"', "Accept-Ranges": "bytes",
                   "Content-Type": "application/octet-stream"}
        if lfs:
            headers.update({"X-Linked-Etag": f'"{etag}"', "X-Linked-Size": str(len(data))})
        if req.method == "HEAD":
            self.counts["head"] += 1
            return Response(200, headers, data)
        self.counts["get"] += 1
        self.counts[f"get:{path}"] += 1
        wanted = req.headers.get("range")
        if wanted:
            self.ranges.append(wanted)
            start = int(wanted.removeprefix("bytes=").split("-")[0])
            return Response(206, {**headers, "Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"},
                            data[start:])
        fault = self.faults.get(path)
        if fault and fault.get("truncate") is not None and fault.get("times", 1) > 0:
            fault["times"] = fault.get("times", 1) - 1
            return Response(200, headers, data, truncate_at=int(fault["truncate"]))
        return Response(200, headers, data)


def dumps_json(obj: Any) -> bytes:
    return json.dumps(obj).encode()
