"""Where the Papers-with-Code archive dumps are, and getting them here.

A dump location is any of, or a comma-separated list of:
- a Hugging Face dataset: `hf://datasets/ORG/NAME` (its `.parquet` shards, else its
  `.json.gz` files), `hf://datasets/ORG/NAME/PATH` (one file, or a glob such as
  `data/train-*.parquet`), a bare `ORG/NAME` that is not a local path, or a Hub URL
  `https://huggingface.co/datasets/ORG/NAME/resolve/REV/PATH`;
- an http(s) URL of one file;
- a local file, folder (its `.parquet` files, else `.json.gz`, `.json`) or glob.

Hub datasets are listed through the Hub API and downloaded with `huggingface_hub` (cached
under `<cache_dir>/huggingface`, resumed after an interruption, checked against the
size and sha256 the Hub lists). The Hub's host is `hf_api_url` without its `/api`;
`HF_ENDPOINT` (huggingface_hub's own variable) is honoured while `hf_api_url` is left at its
default. Plain URLs download to `<cache_dir>/pwc-dumps` and resume with a Range request.

Each resolved location has a fingerprint (the Hub's blob ids and sizes; a URL's ETag,
size and date; a local file's size and mtime): a dump whose fingerprint equals the one
stored when it was last loaded is neither downloaded nor loaded again.
"""

from __future__ import annotations

import fnmatch
import glob
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mltrends import console, http
from mltrends.sources import registry

if TYPE_CHECKING:
    from mltrends.config import Settings

DATA_SUFFIXES = (".parquet", ".json.gz", ".json")
CHUNK = 1 << 20   # bytes written per read of a plain-URL download
_DATASET_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_HUB_URL = re.compile(r"^/datasets/([^/]+/[^/]+)/resolve/([^/]+)/(.+)$")


class ArchiveError(Exception):
    """A dump location that cannot be used: the message names it and what is wrong."""

    user_facing = True


@dataclass
class Resolved:
    """One user-given location: its files (fetched on demand) and its fingerprint."""

    label: str
    names: list[str]
    fetchers: list[Callable[[], Path]] = field(repr=False)
    fingerprint: list[dict[str, Any]] | None
    downloads: list[Path] = field(default_factory=list)   # plain-URL copies, removed after the load

    def fetch(self) -> list[Path]:
        return [f() for f in self.fetchers]


def hub_endpoint(settings: Settings) -> str:
    env = os.environ.get("HF_ENDPOINT")
    if env and settings.hf_api_url == registry.endpoint_default("hf_api_url"):
        return env.rstrip("/")
    return settings.hf_api_url.rstrip("/").removesuffix("/api")


def _data_files(names: list[str]) -> list[str]:
    for suffix in DATA_SUFFIXES:
        found = sorted(n for n in names if n.lower().endswith(suffix))
        if found:
            return found
    return []


# ---------------------------------------------------------------- Hugging Face datasets

def _hub_listing(repo_id: str, settings: Settings, label: str) -> dict[str, dict[str, Any]]:
    """{path: sibling} of a dataset's main revision, through the Hub API."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

    endpoint = hub_endpoint(settings)
    where = f"{endpoint}/api/datasets/{repo_id}"
    try:
        info = HfApi(endpoint=endpoint).dataset_info(repo_id, files_metadata=True,
                                                     timeout=settings.http_timeout)
    except RepositoryNotFoundError as exc:
        raise ArchiveError(f"{label}: the Hub has no dataset {repo_id} ({where}: HTTP 404)") from exc
    except HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise ArchiveError(f"{label}: the Hub API answered HTTP {status} at {where}") from exc
    except ValueError as exc:  # a body that is not JSON (an HTML error page, a proxy's login page)
        raise ArchiveError(f"{label}: the Hub API answer at {where} is not JSON ({exc})") from exc
    except OSError as exc:
        raise ArchiveError(f"{label}: cannot reach the Hub API at {where} ({type(exc).__name__}: {exc})") from exc
    listing = {}
    for sibling in info.siblings or []:
        lfs = sibling.lfs
        listing[sibling.rfilename] = {"size": sibling.size, "blob_id": sibling.blob_id,
                                      "sha256": lfs.sha256 if lfs else None}
    return listing


def _hub_download(repo_id: str, path: str, meta: dict[str, Any], settings: Settings,
                  label: str) -> Path:
    from huggingface_hub import hf_hub_download

    endpoint = hub_endpoint(settings)
    console.info(f"pwc dump: downloading {repo_id}/{path} from {endpoint} (resumes if interrupted)")
    try:
        local = Path(hf_hub_download(repo_id, path, repo_type="dataset", endpoint=endpoint,
                                     cache_dir=str(Path(settings.cache_dir) / "huggingface"),
                                     etag_timeout=settings.http_timeout))
    except Exception as exc:  # huggingface_hub's errors are many (HTTP, consistency, network)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ArchiveError(f"{label}: downloading {path} failed ({first}); nothing was loaded, "
                           "a rerun resumes the download") from exc
    if meta.get("size") is not None and local.stat().st_size != meta["size"]:
        raise ArchiveError(f"{label}: {path} has {local.stat().st_size} bytes, the Hub lists "
                           f"{meta['size']}; refused")
    if meta.get("sha256"):
        digest = hashlib.sha256()
        with open(local, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 22), b""):
                digest.update(chunk)
        if digest.hexdigest() != meta["sha256"]:
            local.unlink(missing_ok=True)
            raise ArchiveError(f"{label}: {path} does not match the sha256 the Hub lists; the "
                               "corrupt copy was removed and nothing was loaded")
    return local


def _resolve_hub(repo_id: str, pattern: str | None, settings: Settings, label: str) -> Resolved:
    listing = _hub_listing(repo_id, settings, label)
    if pattern:
        names = sorted(n for n in listing if n == pattern or fnmatch.fnmatch(n, pattern))
        if not names:
            raise ArchiveError(f"{label}: the Hub dataset {repo_id} has no file {pattern} "
                               f"(it holds: {', '.join(sorted(listing)[:8]) or 'nothing'})")
    else:
        names = _data_files(list(listing))
        if not names:
            raise ArchiveError(f"{label}: the Hub dataset {repo_id} holds no .parquet, .json.gz or .json "
                               f"files (it holds: {', '.join(sorted(listing)[:8]) or 'nothing'})")
    fingerprint = [{"file": f"hf://datasets/{repo_id}/{n}", "blob": listing[n].get("sha256") or
                    listing[n].get("blob_id"), "size": listing[n].get("size")} for n in names]
    fetchers = [lambda n=n: _hub_download(repo_id, n, listing[n], settings, label) for n in names]
    return Resolved(label, [f"{repo_id}/{n}" for n in names], fetchers,
                    fingerprint if all(f["blob"] for f in fingerprint) else None)


# ---------------------------------------------------------------- URLs

def _url_fingerprint(url: str, settings: Settings) -> list[dict[str, Any]] | None:
    try:
        response = http.make_session(settings).head(url, timeout=settings.http_timeout, allow_redirects=True)
    except http.requests.RequestException:
        return None
    if response.status_code == 404:
        raise ArchiveError(f"{url}: not found (HTTP 404)")
    keys = ("etag", "content-length", "last-modified")
    seen = {k: response.headers.get(k) for k in keys}
    if response.status_code != 200 or not (seen["etag"] or seen["last-modified"]):
        return None
    return [{"file": url, **seen}]


def _download_url(url: str, settings: Settings) -> Path:
    """Download url into the cache, resuming a partial copy with a Range request."""
    folder = Path(settings.cache_dir) / "pwc-dumps"
    folder.mkdir(parents=True, exist_ok=True)
    name = Path(urlsplit(url).path).name or "dump"
    target = folder / f"{hashlib.sha256(url.encode()).hexdigest()[:16]}-{name}"
    partial = target.with_name(target.name + ".part")
    start = partial.stat().st_size if partial.exists() else 0
    headers = {"Range": f"bytes={start}-"} if start else {}
    session = http.make_session(settings)
    try:
        with session.get(url, stream=True, timeout=settings.http_timeout, headers=headers) as response:
            if response.status_code == 416 and start:
                partial.unlink()
                return _download_url(url, settings)
            if response.status_code not in (200, 206):
                raise ArchiveError(f"{url}: HTTP {response.status_code}")
            mode = "ab" if response.status_code == 206 else "wb"
            if start and mode == "ab":
                console.info(f"pwc dump: resuming {url} at byte {start}")
            expected = response.headers.get("content-length")
            done = start if mode == "ab" else 0
            total = done + int(expected) if expected and expected.isdigit() else None
            got = 0
            with open(partial, mode) as fh, console.progress(f"download {name}", total=total,
                                                              unit="bytes", done=done) as meter:
                for chunk in response.iter_content(CHUNK):
                    fh.write(chunk)
                    got += len(chunk)
                    meter.advance(len(chunk))
            if expected and expected.isdigit() and int(expected) != got and \
                    not response.headers.get("content-encoding"):
                raise ArchiveError(f"{url}: download cut short ({got} of {expected} bytes); "
                                   "nothing was loaded, a rerun resumes it")
    except http.requests.RequestException as exc:
        raise ArchiveError(f"{url}: download interrupted ({type(exc).__name__}); nothing was "
                           "loaded, a rerun resumes it") from exc
    partial.replace(target)
    return target


# ---------------------------------------------------------------- local files

def _local_files(spec: str) -> list[Path]:
    if any(c in spec for c in "*?["):
        return [Path(p) for p in sorted(glob.glob(spec)) if Path(p).is_file()]
    path = Path(spec)
    if path.is_dir():
        return [path / n for n in _data_files([p.name for p in path.iterdir() if p.is_file()])]
    return [path] if path.is_file() else []


def _resolve_one(spec: str, settings: Settings) -> Resolved:
    if spec.startswith("hf://"):
        rest = spec.removeprefix("hf://").strip("/")
        if not rest.startswith("datasets/") or rest.count("/") < 2:
            raise ArchiveError(f"{spec}: expected hf://datasets/ORG/NAME[/PATH-OR-GLOB]")
        parts = rest.split("/", 3)
        return _resolve_hub(f"{parts[1]}/{parts[2]}", parts[3] if len(parts) > 3 else None, settings, spec)
    if spec.startswith(("http://", "https://")):
        endpoint = hub_endpoint(settings)
        if spec.startswith(endpoint + "/datasets/"):
            hub = _HUB_URL.match(spec[len(endpoint):])
            if hub and hub.group(2) == "main":
                return _resolve_hub(hub.group(1), hub.group(3), settings, spec)
        resolved = Resolved(spec, [spec], [], _url_fingerprint(spec, settings))

        def fetch() -> Path:
            path = _download_url(spec, settings)
            resolved.downloads.append(path)
            return path

        resolved.fetchers.append(fetch)
        return resolved
    files = _local_files(spec)
    if not files:
        if _DATASET_ID.match(spec) and not Path(spec).suffix and not Path(spec.split("/")[0]).exists():
            return _resolve_hub(spec, None, settings, spec)
        raise ArchiveError(f"dump {spec} does not exist (no such file, folder or matching files)")
    fingerprint = [{"file": str(p.resolve()), "size": p.stat().st_size, "mtime": p.stat().st_mtime_ns}
                   for p in files]
    return Resolved(spec, [str(p) for p in files], [lambda p=p: p for p in files], fingerprint)


def resolve(spec: str, settings: Settings) -> Resolved:
    """A location (or a comma-separated list of them) -> its files and fingerprint; downloads nothing."""
    parts = [s.strip() for s in str(spec).split(",") if s.strip()]
    if not parts:
        raise ArchiveError("an empty dump location")
    resolved = [_resolve_one(p, settings) for p in parts]
    if len(resolved) == 1:
        return resolved[0]
    prints = [r.fingerprint for r in resolved]
    combined = Resolved(str(spec), [n for r in resolved for n in r.names], [], None)

    def fetch_all() -> list[Path]:
        paths = [p for r in resolved for p in r.fetch()]
        combined.downloads.extend(d for r in resolved for d in r.downloads)
        return paths

    combined.fetch = fetch_all  # type: ignore[method-assign]
    combined.fingerprint = None if any(p is None for p in prints) else [x for p in prints for x in p or []]
    return combined


def discard_downloads(resolved: Iterable[Resolved]) -> None:
    """Remove the plain-URL copies once loaded (Hub files stay in huggingface_hub's cache)."""
    for r in resolved:
        for path in r.downloads:
            path.unlink(missing_ok=True)


def fingerprint_text(resolved: Resolved) -> str | None:
    return None if resolved.fingerprint is None else json.dumps(resolved.fingerprint, sort_keys=True)
