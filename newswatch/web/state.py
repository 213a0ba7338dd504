"""What the plugin knows about the Datasette instance `newswatch serve` made: the store's name, the config's
alert rules and whether arbitrary SQL is allowed. Hooks look it up by their ``datasette`` argument, so the plugin
does nothing in any other Datasette instance of the process."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from newswatch.web.matches import Rules

if TYPE_CHECKING:
    from newswatch.core.config import Config


@dataclass
class WebState:
    db_name: str
    config: Config
    rules: Rules
    allow_sql: bool = False


_STATES: weakref.WeakKeyDictionary[Any, WebState] = weakref.WeakKeyDictionary()


def attach(datasette: Any, state: WebState) -> None:
    _STATES[datasette] = state


def state_of(datasette: Any) -> WebState | None:
    return _STATES.get(datasette)
