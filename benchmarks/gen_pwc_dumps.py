"""Generate full-size synthetic replicas of the two Papers-with-Code archive dumps.

    python benchmarks/gen_pwc_dumps.py [--scale 1.0] [--out benchmarks/data/pwc]

writes `papers-with-abstracts.json.gz` (576,261 papers at scale 1, with abstracts and
methods, about 1.1 GB) and `links-between-papers-and-code.json.gz` (300,161 links), in
the field layout of the July 2025 snapshot. Every title says "(synthetic)". A few
records are deliberately broken (missing paper_url / repo_url) and a few links name the
same repo twice, so the loader's reject and dedupe paths are part of the timing. Paper
keys are unique, as we believe they are in the real papers dump (a dump that repeats
them loads through the slower staged path, which the benchmark times as the reload).
Seeded: the same scale gives the same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

import numpy as np

from common import DATA

PAPERS_FULL = 576_261
LINKS_FULL = 300_161
VENUES = ["CVPR", "ICCV", "ECCV", "NeurIPS", "ICML", "ICLR", "ACL", "EMNLP", "AAAI", "NAACL"]
TASKS = ["Image Classification", "Object Detection", "Semantic Segmentation", "Question Answering",
         "Machine Translation", "Language Modelling", "Speech Recognition", "Text Generation",
         "Reinforcement Learning", "Graph Classification", "Image Generation", "Sentiment Analysis"]
FRAMEWORKS = ["pytorch"] * 12 + ["tf"] * 5 + ["none"] * 6 + ["jax", "mxnet", "paddle", "mindspore"]
METHOD_AREAS = ["Computer Vision", "Natural Language Processing", "General", "Reinforcement Learning"]


def _text_block(rng: np.random.Generator, n_chars: int) -> str:
    """Random lower-case 'words': compresses about as badly as real prose after gzip."""
    letters = rng.integers(97, 123, size=n_chars, dtype=np.uint8)
    letters[rng.random(n_chars) < 0.16] = 32
    return letters.tobytes().decode("ascii")


def paper_record(i: int, rng: np.random.Generator, text: str, pos: int, abstract_len: int) -> dict:
    year = 2012 + i % 14
    month = 1 + (i * 7) % 12
    day = 1 + (i * 13) % 28
    venue = VENUES[i % len(VENUES)] if i % 3 == 0 else None
    n_methods = i % 4
    return {
        "paper_url": f"https://paperswithcode.com/paper/synthetic-paper-{i}",
        "arxiv_id": f"{year % 100:02d}{month:02d}.{i % 100000:05d}" if i % 5 else None,
        "nips_id": None,
        "openreview_id": None,
        "title": f"Synthetic paper {i} on {TASKS[i % len(TASKS)].lower()} (synthetic)",
        "abstract": text[pos:pos + abstract_len],
        "short_abstract": None,
        "url_abs": f"https://arxiv.org/abs/{year % 100:02d}{month:02d}.{i % 100000:05d}v{1 + i % 3}",
        "url_pdf": f"https://arxiv.org/pdf/{year % 100:02d}{month:02d}.{i % 100000:05d}v1.pdf",
        "proceeding": f"{venue} {year} {month}" if venue else None,
        "authors": [f"Author {i % 9973}", f"Author {(i * 31) % 9973}"][: 1 + i % 2],
        "tasks": [TASKS[i % len(TASKS)], TASKS[(i * 5) % len(TASKS)]][: i % 3],
        "date": f"{year}-{month:02d}-{day:02d}" if i % 50 else None,
        "conference_url_abs": None,
        "conference_url_pdf": None,
        "conference": f"synthetic-paper-{i}-1" if venue else None,
        "reproduces_paper": None,
        "methods": [{
            "name": f"Method{(i + k) % 2000}",
            "full_name": f"Synthetic Method {(i + k) % 2000}",
            "description": text[pos + k * 97: pos + k * 97 + 160],
            "introduced_year": 2000 + (i + k) % 25,
            "source_url": None,
            "source_title": None,
            "code_snippet_url": None,
            "main_collection": {"name": f"Collection {(i + k) % 50}", "description": "synthetic",
                                "parent": None, "area": METHOD_AREAS[(i + k) % 4]},
        } for k in range(n_methods)],
    }


def link_record(j: int, n_papers: int) -> dict:
    i = (j * 2654435761) % n_papers  # spread links over the papers; some papers get several
    fw = FRAMEWORKS[j % len(FRAMEWORKS)]
    return {
        "paper_url": f"https://paperswithcode.com/paper/synthetic-paper-{i}",
        "paper_title": f"Synthetic paper {i} (synthetic)",
        "paper_arxiv_id": None,
        "paper_url_abs": None,
        "paper_url_pdf": None,
        "repo_url": f"https://github.com/Synth-Owner-{j % 40000}/Synth-Repo-{j}" + (".git" if j % 17 == 0 else ""),
        "is_official": j % 3 == 0,
        "mentioned_in_paper": j % 4 == 0,
        "mentioned_in_github": j % 5 == 0,
        "framework": fw,
    }


def _write_array(path: Path, records, level: int) -> int:
    n = 0
    tmp = path.with_suffix(path.suffix + ".part")
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=level) as fh:
        fh.write("[")
        for rec in records:
            fh.write(("," if n else "") + "\n" + json.dumps(rec))
            n += 1
        fh.write("\n]\n")
    tmp.replace(path)
    return n


def _papers(n: int, abstract_chars: int, seed: int):
    rng = np.random.default_rng(seed)
    chunk = 2000
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        lengths = rng.integers(abstract_chars // 2, abstract_chars * 3 // 2, size=stop - start)
        text = _text_block(rng, int(lengths.sum()) + 1000)
        pos = 0
        for k, i in enumerate(range(start, stop)):
            rec = paper_record(i, rng, text, pos, int(lengths[k]))
            pos += int(lengths[k])
            if i % 100_000 == 77:
                rec["paper_url"] = None  # a broken record: rejected by the loader
            yield rec


def _links(n: int, n_papers: int):
    for j in range(n):
        rec = link_record(j, n_papers)
        if j % 60_000 == 11:
            rec["repo_url"] = None
        yield rec
        if j % 50_000 == 3:
            yield dict(rec, repo_url=rec["repo_url"] + "/tree/main")  # the same repo again


def generate(out: Path, scale: float = 1.0, abstract_chars: int = 2700, seed: int = 7,
             level: int = 1) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    n_papers = max(10, int(PAPERS_FULL * scale))
    n_links = max(10, int(LINKS_FULL * scale))
    papers = out / "papers-with-abstracts.json.gz"
    links = out / "links-between-papers-and-code.json.gz"
    _write_array(papers, _papers(n_papers, abstract_chars, seed), level)
    _write_array(links, _links(n_links, n_papers), level)
    return links, papers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size")
    parser.add_argument("--out", type=Path, default=DATA / "pwc")
    parser.add_argument("--abstract-chars", type=int, default=2700)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    links, papers = generate(args.out, args.scale, args.abstract_chars, args.seed)
    for p in (papers, links):
        print(f"{p}: {p.stat().st_size / 2**20:,.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
