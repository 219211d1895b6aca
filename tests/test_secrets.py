"""No token value appears in logs, the databases, reports, recordings or error messages."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from pathlib import Path

from demo_env import demo_env
from mltrends import bundled
from mltrends_demo.server import DEMO_DIR, demo_server

ROOT = Path(__file__).resolve().parents[1]
TOKEN_LIKE = re.compile(rb"(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})")
AUTH_HEADER = re.compile(rb"(?i)authorization['\"]?\s*[:=]\s*['\"]?(token|bearer)\s+[A-Za-z0-9_\-]{8,}")


def test_token_never_written_anywhere_even_when_steps_fail(tmp_path):
    token = "tok-" + uuid.uuid4().hex
    with demo_server(DEMO_DIR, lifetime=600) as server:
        url = server.url
        # pypi points nowhere: its step fails, and its error message must not carry the token
        env = demo_env(url, tmp_path, GITHUB_TOKEN=token, HOME=str(tmp_path), MLTRENDS_HTTP_CACHE="true",
                       MLTRENDS_PYPISTATS_URL="http://127.0.0.1:9/closed", MLTRENDS_HTTP_RETRIES="1")
        proc = subprocess.run([sys.executable, "-m", "mltrends.cli", "--verbose", "refresh", "--since",
                               "2025-07-01"], env=env, capture_output=True, timeout=600, cwd=ROOT)
        assert proc.returncode == 1          # the pypi step failed, the rest went on
        # the GraphQL path (the one that sends the token) really ran
        assert any(r.path.endswith("/graphql") and r.headers.get("authorization", "").endswith(token)
                   for r in server.requests)
    needle = token.encode()
    assert needle not in proc.stdout and needle not in proc.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".duckdb" for p in written) and any(p.name == "index.html" for p in written)
    leaks = [str(p) for p in written if needle in p.read_bytes()]
    assert leaks == []


def test_no_recording_or_fixture_keeps_a_credential():
    folders = [ROOT / "tests", ROOT / "data", DEMO_DIR, bundled.path("data")]
    offenders = []
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file() and path.suffix in {".json", ".jsonl", ".yaml", ".yml", ".txt", ".csv"}:
                data = path.read_bytes()
                if TOKEN_LIKE.search(data) or AUTH_HEADER.search(data):
                    offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
