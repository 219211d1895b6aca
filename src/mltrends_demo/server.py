"""The demo's local server: every bundled recording under its source's prefix, on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from mltrends.config import Settings
from mltrends.sources import registry
from mltrends_demo import DEMO_DIR
from mltrends_demo.github import demo_handler
from mltrends_demo.localserver import (
    Handler,
    LocalServer,
    ReplayHandler,
    Request,
    Response,
    load_recordings,
)

DEMO_TOKEN = "demo-token-not-a-secret"  # the fake GitHub wants a token to serve GraphQL


class PrefixRouter:
    """Send each request to the handler of the longest matching path prefix."""

    def __init__(self, routes: dict[str, Handler], default: Handler) -> None:
        self.routes = sorted(routes.items(), key=lambda kv: -len(kv[0]))
        self.default = default

    def __call__(self, req: Request) -> Response:
        for prefix, handler in self.routes:
            if req.path == prefix or req.path.startswith(prefix.rstrip("/") + "/"):
                return handler(req)
        return self.default(req)


def demo_server(demo_dir: Path = DEMO_DIR, lifetime: float = 3600.0) -> LocalServer:
    recordings = load_recordings([demo_dir / "http"]) if (demo_dir / "http").is_dir() else []
    replay = ReplayHandler(recordings)
    routes: dict[str, Handler] = {}
    hub_file = demo_dir / "hub" / "models.json"
    if hub_file.is_file():
        from mltrends_demo.hub import HubStandIn, load_models
        routes["/hub"] = HubStandIn(load_models(hub_file), strip_prefix="/hub")
    routes["/github-api"] = routes["/github-graphql"] = demo_handler(demo_dir)
    return LocalServer(PrefixRouter(routes, replay), lifetime=lifetime)


def demo_settings(settings: Settings, server_url: str, demo_dir: Path = DEMO_DIR) -> Settings:
    """Point every source at the demo server and the bundled dumps."""
    return settings.with_overrides(
        **registry.local_urls(server_url),
        pwc_links_url=str(demo_dir / "pwc" / "links.json.gz"),
        pwc_papers_url=str(demo_dir / "pwc" / "papers.json.gz"),
        git_base_url=(demo_dir / "repos").as_uri(),
        github_token=DEMO_TOKEN,
        http_backoff=0.05,
        http_backoff_max=0.5,
        http_max_sleep=5.0,
        pypi={"min_interval": 0.0},
        hub={"since": "2019-01-01", "page_size": 100},
    )
