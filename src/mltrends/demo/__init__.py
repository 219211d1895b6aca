"""The demo: bundled synthetic inputs served from 127.0.0.1, refreshed like the real thing."""
