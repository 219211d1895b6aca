"""Generate a full-scale synthetic mltrends database, ready for `build(con)`.

    python benchmarks/gen_fullscale_db.py [--scale 1.0] [--out benchmarks/data/fullscale.duckdb]

At scale 1: 576,261 papers and 300,161 paper-repo links (the July 2025 PwC archive sizes),
50k Hugging Face papers, 300k GitHub repos of 100k owners with detection, sector and
purpose results, 3 years of daily downloads for 60 packages, tracked organisations' repos
and a few hundred reproductions. Everything is made inside DuckDB with range() and
hash-based pseudo-random numbers, so it is fast and the same scale gives the same rows.
Every title and description says "(synthetic)".
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DATA
from mltrends import db

PAPERS_FULL = 576_261
LINKS_FULL = 300_161
HF_FULL = 50_000
REPOS_FULL = 300_000
OWNERS_FULL = 100_000
REPRODUCTIONS_FULL = 400
COMPANIES = ["google", "google-research", "airbnb", "paypal", "microsoft", "facebookresearch",
             "openai", "teslamotors", "meta-llama", "nvidia", "amazon-science", "apple"]
PACKAGES = [  # (package, family, framework): 60 packages
    *[(p, "core", f) for p, f in [
        ("torch", "pytorch"), ("tensorflow", "tensorflow"), ("tensorflow-cpu", "tensorflow"),
        ("jax", "jax"), ("jaxlib", "jax"), ("keras", "keras"), ("mxnet", "mxnet"),
        ("paddlepaddle", "paddle"), ("mindspore", "mindspore"), ("tensorflow-gpu", "tensorflow")]],
    *[(f"high-level-{i}", "high_level", f) for i, f in enumerate(["pytorch", "tensorflow", "jax"] * 4)],
    *[(f"serving-{i}", "serving", f) for i, f in enumerate(["pytorch", "tensorflow", "other"] * 3)],
    *[(p, "mobile_edge", f) for p, f in [
        ("tflite-runtime", "tensorflow"), ("ai-edge-litert", "tensorflow"), ("executorch", "pytorch"),
        ("torch-mobile-synthetic", "pytorch"), ("onnxruntime-mobile-synthetic", "other")]],
    *[(f"distributed-{i}", "distributed", f) for i, f in enumerate(["pytorch", "tensorflow", "jax"] * 3)],
    *[(f"ecosystem-{i}", "ecosystem", f) for i, f in enumerate(["pytorch", "tensorflow", "jax"] * 5)],
]
assert len(PACKAGES) == 60

# u(i, k): a pseudo-random number in [0, 1) for row i and stream k
U = "((hash({i}, {k}) % 1000000) / 1000000.0)"


def u(i: str, k: int) -> str:
    return U.format(i=i, k=k)


def _framework(r: str) -> str:
    """A framework drawn with PyTorch growing over time (r in [0, 1), age = year - 2015)."""
    return (f"case when {r} < 0.35 + 0.05 * age then 'pytorch' when {r} < 0.75 then 'tensorflow' "
            f"when {r} < 0.82 then 'jax' when {r} < 0.86 then 'keras' when {r} < 0.88 then 'mxnet' "
            f"when {r} < 0.90 then 'paddle' else 'none' end")


def fullscale_db(scale: float = 1.0) -> Path:
    """The full-scale database under benchmarks/data/, generated on first use."""
    path = DATA / ("fullscale.duckdb" if scale == 1.0 else f"fullscale_{scale:g}.duckdb")
    if not path.exists():
        start = time.perf_counter()
        generate(path, scale)
        print(f"generated {path} in {time.perf_counter() - start:.1f}s", flush=True)
    return path


def generate(path: str | Path, scale: float = 1.0) -> Path:
    """Write a full-scale (times `scale`) synthetic database at path; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", ".wal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    n_papers, n_links = int(PAPERS_FULL * scale), int(LINKS_FULL * scale)
    n_hf, n_repos = int(HF_FULL * scale), int(REPOS_FULL * scale)
    n_owners, n_repro = max(int(OWNERS_FULL * scale), len(COMPANIES) + 1), int(REPRODUCTIONS_FULL * scale)
    con = db.connect(path)
    ts = "timestamp '2026-10-01 00:00:00'"
    companies = "[" + ", ".join(f"'{c}'" for c in COMPANIES) + "]"
    venues = "['CVPR', 'ICCV', 'ECCV', 'NeurIPS', 'ICML', 'ICLR', 'ACL', 'EMNLP', 'NAACL', 'AAAI']"
    tasks = ("['Image Classification', 'Object Detection', 'Machine Translation', 'Question Answering', "
             "'Language Modelling', 'Reinforcement Learning', 'Image Generation', 'Sentiment Analysis']")
    with db.transaction(con):
        # a repo's owner: about 1.5% of repos belong to the tracked companies
        con.execute(f"create or replace temp macro owner_of(r) as "
                    f"case when hash(r, 16) % 1000 < 15 then r % {len(COMPANIES)} else r % {n_owners} end")
        con.execute(f"create or replace temp macro owner_name(o) as "
                    f"case when o < {len(COMPANIES)} then list_extract({companies}, (o + 1)::integer) "
                    f"else 'owner' || o end")
        con.execute("create or replace temp macro repo_name(r) as owner_name(owner_of(r)) || '/repo' || r")
        con.execute(f"""
            insert into pwc_papers (paper_id, arxiv_id, title, published, year, quarter, venue,
                                    venue_year, tasks, _source, _fetched_at)
            select 'paper-' || i, printf('%02d%02d.%05d', 15 + (i % 11), 1 + (i % 12), i % 100000),
                   'Paper ' || i || ' (synthetic)', d, year(d), quarter_of(d),
                   case when {u('i', 1)} < 0.12 then list_extract({venues}, (1 + i % 10)::integer) end,
                   case when {u('i', 1)} < 0.12 then year(d) end,
                   [list_extract({tasks}, (1 + i % 8)::integer)],
                   case when d > date '2025-07-15' then 'pwc-api' else 'pwc-dump' end, {ts}
            from (select i, date '2015-01-01' + (sqrt({u('i', 2)}) * 3900)::integer as d
                  from range({n_papers}) t(i))""")
        con.execute(f"""
            insert into pwc_paper_repos (paper_id, repo, repo_url, is_official, mentioned_in_paper,
                                         mentioned_in_github, pwc_framework, pwc_framework_raw,
                                         _source, _fetched_at)
            select 'paper-' || ((i * 7919) % {int(n_links * 0.85)}), repo_name(r),
                   'https://github.com/' || repo_name(r),
                   {u('i', 3)} < 0.6, true, false, fw, fw, 'pwc-dump', {ts}
            from (select i, i % {n_repos} as r, 10 as age,
                         {_framework(u('i', 4))} as fw from range({n_links}) t(i))""")
        con.execute(f"""
            insert into hf_papers (arxiv_id, title, published, year, quarter, github_repo, github_stars,
                                   upvotes, _source, _fetched_at)
            select printf('%02d%02d.%05d', 23 + (i % 4), 1 + (i % 12), 50000 + i),
                   'HF paper ' || i || ' (synthetic)', d, year(d), quarter_of(d),
                   case when {u('i', 5)} < 0.7 then repo_name(r) end,
                   (i % 500)::integer, (i % 50)::integer, 'hf', {ts}
            from (select i, (i * 31) % {n_repos} as r,
                         date '2023-01-01' + (({u('i', 6)}) * 1370)::integer as d
                  from range({n_hf}) t(i))""")
        con.execute(f"""
            insert into github_owners (login, display_login, type, name, description, _source, _fetched_at)
            select owner_name(o), owner_name(o), case when o % 3 = 0 then 'Organization' else 'User' end,
                   'Owner ' || o || ' (synthetic)', 'synthetic owner', 'github-graphql', {ts}
            from range({n_owners}) t(o)""")
        con.execute(f"""
            insert into github_repos (repo, owner, name_with_owner, status, description, stars, forks,
                                      created_at, pushed_at, is_fork, is_archived, primary_language,
                                      _source, _fetched_at)
            select repo_name(r), owner_name(owner_of(r)), repo_name(r), 'ok',
                   'Repository ' || r || ' (synthetic)', (r % 5000)::integer, (r % 300)::integer,
                   timestamp '2015-01-01' + to_days((sqrt({u('r', 7)}) * 4000)::integer),
                   timestamp '2026-01-01', {u('r', 8)} < 0.02, false, 'Python', 'github-graphql', {ts}
            from range({n_repos}) t(r)""")
        con.execute(f"""
            insert into repo_frameworks (repo, framework, evidence, source, score, is_primary, detected_at)
            select repo, fw, 'import', 'code', 0.9, true, {ts}
            from (select repo, year(created_at) - 2015 as age, {_framework(u('repo', 9))} as fw
                  from github_repos) where {u('repo', 10)} < 0.7
            union all
            select repo, case when {u('repo', 11)} < 0.5 then 'pytorch' else 'tensorflow' end,
                   'manifest', 'manifest', 0.6, true, {ts}
            from github_repos where {u('repo', 12)} < 0.5""")
        con.execute(f"""
            insert into owner_sectors (login, sector, probability, model_version, predicted_at)
            select login, case when {u('login', 13)} < 0.35 then 'academic'
                               when {u('login', 13)} < 0.65 then 'industry'
                               when {u('login', 13)} < 0.9 then 'individual'
                               when {u('login', 13)} < 0.95 then 'nonprofit_or_government'
                               else 'unknown' end, 0.8, 'synthetic', {ts}
            from github_owners""")
        con.execute(f"""
            insert into repo_purposes (repo, purpose, probability, model_version, predicted_at)
            select repo, case when {u('repo', 14)} < 0.6 then 'research_artefact'
                              when {u('repo', 14)} < 0.95 then 'production' else 'unknown' end,
                   0.8, 'synthetic', {ts}
            from github_repos""")
        con.execute(f"""
            insert into github_org_repos (org, repo, created_year, _fetched_at)
            select owner, repo, year(created_at), {ts} from github_repos
            where owner in (select unnest({companies}))""")
        con.execute(f"""
            insert into pypi_packages (package, family, framework, status, _fetched_at)
            select * , 'ok', {ts} from (values {", ".join(f"('{p}', '{f}', '{w}')" for p, f, w in PACKAGES)})""")
        con.execute(f"""
            insert into pypi_downloads (package, date, category, downloads, _source, _fetched_at)
            select p.package, date '2023-10-01' + d::integer, c.category,
                   (1000 + (hash(p.package) % 100000) * (1 + d / 365.0) * c.factor)::bigint,
                   'synthetic', {ts}
            from range(1096) t(d), pypi_packages p,
                 (values ('without_mirrors', 1.0), ('os:Linux', 0.8)) c(category, factor)""")
        con.execute("""
            insert into series_breaks values ('pypi_downloads', date '2026-08-24',
                'download counts include only .whl, .tar.gz and .zip requests from this day')""")
        con.execute(f"""
            insert into reproductions (run_id, repo, claimed_framework, runtime_frameworks, stage_reached,
                                       finished_at)
            select 'bench-run', repo, framework,
                   case when {u('repo', 15)} < 0.9 then [framework] else ['pytorch'] end, 3, {ts}
            from (select repo, framework from repo_frameworks where source = 'code' and framework <> 'none'
                  order by repo limit {n_repro})""")
    con.execute("checkpoint")
    con.close()
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--out", default=str(DATA / "fullscale.duckdb"))
    args = parser.parse_args()
    start = time.perf_counter()
    path = generate(args.out, args.scale)
    print(f"wrote {path} (scale {args.scale}) in {time.perf_counter() - start:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
