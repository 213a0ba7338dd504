"""What two copies of a story have in common: normalised Korean text, its shingles, MinHash and LSH band keys.

A newspaper rewrite of a city press release keeps most of the release's sentences but adds a dateline
("[프라임경제]"), a byline, and drops credits ("/광주광역시 제공"), "<끝>", "※ 별첨" lines and asides such as
"(시장 강기정)". Normalisation removes exactly those, so the text left is what the copies share.

MinHash (datasketch) estimates Jaccard similarity from a fixed-size signature; the LSH bands turn the signature
into a few keys such that texts with Jaccard above about 0.3 share at least one key with high probability
(40 bands of 3 rows: 67% at 0.3, 93% at 0.4, 99.5% at 0.5; 0.1% at 0.03, the level of unrelated news).
The keys go into an indexed table, so finding candidates costs a few index seeks whatever the store's size;
candidates are then verified exactly on their shingles (storage.stories).
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

SHINGLE = 4  # characters, after removing spaces and punctuation (about two Korean words)
BANDS, ROWS = 40, 3
NUM_PERM = BANDS * ROWS
SCHEME = "affine32"


@cache
def _minhash_class():  # type: ignore[no-untyped-def]
    """datasketch's MinHash, loaded on the first signature (not when `search` imports the store), and without the
    package's ``__init__``: that imports every sketch, LSH's scipy among them — half a second of CPU in each
    crawl process for code newswatch never calls. When the whole package is loaded already, that is used."""
    import importlib.util
    import sys
    import types

    if "datasketch" not in sys.modules:
        spec = importlib.util.find_spec("datasketch")
        if spec is None or spec.submodule_search_locations is None:
            raise ImportError("datasketch is not installed")
        package = types.ModuleType("datasketch")
        package.__path__ = list(spec.submodule_search_locations)  # a bare package: only the modules we import load
        sys.modules["datasketch"] = package
    from datasketch.minhash import MinHash

    return MinHash


@cache
def _permutations():  # type: ignore[no-untyped-def]
    return _minhash_class()(num_perm=NUM_PERM, seed=20261125, scheme=SCHEME).permutations

_LINE_DROP = re.compile(r"^\s*(※|<\s*끝\s*>|\[?\s*(담당부서|담당자|연락처|문의)\b)")
_LEAD = re.compile(r"^\s*(\[[^\]\n]{1,20}\]|【[^】\n]{1,30}】|\([^)\n]{0,20}=[^)\n]{0,30}\))\s*")
_DROP = [
    re.compile(r"ⓒ.*$"),  # copyright / photo credit to the end of the line
    re.compile(r"<\s*끝\s*>"),
    re.compile(r"/\s*[^\s/]{1,20}\s*제공\s*$"),  # "/광주광역시 제공"
    re.compile(r"(사진|자료)\s*[=:]\s*\S+(\s*제공)?"),
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),  # e-mail addresses
    re.compile(r"https?://\S+"),
    re.compile(r"[가-힣]{2,4}\s*(·|∙|・|,)?\s*([가-힣]{2,4}\s*)?기자\b"),  # "김성태 기자", "김성태·강경식 기자"
    re.compile(r"\([^()\n]{0,30}\)"),  # asides: "(시장 강기정)", "(GIST)"
]
_SAME = [("광주광역시", "광주시"), ("전라남도", "전남"), ("전남광주통합특별시", "통합특별시")]
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """The text two copies of a story share: credits, datelines, bylines and asides removed, no spaces."""
    kept = []
    for line in text.splitlines():
        if _LINE_DROP.match(line):
            continue
        line = _LEAD.sub("", line)
        for pattern in _DROP:
            line = pattern.sub(" ", line)
        kept.append(line)
    joined = " ".join(kept).lower()
    for long, short in _SAME:
        joined = joined.replace(long, short)
    return _NON_WORD.sub("", joined)


def shingles(text: str) -> set[str]:
    norm = normalise(text)
    if len(norm) < SHINGLE:
        return {norm} if norm else set()
    return {norm[i : i + SHINGLE] for i in range(len(norm) - SHINGLE + 1)}


def signature(grams: set[str]) -> np.ndarray:
    minhash = _minhash_class()(num_perm=NUM_PERM, permutations=_permutations(), scheme=SCHEME)
    minhash.update_batch([g.encode("utf-8") for g in grams])
    return minhash.hashvalues


def band_keys(grams: set[str]) -> list[int]:
    """One signed 64-bit key per band (the band's number is part of the key, so bands never collide)."""
    if not grams:
        return []
    values = signature(grams)
    keys = []
    for band in range(BANDS):
        digest = hashlib.blake2b(bytes([band]) + values[band * ROWS : (band + 1) * ROWS].tobytes(), digest_size=8)
        keys.append(int.from_bytes(digest.digest(), "big", signed=True))
    return keys
