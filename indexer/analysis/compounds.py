"""Dutch compounds into their parts: ``samenwerkingsverband`` -> ``samenwerking``
+ ``verband``; ``leerlingvolgsysteem`` -> ``leerling`` + ``volg`` + ``systeem``.

The dictionary is the Dutch frequency list that ships inside the ``wordfreq``
package (about 310,000 words), plus a short list of the domain's own words
(``indexer/data/domain-words-nl.txt``). A split is the one with the fewest
parts (then the most common ones) such that:

- every part is a known word of at least ``MIN_PART`` letters, common enough
  (Zipf frequency >= ``MIN_ZIPF``) or a domain word;
- parts may be joined by a linking ``s`` or ``en`` (``samenwerking-s-verband``,
  ``boek-en-kast``);
- the first part is not a bare prefix or particle (``ver``, ``be``, ``onder``,
  ``samen``: *onderwijs* is not *onder* + *wijs*);
- the last part is not an inflection (*kinderen* is not *kind* + *eren*).
"""

from __future__ import annotations

import bisect
import math
from functools import lru_cache

from indexer.analysis.word_lists import fold_accents, load_word_list

MIN_WORD = 8  # shorter words are not split
MIN_PART = 4
MIN_ZIPF = 2.5
LINKS = ("s", "en")

# A first part that is only a prefix or a separable particle makes nonsense:
# onder|wijs, ver|beteren, samen|werking, be|stuur.
NOT_FIRST = frozenset(
    "aan af al be bij door er ge her in mee mis na om on onder ont op over te tegen terug toe "
    "uit ver voor weg samen achter boven binnen buiten neer rond vol".split()
)
# A last part that is an inflection or derivational ending, not a word of its own here.
NOT_LAST = frozenset(
    "en eren er ers ere es e s st ste t te ten de den je jes tje tjes pje pjes etje ing ingen "
    "heid heden lijk lijke lijkheid baar bare loos loze achtig ig ige isch ische atie aties der "
    "ering eringen ling lingen".split()
)


@lru_cache(maxsize=1)
def _frequencies() -> dict[str, float]:
    """Dutch word -> Zipf frequency (log10 of occurrences per billion words;
    the highest of the words that fold to the same letters), for the words
    common enough to be a part (Zipf >= ``MIN_ZIPF``): rarer ones read as 0,
    which no test here tells apart. Keeping all 310,000 words, and
    wordfreq's own cached copies of its list, cost 60 MB in every server
    process."""
    import wordfreq

    zipf: dict[str, float] = {}
    zipf_of: dict[float, float] = {}  # some 600 distinct frequencies among 300,000 words
    for word, freq in wordfreq.get_frequency_dict("nl", wordlist="large").items():
        if freq not in zipf_of:
            zipf_of[freq] = math.log10(freq * 1e9)
        z = zipf_of[freq]
        if z >= MIN_ZIPF and word.isalpha():
            key = fold_accents(word)
            if z > zipf.get(key, -1.0):
                zipf[key] = z
    wordfreq.get_frequency_dict.cache_clear()
    wordfreq.get_frequency_list.cache_clear()
    return zipf


@lru_cache(maxsize=1)
def domain_words() -> frozenset[str]:
    return load_word_list("domain-words-nl.txt")


def zipf(word: str) -> float:
    if word in domain_words():
        return max(_frequencies().get(word, 0.0), MIN_ZIPF)
    return _frequencies().get(word, 0.0)


def _is_part(word: str) -> bool:
    return len(word) >= MIN_PART and zipf(word) >= MIN_ZIPF


@lru_cache(maxsize=1)
def _part_zipf() -> dict[str, float]:
    """Every word that can be a part (:func:`_is_part`) with its :func:`zipf`:
    one dictionary lookup per candidate part in :func:`_segments`."""
    parts = {w: z for w, z in _frequencies().items() if len(w) >= MIN_PART and z >= MIN_ZIPF}
    for w in domain_words():
        if len(w) >= MIN_PART:
            parts[w] = zipf(w)
    return parts


INFLECTIONS = ("en", "s", "e", "eren", "ste", "st", "er", "ere", "es")


@lru_cache(maxsize=200_000)
def _segments(word: str) -> tuple[tuple[int, int], ...]:
    """Spans (start, end) of the parts of a compound, or ``()``."""
    if len(word) < MIN_WORD or not word.isalpha():
        return ()
    # an inflected simple word is not a compound: leerling-en, belangrijk-ste
    for ending in INFLECTIONS:
        base = word[: -len(ending)]
        if word.endswith(ending) and zipf(base) >= 3.5 and not _segments(base):
            return ()
    n = len(word)
    part_zipf = _part_zipf()
    # best[i]: ((number of parts, -sum of Zipf), spans) for word[:i]
    best: list[tuple[tuple[int, float], tuple[tuple[int, int], ...]] | None] = [None] * (n + 1)
    best[0] = ((0, 0.0), ())
    # Where a part can start: after a split, directly or after a linking s / en
    # (a word cannot start with a linking element). Only those starts are
    # tried, in the order of trying every start; each start's splits before
    # it are final by the time a part from there can end.
    starts = [0]
    before_start: dict[int, list] = {}
    for end in range(MIN_PART, n + 1):
        for start in starts:
            if start > end - MIN_PART:
                break
            if start == 0 and end == n:  # the word itself is no split
                continue
            part = word[start:end]
            z = part_zipf.get(part)
            if z is None:
                continue
            options = before_start.get(start)
            if options is None:
                options = before_start[start] = [
                    best[before]
                    for link in ("",) + LINKS
                    if (before := start - len(link)) >= 0
                    and word[before:start] == link
                    and best[before] is not None
                    and not (before == 0 and link)
                ]
            for (count, neg_zipf), spans in options:
                if count == 0 and part in NOT_FIRST:
                    continue
                key = (count + 1, neg_zipf - z)
                if best[end] is None or key < best[end][0]:
                    best[end] = (key, spans + ((start, end),))
        if best[end] is not None and end < n:
            for link in ("",) + LINKS:
                if word.startswith(link, end) and end + len(link) not in starts:
                    bisect.insort(starts, end + len(link))
    if best[n] is None:
        return ()
    spans = best[n][1]
    last = word[spans[-1][0] :]
    if len(spans) < 2 or last in NOT_LAST or last.startswith("rijk"):
        return ()
    return spans


def split_compound(word: str) -> tuple[str, ...]:
    """The parts of a (lower-case, accent-folded) compound, or ``()`` when it
    is not one. Linking letters are left out of the parts."""
    return tuple(word[a:b] for a, b in _segments(word))


def compound_terms(word: str) -> list[str]:
    """What a compound adds to the index beside itself: its parts and each run
    of neighbouring parts as printed (``leerling volg systeem`` also gives
    ``leerlingvolg`` and ``volgsysteem``), so that a search for a part or a
    shorter compound finds the longer one."""
    spans = _segments(word)
    out = [word[a:b] for a, b in spans]
    for size in range(2, len(spans)):
        for i in range(len(spans) - size + 1):
            out.append(word[spans[i][0] : spans[i + size - 1][1]])
    return out
