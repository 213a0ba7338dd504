"""Korean-aware tokens for full-text search.

FTS5's unicode61 keeps "광주광역시장" as one token, so "광주" would not find it, and its trigram tokenizer cannot
match two-character terms like 광주 or AI at all. Hangul/CJK runs are therefore indexed as overlapping character
bigrams (a term matches anywhere inside a word), Latin letters and digits as whole lower-cased words (so AI
matches "AI산업" and "(AI)" but not "MAIL"). Index and query go through the same function.
"""

from __future__ import annotations

import re
import unicodedata

_CJK = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"([{_CJK}]+)|([0-9A-Za-z\u00c0-\u024f]+)")


def tokens(text: str) -> list[str]:
    out: list[str] = []
    for m in _RUNS.finditer(unicodedata.normalize("NFC", text or "")):
        cjk, latin = m.groups()
        if cjk:
            out.extend([cjk] if len(cjk) == 1 else [cjk[i : i + 2] for i in range(len(cjk) - 1)])
        else:
            out.append(latin.lower())
    return out


def index_text(text: str) -> str:
    """The form stored in the FTS table: tokens separated by spaces."""
    return " ".join(tokens(text))


def is_single_cjk(token: str) -> bool:
    return len(token) == 1 and bool(re.match(rf"[{_CJK}]", token))
