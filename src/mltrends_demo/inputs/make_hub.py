"""Write mltrends_demo/inputs/hub/models.json: a small SYNTHETIC Hugging Face Hub for the demo.

The objects use the Hub API's field names (`id`, `author`, `createdAt`, `lastModified`,
`library_name`, `pipeline_tag`, `tags`, `downloads`, `likes`); every model name says
"synthetic-demo" and no number in it is a real measurement. Some models cite demo papers
(`arxiv:` tags); two records are broken on purpose (they end in rejected_records).
Run: python src/mltrends_demo/inputs/make_hub.py
"""

from __future__ import annotations

import gzip
import json
import random
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
OWNERS = ["google", "meta-llama", "facebook", "microsoft", "openai", "nvidia", "apple", "Qwen",
          "vision-lab-uni", "nlp-group-tech", "ml-tsinghai", "demo-user-ada", "demo-user-bo",
          "demo-user-chen", "demo-user-dara"]
# (library_name, framework tags) and how the mix drifts from 2019 (weight a) to 2026 (weight b)
KINDS = [
    (("transformers", ["pytorch", "safetensors"]), 30, 55),
    (("transformers", ["tf"]), 18, 3),
    (("transformers", ["pytorch", "tf", "jax"]), 10, 2),
    (("diffusers", ["safetensors"]), 1, 10),
    (("keras", ["keras", "tf"]), 10, 4),
    (("tf-keras", ["tf-keras"]), 6, 1),
    (("transformers", ["jax"]), 4, 3),
    (("paddlenlp", ["paddlepaddle"]), 3, 1),
    (("mindspore", ["mindspore"]), 1, 1),
    (("gguf", ["gguf"]), 0, 12),
    (("sklearn", ["joblib"]), 4, 2),
    ((None, []), 5, 3),
]
FORMATS = [("onnx", 6, 8), ("tflite", 6, 2), ("executorch", 0, 5), ("coreml", 1, 3)]
TASKS = ["text-generation", "text-classification", "image-classification", "fill-mask",
         "automatic-speech-recognition", "object-detection", "feature-extraction"]


def main() -> None:
    rng = random.Random(20)
    with gzip.open(HERE / "pwc" / "papers.json.gz") as fh:
        papers = json.load(fh)
    arxiv = [p["arxiv_id"] for p in papers if p.get("arxiv_id")]
    start, end = datetime(2020, 1, 1), datetime(2026, 10, 31)
    models = []
    for i in range(900):
        created = start + (end - start) * rng.random()
        frac = (created - start) / (end - start)
        weights = [a + (b - a) * frac for _, a, b in KINDS]
        library, tags = rng.choices([k for k, _, _ in KINDS], weights)[0]
        tags = list(tags)
        for fmt, a, b in FORMATS:
            if rng.random() < (a + (b - a) * frac) / 100:
                tags.append(fmt)
        if rng.random() < 0.3:
            tags.append("arxiv:" + rng.choice(arxiv))
        tags += ["en", "license:apache-2.0"]
        owner = rng.choice(OWNERS)
        stamp = created.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        modified = min(end, created + timedelta(days=rng.randint(0, 400))).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        models.append({
            "id": f"{owner}/synthetic-demo-model-{i}", "author": owner, "createdAt": stamp,
            "lastModified": modified, "library_name": library, "pipeline_tag": rng.choice(TASKS),
            "tags": tags, "downloads": int(rng.paretovariate(1.2) * 50), "likes": rng.randint(0, 40),
        })
    models.append({"id": "demo-user-ada/synthetic-demo-broken-no-date", "author": "demo-user-ada",
                   "tags": ["pytorch"], "downloads": 1, "likes": 0})
    models.append({"author": "demo-user-bo", "createdAt": "2024-02-02T00:00:00.000Z", "tags": ["pytorch"]})
    (HERE / "hub").mkdir(exist_ok=True)
    text = "[\n" + ",\n".join(json.dumps(m) for m in models) + "\n]\n"
    (HERE / "hub" / "models.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
