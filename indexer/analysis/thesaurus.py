"""Abbreviations and synonyms of the domain, applied to queries.

The list lives in ``indexer/data/thesaurus-nl.txt`` (editors extend it; the
file explains its own format). ``so`` in a query also finds "speciaal
onderwijs" and the other way round; an entry marked ``!`` (``!MR``) only
counts when typed in capitals, so "mr." is not the medezeggenschapsraad.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from indexer.analysis.dutch import WordTokenizer, stem_dutch
from indexer.analysis.word_lists import DATA_DIR, fold_accents

THESAURUS_FILE = DATA_DIR / "thesaurus-nl.txt"


def _key(text: str) -> tuple[str, ...]:
    """Stems, so that "samenwerkingsverbanden" finds the entry "samenwerkingsverband"."""
    return tuple(stem_dutch(fold_accents(t.text.lower())) for t in WordTokenizer()(text))


@dataclass
class Thesaurus:
    # variant (as a tuple of stemmed words) -> the concept's other variants
    loose: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    # a variant that only counts as typed (capitals)
    exact: dict[str, list[str]] = field(default_factory=dict)
    # every concept's variants as written (without "!"), for autocomplete
    concepts: list[list[str]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path = THESAURUS_FILE) -> Thesaurus:
        th = cls()
        for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            variants = [v.strip() for v in line.split(" = ") if v.strip()]
            if len(variants) < 2:
                raise ValueError(f"{path.name}, regel {line_no}: een begrip heeft minstens twee varianten")
            plain = [v.lstrip("!") for v in variants]
            th.concepts.append(plain)
            for v in variants:
                own = _key(v.lstrip("!"))
                bucket = th.exact.setdefault(v[1:], []) if v.startswith("!") else th.loose.setdefault(own, [])
                for other in plain:
                    # a variant that stems the same as this one adds nothing
                    if _key(other) != own and other not in bucket:
                        bucket.append(other)
        return th

    def expansions(self, words: list[str]) -> list[tuple[int, int, list[str]]]:
        """(start, end, other variants) for each run of query words that is a
        variant, longest first and without overlaps (``words`` as typed)."""
        out = []
        taken: set[int] = set()
        keys = [_key(w) for w in words]
        flat = [k[0] if len(k) == 1 else " ".join(k) for k in keys]
        for size in range(4, 0, -1):
            for start in range(len(words) - size + 1):
                span = range(start, start + size)
                if taken & set(span):
                    continue
                found = None
                if size == 1 and words[start] in self.exact:
                    found = self.exact[words[start]]
                else:
                    key = tuple(flat[start : start + size])
                    found = self.loose.get(key)
                if found:
                    out.append((start, start + size, found))
                    taken |= set(span)
        return sorted(out)

    def completions(self, prefix: str) -> list[tuple[str, str]]:
        """(variant typed, another variant) for each concept with a one-word
        variant that starts with ``prefix`` (at least two letters): "tos"
        offers "taalontwikkelingsstoornis", "taalontw" offers "TOS".

        >>> Thesaurus(concepts=[["TOS", "taalontwikkelingsstoornis"]]).completions("tos")
        [('TOS', 'taalontwikkelingsstoornis')]
        """
        prefix = fold_accents(prefix.lower())
        if len(prefix) < 2:
            return []
        out = []
        for variants in self.concepts:
            short = [v for v in variants if _abbreviation(v)]
            if not short or len(short) == len(variants):
                continue  # synonyms, not an abbreviation and what it stands for
            for v in variants:
                if " " not in v and fold_accents(v.lower()).startswith(prefix):
                    out.extend(
                        (v, other) for other in variants if other != v and (_abbreviation(v) != _abbreviation(other))
                    )
                    break
        return out


def _abbreviation(variant: str) -> bool:
    """ "TOS", "sbo", "swv": one short word or capitals."""
    return " " not in variant and (len(variant) <= 5 or variant.isupper())


@lru_cache(maxsize=1)
def thesaurus() -> Thesaurus:
    return Thesaurus.load()
