"""Bad local input: dumps cut at random offsets, wrong encodings, odd files, a newer database.

Every case ends with a clear error naming the file (or loads what it can and keeps the
refused records), and nothing already in the database is lost or half-replaced.
"""

from __future__ import annotations

import gzip
import json
import random
import subprocess
import sys

import pytest

from mltrends import db
from mltrends.sources import pwc
from mltrends_demo.server import DEMO_DIR

PAPERS_GZ = DEMO_DIR / "pwc" / "papers.json.gz"
LINKS_GZ = DEMO_DIR / "pwc" / "links.json.gz"


def _state(con):
    return (con.execute("select count(*), sum(hash(paper_id, title)) from pwc_papers").fetchall(),
            con.execute("select count(*), sum(hash(paper_id, repo)) from pwc_paper_repos").fetchall(),
            con.execute("select count(*) from rejected_records").fetchall())


@pytest.fixture
def loaded(con, settings):
    pwc.ingest_dump(con, settings, links=str(LINKS_GZ), papers=str(PAPERS_GZ))
    return con


@pytest.mark.parametrize("seed", range(6))
def test_gzip_dump_cut_at_a_random_offset(loaded, settings, tmp_path, seed):
    data = PAPERS_GZ.read_bytes()
    cut = random.Random(seed).randrange(10, len(data) - 10)
    bad = tmp_path / "papers.json.gz"
    bad.write_bytes(data[:cut])
    before = _state(loaded)
    with pytest.raises(pwc.DumpError) as info:
        pwc.ingest_dump(loaded, settings, papers=str(bad))
    assert str(bad) in str(info.value)
    assert _state(loaded) == before


@pytest.mark.parametrize("seed", range(6))
def test_plain_json_dump_cut_at_a_random_offset(loaded, settings, tmp_path, seed):
    text = gzip.decompress(LINKS_GZ.read_bytes())
    cut = random.Random(100 + seed).randrange(2, len(text) - 2)
    bad = tmp_path / "links.json"
    bad.write_bytes(text[:cut])
    before = _state(loaded)
    with pytest.raises(pwc.DumpError) as info:
        pwc.ingest_dump(loaded, settings, links=str(bad))
    assert str(bad) in str(info.value)
    assert _state(loaded) == before


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_wrong_encoding_is_refused_with_the_file_name(loaded, settings, tmp_path, encoding):
    records = json.loads(gzip.decompress(LINKS_GZ.read_bytes()))[:5]
    bad = tmp_path / "links.json"
    bad.write_bytes(json.dumps(records).encode(encoding))
    before = _state(loaded)
    with pytest.raises(pwc.DumpError) as info:
        pwc.ingest_dump(loaded, settings, links=str(bad))
    assert str(bad) in str(info.value)
    assert _state(loaded) == before


def test_latin1_text_inside_utf8_json_loads_or_fails_cleanly(loaded, settings, tmp_path):
    records = json.loads(gzip.decompress(LINKS_GZ.read_bytes()))[:3]
    raw = json.dumps(records, ensure_ascii=False).replace("(synthetic)", "(synth\u00e9tic)")
    bad = tmp_path / "links.json"
    bad.write_bytes(raw.encode("latin-1"))
    before = _state(loaded)
    try:
        pwc.ingest_dump(loaded, settings, links=str(bad))
    except pwc.DumpError as exc:
        assert str(bad) in str(exc)
        assert _state(loaded) == before
    else:
        papers, links, _ = _state(loaded)
        assert links[0][0] >= before[1][0]   # loaded, nothing lost


def test_non_json_named_json_gz(loaded, settings, tmp_path):
    bad = tmp_path / "papers.json.gz"
    bad.write_bytes(gzip.compress(b"paper_url,title\nhttps://x,y\n"))
    before = _state(loaded)
    with pytest.raises(pwc.DumpError) as info:
        pwc.ingest_dump(loaded, settings, papers=str(bad))
    assert str(bad) in str(info.value)
    assert _state(loaded) == before


def test_duplicate_keys_inside_one_file_keep_one_row_each(con, settings, tmp_path):
    records = json.loads(gzip.decompress(LINKS_GZ.read_bytes()))
    doubled = tmp_path / "links.json"
    doubled.write_text(json.dumps(records + records[:50]))
    pwc.ingest_dump(con, settings, links=str(doubled))
    total, distinct = con.execute(
        "select count(*), count(distinct (paper_id, repo)) from pwc_paper_repos").fetchall()[0]
    assert total == distinct > 0


def test_newer_database_is_refused_by_the_cli(tmp_path):
    path = tmp_path / "newer.duckdb"
    con = db.connect(path)
    con.execute("insert into _migrations values ('999_from_the_future.sql', 'x', now(), '9.0')")
    con.close()
    proc = subprocess.run([sys.executable, "-m", "mltrends.cli", "--db", str(path), "build"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 4  # README "Exit codes": the database cannot be used
    assert "newer mltrends" in proc.stderr and "Traceback" not in proc.stderr


def test_corrupt_config_is_refused_by_the_cli(tmp_path):
    bad = tmp_path / "mltrends.toml"
    bad.write_text("[pypi\nfamilies = ")
    proc = subprocess.run([sys.executable, "-m", "mltrends.cli", "--config", str(bad), "status"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "not valid TOML" in proc.stderr and "Traceback" not in proc.stderr
