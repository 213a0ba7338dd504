"""What the plugin knows about the Datasette instance `newswatch serve` made: the store's name and the config's
alert rules (whether arbitrary SQL is allowed is Datasette's own setting). Hooks look it up by their ``datasette``
argument, so the plugin does nothing in any other Datasette instance of the process."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

from newswatch.web.matches import Rules


@dataclass
class WebState:
    db_name: str
    rules: Rules


_STATES: weakref.WeakKeyDictionary[Any, WebState] = weakref.WeakKeyDictionary()


def attach(datasette: Any, state: WebState) -> None:
    _STATES[datasette] = state


def state_of(datasette: Any) -> WebState | None:
    return _STATES.get(datasette)
