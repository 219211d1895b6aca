"""The model card: data, features, metrics (with the baselines), confusion matrices and
known failure modes of both classifiers, as Markdown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mltrends.classify.evaluate import goals_met
from mltrends.config import Settings

SECTOR_TEXT = """\
**Labels.** `mltrends/data/labels/{labels_file}`: {n} rows ({counts}). Real organisations
(universities, their labs' GitHub organisations, research institutes, companies and their
research organisations, non-profits, foundations, government agencies and national labs)
with the organisation's own site as the source of truth, some as GitHub accounts and some
as a paper's organisation (name and place only, as Papers with Code lists them). The
field values were written from public knowledge of each organisation, not fetched from
the GitHub API. `individual` rows are *constructed* individual-style profiles (login
patterns and bio styles typical of personal accounts); they describe no real person.

**Features.** Character 2-4-grams (TF-IDF) over login, name, company, bio and location;
word 1-2-grams over name, company and bio; engineered tokens: kind and suffix of the blog
and e-mail domains (`.edu`, `.ac.uk`, `.edu.cn`, `.gov`, `.org`, company TLDs, personal
hosts such as `github.io`), the host's words, owner type, verified flag, empty fields,
keyword families. Missing or null fields become empty values; a record with no field at
all is `unknown`.

**Model.** Linear SVM (`LinearSVC`, balanced classes) calibrated with sigmoid
`CalibratedClassifierCV` (3 folds) for probabilities; `unknown` when the best probability
is below {threshold}.
"""

PURPOSE_TEXT = """\
**Labels.** `mltrends/data/labels/{labels_file}`: {n} real, well-known repositories hand-labelled
({counts}); feature values (stars, years, topics, packaging, releases, paper link, owner
sector) are approximate, from each repository's page. **Training uses weak labels**:
paper-linked = research artefact; packaging + releases and no paper = production; other
rows abstain (coverage {coverage:.0%}, weak labels agree with the hand labels on
{weak_acc:.0%} of covered rows). The hand labels are used only for scoring.

**Features.** Word 1-2-grams over repository name, description and topics; owner sector;
packaging files present; releases; log stars; active years (last push - creation); has
topics. The paper link is *not* a feature: it defines the weak labels.

**Model.** Logistic regression (balanced) calibrated with sigmoid
`CalibratedClassifierCV`; `unknown` below {threshold}.
"""

FAILURES = """\
## Known failure modes

- **Sector, public research bodies.** The line between `academic` (universities and
  public research institutes such as Max Planck, Inria, CNRS, RIKEN, Mila) and
  `nonprofit_or_government` (agencies, national labs, foundations, independent
  non-profit labs such as Ai2 or EleutherAI) is a labelling convention; names like
  "... Laboratory" or "... Institute" are confused both ways.
- **Sector, company names without signal.** A paper organisation given only as a name
  ("Mistral AI", "Cohere") has no domain and no keyword; the model guesses from
  character n-grams and often says `academic` or abstains.
- **Sector, `.org` companies and `.com` labs.** `tensorflow.org`, `ommer-lab.com`,
  `automl.org` mislead domain rules; the model learns some of them, not all.
- **Sector, individuals.** Constructed profiles stand in for people, so `individual`
  scores are optimistic; any User-type account is treated as a person, whatever its
  employer, by design.
- **Purpose, production software with a paper.** PyTorch, TensorFlow, Transformers,
  scikit-learn, Faiss ... are linked to papers, so the weak labels call them research
  artefacts; the weak-label model inherits part of that error (see the confusion matrix),
  which the hand-label reference model does not have.
- **Purpose, facts in the database.** Packaging is only known when the GitHub step
  fetched the manifests; repos without fetched manifests look unpackaged (research-like).
"""


def _table(scores: dict[str, Any]) -> str:
    lines = ["| class | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for cls, s in scores["per_class"].items():
        lines.append(f"| {cls} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | "
                     f"{s['support']} |")
    return "\n".join(lines)


def _confusion(scores: dict[str, Any]) -> str:
    conf = scores["confusion"]
    lines = ["| true \\ predicted | " + " | ".join(conf["columns"]) + " |",
             "|---" * (len(conf["columns"]) + 1) + "|"]
    for row, values in zip(conf["rows"], conf["matrix"], strict=True):
        lines.append(f"| {row} | " + " | ".join(str(v) for v in values) + " |")
    return "\n".join(lines)


def _section(title: str, meta: dict[str, Any], text: str) -> str:
    m = meta["metrics"]
    counts = ", ".join(f"{v} {k}" for k, v in m["class_counts"].items())
    weak = m.get("weak_labels", {})
    intro = text.format(labels_file=meta["labels_file"], n=m["n"], counts=counts,
                        threshold=meta["threshold"], coverage=weak.get("coverage", 0),
                        weak_acc=weak.get("accuracy_on_covered", 0))
    rows = ["| | macro-F1 | accuracy |", "|---|---|---|",
            f"| **model** | **{m['model']['macro_f1']:.3f}** | {m['model']['accuracy']:.3f} |"]
    others = dict(m["baselines"])
    if "supervised_reference" in m:
        others["reference: same model trained on the hand labels"] = m["supervised_reference"]
    for name, s in others.items():
        rows.append(f"| {name} | {s['macro_f1']:.3f} | {s['accuracy']:.3f} |")
    goal = m["goal"]
    abst = m["abstention"]
    parts = [
        f"## {title}", "",
        f"Version `{meta['version']}`, training data sha256 `{meta['labels_sha256'][:16]}...`, "
        f"trained {meta['trained_at']} with scikit-learn {meta['sklearn_version']}.", "",
        intro,
        f"### Metrics (stratified {m['folds']}-fold CV, seed {m['seed']}, baselines on the same rows)",
        "", "\n".join(rows), "",
        f"Margin over the first baseline: {m['margin']:+.3f}; over the strongest: "
        f"{m['margin_over_strongest']:+.3f}. Goal: macro-F1 >= {goal['macro_f1']} and "
        f"margin >= {goal['margin']}: **{'met' if goals_met(m) else 'not met'}**.", "",
        f"With abstention at {abst['threshold']}: coverage {abst['coverage']:.1%}, accuracy on "
        f"the covered rows {abst['accuracy_on_covered'] or 0:.1%}.", "",
        "Model, per class:", "", _table(m["model"]), "",
        "Model confusion matrix (out-of-fold):", "", _confusion(m["model"]), "",
    ]
    for name, s in m["baselines"].items():
        parts += [f"Baseline confusion matrix ({name}):", "", _confusion(s), ""]
    return "\n".join(parts)


def write_card(settings: Settings, sector_meta: dict[str, Any],
               purpose_meta: dict[str, Any]) -> Path:
    """Write {reports_dir}/model_card.md and return its path."""
    out = Path(settings.reports_dir) / "model_card.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join([
        "# mltrends classifiers: model card", "",
        "Two scikit-learn models: the **sector** of a GitHub owner or paper organisation and "
        "the **purpose** of a repository. Predictions are written to `owner_sectors` and "
        "`repo_purposes` with their probabilities by `mltrends classify predict`.", "",
        _section("Sector model", sector_meta, SECTOR_TEXT),
        _section("Purpose model", purpose_meta, PURPOSE_TEXT),
        FAILURES,
    ])
    out.write_text(text, encoding="utf-8")
    return out
