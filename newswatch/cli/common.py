"""What every command shares: the store option, opening the store, and the markers of highlighted text."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from newswatch.core.config import Config

if TYPE_CHECKING:
    from storage import Store


def store_option() -> argparse.ArgumentParser:
    """A parent parser for the commands that work on a store (declared once)."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--db", metavar="PATH", help="SQLite store (default: the config's store.path)")
    return parent


def db_path(args: argparse.Namespace, config: Config) -> Path:
    return Path(getattr(args, "db", None) or config.store.path)


def open_store(args: argparse.Namespace, config: Config, *, must_exist: bool = True) -> Store:
    """The store named by --db or the config; read-only commands never create one (a typo is an error)."""
    from storage import Store

    return Store(db_path(args, config), must_exist=must_exist, timeout=config.store.timeout)


def highlight_markers() -> tuple[str, str]:
    return ("\033[1;33m", "\033[0m") if sys.stdout.isatty() else ("[", "]")
