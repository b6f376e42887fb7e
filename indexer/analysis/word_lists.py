"""Word lists shipped in ``indexer/data`` and the accent folding they are
compared under: the bottom of the analysis, imported by the chain
(:mod:`indexer.analysis.dutch`) and the compound splitter alike.

>>> fold_accents("geïntegreerde")
'geintegreerde'
>>> "de" in load_word_list("stopwords-nl.txt")
True
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def fold_accents(text: str) -> str:
    """``geïntegreerde`` -> ``geintegreerde``; ASCII passes through untouched."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def load_word_list(name: str) -> frozenset[str]:
    """A word list shipped in ``indexer/data`` (``#`` starts a comment)."""
    words = set()
    for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.add(fold_accents(line.lower()))
    return frozenset(words)
