"""The Datasette instance `newswatch serve` runs: the store, read-only, with the newswatch plugin."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from newswatch.core.config import Config
from newswatch.core.errors import UsageError
from newswatch.web import metadata, plugin
from newswatch.web.matches import Rules
from newswatch.web.state import WebState, attach

PLUGIN_NAME = "newswatch.web.plugin"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")

SETTINGS = {
    "allow_download": False,  # the store holds alert recipients; it is never offered as a file
    "facet_time_limit_ms": 500,
    "sql_time_limit_ms": 2000,
    "suggest_facets": True,
    "default_page_size": 50,
}


def register_plugin() -> None:
    """Register the plugin module with Datasette once per process. It is then in every Datasette instance of
    the process; its hooks, views and facets act only on instances with a WebState (those made here)."""
    from datasette.plugins import pm

    if not pm.is_registered(plugin):
        pm.register(plugin, name=PLUGIN_NAME)


def make_datasette(db_path: str | Path, config: Config, *, allow_sql: bool = False) -> Any:
    """Datasette on the store: served under its file name (``/<name>``), arbitrary SQL only with ``allow_sql``."""
    from datasette.app import Datasette

    path = Path(db_path)
    if not path.is_file():
        raise UsageError(f"no store at {path} (check --db or store.path; `newswatch crawl` creates one)")
    register_plugin()
    name = path.stem
    templates = resources.files("newswatch.web") / "templates"
    datasette = Datasette(
        files=[str(path)],
        metadata=metadata.build(name, search_path="/-/search"),
        settings=SETTINGS | {"default_allow_sql": allow_sql},
        template_dir=str(templates),
    )
    attach(datasette, WebState(db_name=name, rules=Rules(config.alerts.rules)))
    return datasette
