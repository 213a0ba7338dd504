"""Many ids in one SQL statement: one JSON parameter read by ``json_each``, not one parameter per id (SQLite
allows 32,766 parameters; a saved search, a rule's backlog or a big story may hold more)."""

from __future__ import annotations

import json
from collections.abc import Iterable

IN_IDS = "IN (SELECT value FROM json_each(?))"


def id_list(ids: Iterable[int]) -> str:
    """The parameter for ``IN_IDS``."""
    return json.dumps([int(i) for i in ids])
