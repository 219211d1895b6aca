"""Write the synthetic Papers-with-Code and Hugging Face demo inputs (seeded; output committed).

    python src/mltrends_demo/inputs/make_pwc_hf.py

- pwc/papers.json.gz, pwc/links.json.gz: archive-dump-shaped papers 2016..2025-07 at the
  big venues, linked to the repos of universe/repos.csv. The repo's framework is the
  truth; the PwC label equals it for most links, is 'none' for about 15% and wrong
  for a few (as in the real dump). A few records are broken on purpose.
- http/pwc-api/catalogue.jsonl: catalogue API answers (`papers/` by month window,
  include_resources) for 2025-07..2026-11, with repositories, organisations, hf_models.
- http/hf/daily_papers.jsonl: Hugging Face daily papers for a handful of days.

Every title says "(synthetic)".
"""

from __future__ import annotations

import csv
import gzip
import json
import random
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20260701
VENUE_MONTH = {"CVPR": 6, "ICCV": 10, "ECCV": 9, "NeurIPS": 12, "ICML": 7, "ICLR": 5, "ACL": 7,
               "EMNLP": 11, "AAAI": 2}
VISION = ["Image Classification", "Object Detection", "Semantic Segmentation", "Image Generation",
          "Pose Estimation", "Visual Question Answering"]
NLP = ["Machine Translation", "Question Answering", "Language Modelling", "Text Classification",
       "Named Entity Recognition", "Summarization"]
GENERAL = ["Reinforcement Learning", "Graph Classification", "Speech Recognition"]
WORDS = ["Efficient", "Robust", "Scalable", "Sparse", "Contrastive", "Self-Supervised", "Adaptive",
         "Hierarchical", "Multimodal", "Neural", "Latent", "Causal"]
NOUNS = ["Transformers", "Networks", "Representations", "Embeddings", "Diffusion Models", "Agents",
         "Retrieval", "Distillation", "Attention", "Priors"]
LABEL = {"tensorflow": "tf"}  # PwC's spelling
OTHER_LABELS = ["pytorch", "tf", "jax", "mxnet", "paddle"]


def load_repos() -> list[dict[str, str]]:
    with open(HERE / "universe" / "repos.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def tasks_for(venue: str | None, rng: random.Random) -> list[str]:
    pool = VISION if venue in ("CVPR", "ICCV", "ECCV") else NLP if venue in ("ACL", "EMNLP") \
        else VISION + NLP + GENERAL
    return rng.sample(pool, rng.randint(1, 2))


def label_for(framework: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.15:
        return "none"
    if roll < 0.19:
        return rng.choice([x for x in OTHER_LABELS if x != LABEL.get(framework, framework)])
    return LABEL.get(framework, framework)


def pick_repos(repos: list[dict[str, str]], year: int, n: int, rng: random.Random) -> list[dict[str, str]]:
    near = [r for r in repos if abs(int(r["created_year"]) - year) <= 1] or repos
    return rng.sample(near, min(n, len(near)))


def dump_papers(repos: list[dict[str, str]], rng: random.Random) -> tuple[list[dict], list[dict]]:
    papers, links = [], []
    n = 0
    for year in range(2016, 2026):
        for venue, month in VENUE_MONTH.items():
            if (venue == "ICCV" and year % 2 == 0) or (venue == "ECCV" and year % 2 == 1):
                continue
            if year == 2025 and month > 7:
                continue
            for _ in range(rng.randint(2, 4)):
                n += 1
                papers.append(_paper(n, year, month, venue, rng))
        for _ in range(6):  # arXiv-only papers, no venue
            n += 1
            papers.append(_paper(n, year, rng.randint(1, 7 if year == 2025 else 12), None, rng))
    for paper in papers:
        year = int(paper["date"][:4]) if paper["date"] else 2019
        k = rng.choices([1, 2, 3], weights=[6, 3, 1])[0]
        for i, repo in enumerate(pick_repos(repos, year, k, rng)):
            links.append({
                "paper_url": paper["paper_url"], "paper_title": paper["title"],
                "paper_arxiv_id": paper["arxiv_id"], "paper_url_abs": paper["url_abs"], "paper_url_pdf": None,
                "repo_url": f"https://github.com/{repo['repo']}" + (".git" if rng.random() < 0.1 else ""),
                "is_official": i == 0 and rng.random() < 0.7, "mentioned_in_paper": i == 0,
                "mentioned_in_github": rng.random() < 0.5, "framework": label_for(repo["framework"], rng),
            })
    papers.append({**_paper(n + 1, 2021, 3, None, rng), "paper_url": None})
    papers.append({**_paper(n + 2, 2022, 4, "CVPR", rng), "paper_url": None})
    links.append({**links[0], "repo_url": None})
    links.append({**links[1], "repo_url": "code coming soon"})
    return papers, links


def _paper(n: int, year: int, month: int, venue: str | None, rng: random.Random) -> dict:
    day = rng.randint(1, 28)
    pub = date(year, month, day) - timedelta(days=rng.randint(0, 120)) if venue else date(year, month, day)
    arxiv = f"{pub.year % 100:02d}{pub.month:02d}.{10000 + n:05d}"
    title = f"{rng.choice(WORDS)} {rng.choice(NOUNS)} for {rng.choice(VISION + NLP).lower()} (synthetic)"
    return {
        "paper_url": f"https://paperswithcode.com/paper/synthetic-demo-paper-{n}",
        "arxiv_id": arxiv if rng.random() < 0.9 else None,
        "nips_id": None, "openreview_id": None, "title": title,
        "abstract": "A synthetic abstract written for the mltrends demo; it describes no real work.",
        "short_abstract": None, "url_abs": f"https://arxiv.org/abs/{arxiv}v{rng.randint(1, 3)}",
        "url_pdf": f"https://arxiv.org/pdf/{arxiv}v1.pdf",
        "proceeding": f"{venue} {year} {month}" if venue else None,
        "authors": [f"Demo Author {rng.randint(1, 400)}" for _ in range(rng.randint(1, 4))],
        "tasks": tasks_for(venue, rng), "date": pub.isoformat() if rng.random() > 0.02 else None,
        "conference_url_abs": None, "conference_url_pdf": None,
        "conference": f"synthetic-demo-paper-{n}-1" if venue else None, "reproduces_paper": None,
        "methods": [{"name": m, "full_name": m, "main_collection": {"name": "Synthetic", "parent": None,
                                                                   "area": "General"}}
                    for m in rng.sample(["Adam", "Dropout", "ResNet", "Transformer", "LSTM", "ViT"], 2)],
    }


# the catalogue echoes the date window it applied; the replay server copies it from the request
ECHO = {"applied_filters": ["start_date", "end_date"]}


def catalogue(repos: list[dict[str, str]], rng: random.Random) -> list[dict]:
    """One recording per month window (matched on start_date and page, any end_date)."""
    orgs = ["Example AI (synthetic)", "Vision Lab Uni (synthetic)", "NLP Group Tech (synthetic)"]
    recordings, pid = [], 50000
    month = date(2025, 7, 1)
    while month <= date(2026, 11, 1):
        results = []
        for _ in range(rng.randint(6, 10)):
            pid += 1
            pub = month + timedelta(days=rng.randint(0, 27))
            arxiv = f"{pub.year % 100:02d}{pub.month:02d}.{pid:05d}"
            venue = rng.choice([None, None, "CVPR 2026", "NeurIPS 2025", "ICLR 2026", "ACL 2026"])
            chosen = pick_repos(repos, pub.year, rng.choice([1, 1, 2]), rng)
            paper = {
                "id": str(pid), "arxiv_id": arxiv,
                "title": f"{rng.choice(WORDS)} {rng.choice(NOUNS)} (synthetic catalogue paper)",
                "abstract": "A synthetic catalogue abstract for the mltrends demo.",
                "authors": [f"Demo Author {rng.randint(1, 400)}"], "published": pub.isoformat(),
                "organizations": [{"id": str(i), "name": o, "slug": o.split()[0].lower()}
                                  for i, o in enumerate(rng.sample(orgs, rng.randint(0, 2)))],
                "conference": venue, "citation_count": rng.randint(0, 90),
                "url_abs": f"https://arxiv.org/abs/{arxiv}v1",
                "tasks": [{"id": "1", "name": t, "slug": t.lower().replace(" ", "-")}
                          for t in tasks_for(None, rng)],
                "repositories": [{"url": f"https://github.com/{r['repo']}", "is_official": i == 0}
                                 for i, r in enumerate(chosen)],
                "hf_models": [f"demo-org/model-{pid}"] if rng.random() < 0.4 else [],
                "hf_datasets": [], "hf_spaces": [],
            }
            results.append(paper)
        recordings.append({
            "request": {"method": "GET", "path": "/pwc-api/api/v1/papers/",
                        "query": {"start_date": month.isoformat(), "page": "1"}},
            "response": {"status": 200, "json": {"count": len(results), "results": results},
                         "echo": ECHO}})
        month = (month + timedelta(days=32)).replace(day=1)
    recordings.append({"request": {"method": "GET", "path": "/pwc-api/api/v1/papers/"},
                       "response": {"status": 200, "json": {"count": 0, "results": []}, "echo": ECHO}})
    return recordings


def daily_papers(repos: list[dict[str, str]], rng: random.Random) -> list[dict]:
    recordings = []
    days = [date(2025, 9, 8), date(2026, 1, 14), date(2026, 3, 6), date(2026, 6, 2), date(2026, 9, 15),
            date(2026, 11, 3)]
    for k, day in enumerate(days):
        items = []
        for i in range(rng.randint(4, 7)):
            arxiv = f"{day.year % 100:02d}{day.month:02d}.{20000 + k * 10 + i:05d}"
            repo = rng.choice(repos) if rng.random() < 0.7 else None
            paper = {
                "id": arxiv, "authors": [{"_id": f"a{k}{i}", "name": "Demo Author", "hidden": False}],
                "publishedAt": f"{(day - timedelta(days=2)).isoformat()}T09:00:00.000Z",
                "submittedOnDailyAt": f"{day.isoformat()}T06:00:00.000Z",
                "title": f"{rng.choice(WORDS)} {rng.choice(NOUNS)} (synthetic HF paper)",
                "summary": "A synthetic summary for the mltrends demo.", "upvotes": rng.randint(0, 60),
                "discussionId": f"demo{k}{i}", "ai_keywords": rng.sample(VISION + NLP, 2),
            }
            if repo:
                paper["githubRepo"] = f"https://github.com/{repo['repo']}"
                paper["githubStars"] = int(repo["stars"])
            item = {"paper": paper, "publishedAt": paper["submittedOnDailyAt"], "title": paper["title"],
                    "numComments": 0, "isAuthorParticipating": False}
            if rng.random() < 0.6:
                item["organization"] = {"_id": f"o{k}", "name": repo["owner"] if repo else "demo-org",
                                        "fullname": "Demo organisation (synthetic)"}
            items.append(item)
        recordings.append({"request": {"method": "GET", "path": "/hf/api/daily_papers",
                                       "query": {"date": day.isoformat(), "limit": "100", "p": "0"}},
                           "response": {"status": 200, "json": items}})
    recordings.append({"request": {"method": "GET", "path": "/hf/api/daily_papers"},
                       "response": {"status": 200, "json": []}})
    return recordings


def _write_gz(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(path, "wb", mtime=0) as fh:
        fh.write(json.dumps(records, indent=1).encode())


def _write_jsonl(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def main() -> None:
    rng = random.Random(SEED)
    repos = load_repos()
    papers, links = dump_papers(repos, rng)
    _write_gz(HERE / "pwc" / "papers.json.gz", papers)
    _write_gz(HERE / "pwc" / "links.json.gz", links)
    _write_jsonl(HERE / "http" / "pwc-api" / "catalogue.jsonl", catalogue(repos, rng))
    _write_jsonl(HERE / "http" / "hf" / "daily_papers.jsonl", daily_papers(repos, rng))
    print(f"{len(papers)} papers, {len(links)} links (synthetic)")


if __name__ == "__main__":
    main()
