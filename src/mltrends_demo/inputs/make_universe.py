"""Write the demo universe: the SYNTHETIC owners and repositories every demo source agrees on.

Run once (its output is committed): python src/mltrends_demo/inputs/make_universe.py
Everything here is synthetic and labelled so; the names imitate real patterns only.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent / "universe"
rng = random.Random(20261125)

ACADEMIC = [("vision-lab-uni", "Visual Computing Lab, Example University", "https://vision.example.edu", "Cambridge, MA"),
            ("nlp-group-tech", "NLP Group, Example Institute of Technology", "https://nlp.example.ac.uk", "Oxford, UK"),
            ("ml-tsinghai", "Machine Learning Group, Example Tsinghai University", "https://ml.example.edu.cn", "Beijing"),
            ("robotics-eth-demo", "Robot Learning Lab, Example ETH", "https://rl.example.ethz.ch", "Zurich"),
            ("uni-speech-lab", "Speech and Audio Lab, Example State University", "https://speech.example.edu", "Austin, TX"),
            ("kaist-ai-demo", "Example KAIST AI Lab", "https://ai.example.ac.kr", "Daejeon"),
            ("inria-demo-team", "Example Inria Team", "https://team.example.inria.fr", "Paris"),
            ("tokyo-ml-lab", "Machine Intelligence Lab, Example University of Tokyo", "https://mi.example.ac.jp", "Tokyo"),
            ("graph-learning-ucx", "Graph Learning Group, UC Example", "https://graph.example.edu", "Berkeley, CA"),
            ("medical-ai-uni", "Medical Imaging AI Lab, Example University Hospital", "https://medai.example.edu", "Boston, MA")]
INDUSTRY = [("acme-ai", "ACME AI Research", "https://ai.acme.example.com", "San Francisco, CA"),
            ("globex-research", "Globex Research", "https://research.globex.example.com", "Seattle, WA"),
            ("initech-ml", "Initech Machine Learning", "https://ml.initech.example.com", "Austin, TX"),
            ("umbrella-labs", "Umbrella Labs", "https://labs.umbrella.example.com", "London"),
            ("hooli-brain", "Hooli Brain", "https://brain.hooli.example.com", "Mountain View, CA"),
            ("stark-vision", "Stark Vision Systems", "https://vision.stark.example.com", "New York, NY"),
            ("wayne-fintech-ai", "Wayne Fintech AI", "https://ai.wayne.example.com", "Chicago, IL"),
            ("soylent-mobile", "Soylent Mobile ML", "https://ml.soylent.example.com", "Shenzhen")]
NONPROFIT = [("open-science-foundation", "Open Science Foundation (example)", "https://osf.example.org", "Washington, DC"),
             ("national-lab-ml", "Example National Laboratory, ML division", "https://ml.example.gov", "Oak Ridge, TN"),
             ("ai-commons", "AI Commons (example non-profit)", "https://aicommons.example.org", "Berlin")]
INDIVIDUAL_FIRST = ["alex", "sam", "kim", "lee", "jo", "max", "noa", "ravi", "mei", "ola", "yuki", "ana"]
WORDS = ["transformer", "diffusion", "gan", "segmentation", "detector", "nerf", "rl-agent", "bert-finetune",
         "graph-net", "speech-asr", "tts", "vit", "contrastive", "retrieval", "distill", "quantize",
         "pose", "depth", "tracking", "captioning", "vqa", "ocr", "recsys", "forecast", "anomaly"]
FRAMEWORK_WEIGHTS = [("pytorch", 0.64), ("tensorflow", 0.18), ("jax", 0.07), ("keras", 0.04),
                     ("mxnet", 0.02), ("paddle", 0.02), ("none", 0.03)]


def pick_framework(year: int, sector: str) -> str:
    weights = dict(FRAMEWORK_WEIGHTS)
    if year <= 2018:  # TensorFlow led before 2019
        weights["tensorflow"], weights["pytorch"] = 0.50, 0.30
    if sector == "industry":
        weights["tensorflow"] += 0.10
    names, w = zip(*weights.items(), strict=True)
    return rng.choices(names, w)[0]


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    owners = []
    for login, name, blog, loc in ACADEMIC:
        owners.append(dict(login=login, type="Organization", name=name, company="", blog=blog,
                           email=f"contact@{blog.split('//')[1]}", location=loc,
                           description=f"Research code from the {name}. (synthetic demo profile)",
                           synthetic_sector="academic"))
    for login, name, blog, loc in INDUSTRY:
        owners.append(dict(login=login, type="Organization", name=name, company="", blog=blog,
                           email=f"opensource@{blog.split('//')[1].split('.', 1)[1]}", location=loc,
                           description=f"Open-source projects of {name}. (synthetic demo profile)",
                           synthetic_sector="industry"))
    for login, name, blog, loc in NONPROFIT:
        owners.append(dict(login=login, type="Organization", name=name, company="", blog=blog,
                           email="", location=loc, description=f"{name}. (synthetic demo profile)",
                           synthetic_sector="nonprofit_or_government"))
    for i, first in enumerate(INDIVIDUAL_FIRST):
        owners.append(dict(login=f"{first}{rng.randint(10, 99)}dev", type="User", name=f"{first.title()} Example",
                           company="" if i % 3 else "@acme-ai", blog="", email="",
                           location=rng.choice(["", "Earth", "Lisbon", "Toronto", "Seoul"]),
                           description="ML hobbyist. (synthetic demo profile)", synthetic_sector="individual"))
    repos = []
    for owner in owners:
        count = {"academic": 6, "industry": 7, "nonprofit_or_government": 3, "individual": 2}[owner["synthetic_sector"]]
        for _ in range(count):
            year = rng.randint(2016, 2026)
            word = rng.choice(WORDS)
            name = f"{word}-{rng.choice(['official', 'pytorch', 'tf', 'jax', 'impl', 'lib', 'toolkit', 'demo'])}"
            fw = pick_framework(year, owner["synthetic_sector"])
            production = owner["synthetic_sector"] == "industry" and rng.random() < 0.45
            repos.append(dict(repo=f"{owner['login']}/{name}-{rng.randint(1, 999)}".lower(), owner=owner["login"],
                              created_year=year, framework=fw,
                              purpose="production" if production else "research_artefact",
                              stars=int(rng.lognormvariate(4.5, 1.6)), synthetic=True))
    with open(HERE / "owners.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(owners[0]))
        w.writeheader()
        w.writerows(owners)
    with open(HERE / "repos.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(repos[0]))
        w.writeheader()
        w.writerows(repos)
    print(f"{len(owners)} owners, {len(repos)} repos (synthetic) in {HERE}")


if __name__ == "__main__":
    main()
