"""Feature preparation shared by the sector and purpose models.

Records arrive with any subset of fields (GitHub owners, paper organisations, JSON
lines typed by a person); every function here turns missing or null values into
empty strings or explicit "missing" tokens instead of dropping the record.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlparse

import pandas as pd

OWNER_FIELDS = ("login", "type", "name", "company", "blog", "email", "location", "description",
                "is_verified")

# Hosts where a personal page or mailbox lives: they say "a person", not "an employer".
PERSONAL_HOSTS = ("github.io", "gitlab.io", "gmail.com", "googlemail.com", "outlook.com",
                  "hotmail.com", "yahoo.com", "qq.com", "163.com", "126.com", "foxmail.com",
                  "protonmail.com", "proton.me", "icloud.com", "users.noreply.github.com",
                  "sites.google.com", "medium.com", "linkedin.com", "twitter.com", "x.com",
                  "substack.com", "notion.site", "wordpress.com", "blogspot.com", "hey.com")
GOV_SUFFIXES = ("gov", "mil", "gouv.fr", "gc.ca", "canada.ca", "bund.de", "admin.ch", "europa.eu",
                "int", "govt.nz", "gob.es", "gob.mx", "go.jp", "go.kr")
COMPANY_SUFFIXES = ("com", "ai", "io", "co", "tech", "dev", "app", "cloud", "inc", "biz", "net")
ACADEMIC_HOST_WORDS = ("uni-", "univ", "university", "college", "polytechnique", "ethz", "epfl",
                       "inria", "mpg", "cnrs", "riken")


HOST_RE = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$")


def text_value(value: Any) -> str:
    """A field as a clean string; None, NaN and non-strings are handled, never raised on."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(text_value(v) for v in value)
    return str(value).strip()


def host_of(value: str) -> str:
    """The host of a blog URL or the domain of an e-mail address, lower case ('' if none)."""
    value = value.strip().lower()
    if not value:
        return ""
    if "@" in value and "/" not in value:
        host = value.rsplit("@", 1)[1].strip(". ")
    else:
        if "://" not in value:
            value = "http://" + value
        try:
            host = urlparse(value).hostname or ""
        except ValueError:
            return ""
    host = host.removeprefix("www.")
    return host if HOST_RE.match(host) else ""


def domain_kind(host: str) -> str:
    """Coarse class of a host name: personal, academic, gov, org, company, cc or none."""
    if not host:
        return "none"
    if any(host == h or host.endswith("." + h) for h in PERSONAL_HOSTS):
        return "personal"
    labels = host.split(".")
    if "edu" in labels[-2:] or (len(labels) >= 3 and labels[-2] == "ac"):
        return "academic"
    if any(host == s or host.endswith("." + s) for s in GOV_SUFFIXES) or "gov" in labels[-2:]:
        return "gov"
    if labels[-1] == "org" or labels[-2:-1] == ["org"]:
        return "org"
    if any(w in host for w in ACADEMIC_HOST_WORDS):
        return "academic"
    if labels[-1] in COMPANY_SUFFIXES or labels[-2:-1] == ["co"] or labels[-2:-1] == ["com"]:
        return "company"
    return "cc"


def domain_tokens(prefix: str, raw: str) -> list[str]:
    """Engineered tokens of one blog/email value: its kind, suffix and the host's words."""
    host = host_of(raw)
    kind = domain_kind(host)
    tokens = [f"{prefix}_kind_{kind}"]
    if host:
        labels = host.split(".")
        tokens.append(f"{prefix}_tld_{labels[-1]}")
        if len(labels) >= 3:
            tokens.append(f"{prefix}_sfx_{'.'.join(labels[-2:])}")
        tokens += [f"dom_{part}" for part in re.split(r"[.\-]", host) if len(part) > 1]
    return tokens


def owner_frame(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Owner records (dicts with any subset of OWNER_FIELDS) as a frame of clean strings."""
    rows = []
    for rec in records:
        row = {f: text_value(rec.get(f)) for f in OWNER_FIELDS}
        verified = rec.get("is_verified")
        row["is_verified"] = "" if verified is None or row["is_verified"] == "" else (
            "true" if str(verified).lower() in {"true", "1", "yes"} else "false")
        rows.append(row)
    return pd.DataFrame(rows, columns=list(OWNER_FIELDS))


def owner_text(frame: pd.DataFrame) -> pd.Series:
    """The free text the character n-grams read: login, names, bio and place."""
    parts = [frame[c].fillna("") for c in ("login", "name", "company", "description", "location")]
    return (parts[0] + " | " + parts[1] + " | " + parts[2] + " | " + parts[3] + " | " + parts[4]).str.lower()


KEYWORDS = {
    "academic": re.compile(r"universit|college|\binstitute of technology|école|escuela|"
                           r"hochschule|polytechn|\bschool of\b|\bfaculty\b|\bphd\b|"
                           r"\bstudent\b|\bprofessor\b"),
    "gov": re.compile(r"national lab|\bgovernment\b|\bministry\b|\bagency\b|"
                      r"\bdepartment of\b|\bfederal\b|\bnasa\b|\bnist\b|national institutes? of|"
                      r"\bnational\b|\bcentre for\b|\bcenter for\b"),
    "nonprofit": re.compile(r"foundation|non-?profit|\bcharity\b|\bsociety\b|\bassociation\b|"
                            r"\bcommunity\b|\bproject\b|\bopen\b"),
    "company": re.compile(r"\binc\b|\binc\.|\bltd\b|\bllc\b|\bcorp\b|corporation|\bgmbh\b|"
                          r"\bco\.,|\bcompany\b|technolog|\bs\.a\.|\bplc\b|\bgroup\b|"
                          r"\bplatform\b|\bcloud\b|\bproducts?\b|\bengineer"),
}


def keyword_tokens(text: str) -> list[str]:
    """kw_<kind> for each keyword family the text matches (the rules' words, as features)."""
    return [f"kw_{kind}" for kind, rx in KEYWORDS.items() if rx.search(text)]


def owner_meta(frame: pd.DataFrame) -> pd.Series:
    """Engineered tokens: domain kinds and suffixes, owner type, verified flag, keywords."""
    out = []
    for rec in frame.to_dict("records"):
        kind = (rec["type"] or "missing").lower()
        tokens = [f"type_{kind}", f"verified_{rec['is_verified'] or 'unknown'}"]
        tokens += domain_tokens("blog", rec["blog"]) + domain_tokens("email", rec["email"])
        tokens += [f"empty_{f}" for f in ("name", "company", "description", "location") if not rec[f]]
        text = " ".join(rec[f] for f in ("name", "company", "description")).lower()
        tokens += keyword_tokens(text)
        company = rec["company"]
        if company.startswith("@"):
            tokens.append("company_handle")
        out.append(" ".join(tokens))
    return pd.Series(out, index=frame.index)


def owner_features(frame: pd.DataFrame) -> pd.DataFrame:
    """The two columns the sector pipeline's ColumnTransformer reads."""
    words = (frame["name"].fillna("") + " " + frame["company"].fillna("") + " "
             + frame["description"].fillna("")).str.lower()
    return pd.DataFrame({"text": owner_text(frame), "words": words, "meta": owner_meta(frame)},
                        index=frame.index)


def has_information(frame: pd.DataFrame) -> pd.Series:
    """True where a record has at least one non-empty field to classify from."""
    cols = [c for c in OWNER_FIELDS if c != "is_verified"]
    return (frame[cols].fillna("") != "").any(axis=1)


def repo_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns the purpose pipeline reads, from a frame of repository facts.

    Expects: repo, description, topics (';'-joined or list), stars, created_year,
    pushed_year, has_packaging, has_releases, owner_sector. The paper link is left out
    on purpose: it defines the weak labels, so a model that saw it would only learn
    the labelling rule back.
    """
    name = frame["repo"].fillna("").map(lambda r: r.split("/", 1)[-1])
    topics = frame["topics"].map(_topic_text)
    text = (name.str.replace(r"[-_.]", " ", regex=True) + " | "
            + frame["description"].map(text_value) + " | " + topics).str.lower()
    stars = pd.to_numeric(frame["stars"], errors="coerce").fillna(0).clip(lower=0)
    created = pd.to_numeric(frame["created_year"], errors="coerce")
    pushed = pd.to_numeric(frame["pushed_year"], errors="coerce")
    span = (pushed - created).fillna(0).clip(lower=0)
    meta = []
    for sector, pkg, rel in zip(frame["owner_sector"], frame["has_packaging"],
                                frame["has_releases"], strict=True):
        meta.append(" ".join([f"sector_{text_value(sector) or 'unknown'}",
                              f"packaging_{_flag(pkg)}", f"releases_{_flag(rel)}"]))
    return pd.DataFrame({
        "text": text,
        "meta": meta,
        "log_stars": stars.map(lambda s: math.log10(1 + s)),
        "active_years": span.clip(upper=12),
        "has_topics": (topics != "").astype(float),
    }, index=frame.index)


def _topic_text(value: Any) -> str:
    if isinstance(value, str):
        return " ".join(t for t in value.split(";") if t)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return " ".join(text_value(v) for v in value)


def _flag(value: Any) -> str:
    text = text_value(value).lower()
    return "yes" if text in {"true", "1", "yes"} else "no"
