"""Reading the dates pages print, as ISO 8601 in KST (+09:00): both sites write Korean time without a zone."""

from __future__ import annotations

import re
from datetime import datetime

from newswatch.core.clock import KST

_DATE = re.compile(
    r"(?P<y>\d{4})\s*[.\-/년]\s*(?P<m>\d{1,2})\s*[.\-/월]\s*(?P<d>\d{1,2})\s*일?"
    r"(?:\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)


def parse_kst(text: str | None) -> str | None:
    """The first date(-time) in ``text``, as ISO 8601 with +09:00; None when there is none or it is invalid.

    A date alone reads as midnight.
    """
    if not text:
        return None
    m = _DATE.search(text)
    if not m:
        return None
    try:
        dt = datetime(int(m["y"]), int(m["m"]), int(m["d"]), int(m["H"] or 0), int(m["M"] or 0), int(m["S"] or 0),
                      tzinfo=KST)
    except ValueError:
        return None
    return dt.isoformat(timespec="seconds")
