"""The demo, shipped beside the product in the same wheel: the bundled synthetic inputs
(`inputs/`), a local replay server, a fake GitHub and the generators of the inputs.
`mltrends demo` serves them from 127.0.0.1 and refreshes exactly like the real thing.
"""

from datetime import date
from importlib import resources
from pathlib import Path

DEMO_DIR = Path(str(resources.files(__name__).joinpath("inputs")))
# the synthetic catalogue and daily papers start here (the demo's refresh fetches from it)
DATA_SINCE = date(2025, 7, 1)
