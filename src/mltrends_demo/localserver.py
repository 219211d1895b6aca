"""A local HTTP server on 127.0.0.1 that serves recorded responses.

Used by the tests, the benchmarks and `make demo` (which refreshes against the
bundled recordings exactly as a scheduled refresh talks to the real services).
The server is bounded: it stops by itself after `max_requests` requests or
`lifetime` seconds, and it only ever binds the loopback address.

Recording format (one JSON object per line in a `.jsonl` file):

    {"request": {"method": "GET", "path": "/api/v1/papers/", "query": {"page": "2"}},
     "response": {"status": 200, "headers": {...}, "json": {...}}       # or "body": "text"
     "times": 1}                                                        # optional: used up after n hits

A JSON response may carry `"echo": {"applied_filters": ["start_date", "end_date"]}`: the
named query parameters of the request are copied into that key of the body (for services
that echo the filters they applied, answered by one recording for any window).

A request matches a recording when method and path are equal and every recorded
query parameter is present with the same value (extra parameters are ignored).
Recordings with `times` are consumed in file order, so "502, then 200" is two lines.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    query_pairs: list[tuple[str, str]] = field(default_factory=list)  # repeated parameters too

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Response:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0                 # seconds to wait before answering
    truncate_at: int | None = None     # send only this many body bytes, then drop the connection

    @classmethod
    def of_json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        return cls(status, h, json.dumps(data).encode())


Handler = Callable[[Request], Response]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that hangs up (a timeout, a reset the test asked for) is not news
        return


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 with a handler function; use as a context manager."""

    def __init__(self, handler: Handler, max_requests: int = 100_000, lifetime: float = 600.0,
                 port: int = 0) -> None:
        self.handler = handler
        self.max_requests = max_requests
        self.lifetime = lifetime
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body go out in two writes: without TCP_NODELAY, Nagle plus the
            # client's delayed ACK stall every keep-alive request by ~40 ms
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:  # quiet
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                pairs = parse_qsl(parts.query, keep_blank_values=True)
                req = Request(self.command, parts.path, dict(pairs),
                              {k.lower(): v for k, v in self.headers.items()}, body, pairs)
                with server._lock:
                    server.requests.append(req)
                    over = len(server.requests) > server.max_requests
                if over:
                    resp = Response(503, {"Retry-After": "0"}, b"local server request budget spent")
                else:
                    try:
                        resp = server.handler(req)
                    except Exception as exc:  # a bug in a handler is a 500, not a hang
                        resp = Response(500, {}, f"handler error: {exc!r}".encode())
                if resp.delay:
                    time.sleep(resp.delay)
                self.send_response(resp.status)
                headers = dict(resp.headers)
                headers.setdefault("Content-Type", "application/octet-stream")
                for k, v in headers.items():
                    if k.lower() != "content-length":
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(resp.body)))
                if resp.truncate_at is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                if self.command == "HEAD":
                    return
                if resp.truncate_at is not None:
                    self.wfile.write(resp.body[: resp.truncate_at])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(resp.body)

            do_GET = do_POST = do_HEAD = do_PUT = _serve

        self._httpd = _QuietServer(("127.0.0.1", port), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._timer = threading.Timer(lifetime, self.stop)
        self._timer.daemon = True

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LocalServer:
        self._thread.start()
        self._timer.start()
        return self

    def stop(self) -> None:
        self._timer.cancel()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def load_recordings(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for path in paths:
        path = Path(path)
        files = sorted(path.rglob("*.jsonl")) if path.is_dir() else [path]
        for f in files:
            for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
                if line.strip():
                    try:
                        records.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        raise ValueError(f"{f}:{n}: not a JSON recording ({exc})") from exc
    return records


def _response_of(recorded: dict[str, Any], req: Request | None = None) -> Response:
    status = int(recorded.get("status", 200))
    headers = {str(k): str(v) for k, v in (recorded.get("headers") or {}).items()}
    if "json" in recorded:
        headers.setdefault("Content-Type", "application/json")
        payload = recorded["json"]
        if recorded.get("echo") and isinstance(payload, dict) and req is not None:
            payload = {**payload, **{key: {k: req.query.get(k) for k in names}
                                     for key, names in recorded["echo"].items()}}
        body = json.dumps(payload).encode()
    else:
        body = str(recorded.get("body", "")).encode()
    return Response(status, headers, body, delay=float(recorded.get("delay", 0.0)))


class ReplayHandler:
    """Serves recordings; unmatched requests get a 404 that names what was asked."""

    def __init__(self, recordings: list[dict[str, Any]], strip_prefix: str = "") -> None:
        self.recordings = [dict(r) for r in recordings]
        self.strip_prefix = strip_prefix
        self.unmatched: list[Request] = []
        self._lock = threading.Lock()

    def __call__(self, req: Request) -> Response:
        path = req.path
        if self.strip_prefix and path.startswith(self.strip_prefix):
            path = path[len(self.strip_prefix):] or "/"
        with self._lock:
            for rec in self.recordings:
                want = rec["request"]
                if want.get("method", "GET").upper() != req.method.upper():
                    continue
                if want.get("path") != path:
                    continue
                query = {str(k): str(v) for k, v in (want.get("query") or {}).items()}
                if any(req.query.get(k) != v for k, v in query.items()):
                    continue
                contains = want.get("body_contains")
                if contains and contains.encode() not in req.body:
                    continue
                times = rec.get("times")
                if times is not None:
                    if times <= 0:
                        continue
                    rec["times"] = times - 1
                return _response_of(rec["response"], req)
            self.unmatched.append(req)
        return Response.of_json({"message": f"no recording for {req.method} {path} {req.query}"}, 404)


def replay_server(*paths: str | Path, **kwargs: Any) -> LocalServer:
    """A LocalServer over the recordings found in the given files or folders."""
    return LocalServer(ReplayHandler(load_recordings(paths)), **kwargs)
