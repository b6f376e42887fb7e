"""One hit per piece of content: passages that say the same in different documents.

The same publication as a web page and as a PDF, or a news page that quotes a
policy, gives passages with (nearly) the same words. A search shows them once:
the newest, most complete version, with the other places beside it.

- :func:`fingerprint` (at indexing): a bottom-k sketch of a passage's word
  shingles, ``K`` 32-bit hashes packed in ``K * 4`` bytes. Two passages whose
  shingle sets overlap by a share J keep about ``J * K`` of the same hashes,
  also when one holds the other and a little more (a PDF page break, another
  passage boundary).
- :func:`duplicate_groups` (per searcher): passages that share at least
  ``SHARED`` of their ``K`` hashes, joined transitively, as one group number
  per passage.
- :func:`collapse` (per search): the matching passages, one per group.

No search engine here: :mod:`indexer.engine.whoosh.index` stores the fingerprints in
a column and hands the arrays over.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

from indexer.analysis.word_lists import fold_accents

K = 16  # hashes per passage
SHARED = 6  # hashes two sketches must share to be compared at all
CONTAINED = 0.6  # estimated share of one passage's shingles in the other from which they are the same text
SHINGLE = 4  # words per shingle
MIN_WORDS = 12  # shorter passages ("Sectoren: po, so") say too little to be called the same
COMMON_HASH = 64  # a hash that this many passages share is boilerplate, not evidence
WIDTH = K * 4  # bytes of a packed fingerprint
NONE = b""

_WORD_RE = re.compile(r"\w+")


def fingerprint(text: str) -> bytes:
    """The passage's bottom-k sketch, packed; empty for a passage too short to judge.

    >>> a = fingerprint("Het samenwerkingsverband zorgt voor een dekkend aanbod van voorzieningen in de regio, "
    ...                 "zodat elk kind passend onderwijs krijgt.")
    >>> b = fingerprint("Het samenwerkingsverband zorgt voor een dekkend aanbod van voorzieningen in de regio, "
    ...                 "zodat elk kind passend onderwijs krijgt. Zie ook pagina 4.")
    >>> len(a), shared(a, b) >= SHARED, fingerprint("Sectoren: po, so")
    (64, True, b'')
    """
    words = _WORD_RE.findall(fold_accents(text.lower()))
    if len(words) < MIN_WORDS:
        return NONE
    hashes = {
        int.from_bytes(hashlib.blake2b(" ".join(words[i : i + SHINGLE]).encode(), digest_size=4).digest(), "little")
        for i in range(len(words) - SHINGLE + 1)
    }
    smallest = sorted(hashes)[:K]
    smallest += [smallest[-1]] * (K - len(smallest))  # fewer shingles than K: repeat the last
    return np.array(smallest, dtype="<u4").tobytes()


def shared(a: bytes, b: bytes) -> int:
    """How many hashes two fingerprints share."""
    if not a or not b:
        return 0
    return len(set(np.frombuffer(a, dtype="<u4").tolist()) & set(np.frombuffer(b, dtype="<u4").tolist()))


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """How much of one passage the other holds, estimated from their sketches:
    of the smaller sketch's hashes up to where the other sketch still sees
    everything (its largest hash), the share the other sketch holds. A web
    page's passage inside a longer PDF passage scores near 1; two short
    answers that share one phrase score low. (Counting the hashes two
    sketches share overstates it for short passages, whose sketch is nearly
    all their shingles.)

    >>> sketch = lambda text: np.frombuffer(fingerprint(text), dtype="<u4")
    >>> page = "Scholen kunnen voor het schooljaar 2020-2021 een aanvraag indienen voor 1 augustus 2020."
    >>> pdf = page + " Voor het schooljaar 2021-2022 is dat voor 1 mei 2021. Zie ook de toelichting bij de regeling."
    >>> round(similarity(sketch(page), sketch(pdf)), 2)
    1.0
    >>> a = "Leerlingen die korter dan vier jaar in Nederland zijn, bijvoorbeeld op een azc of in een isk."
    >>> b = "Ook dan doet u een nulmeting, zonder de leerlingen die korter dan vier jaar in Nederland zijn."
    >>> similarity(sketch(a), sketch(b)) < CONTAINED
    True
    """
    x, y = set(a.tolist()), set(b.tolist())
    best = 0.0
    for small, large in ((x, y), (y, x)):
        seen = [h for h in small if h <= max(large)]
        if seen:
            best = max(best, sum(1 for h in seen if h in large) / len(seen))
    return best


def duplicate_groups(sketches: np.ndarray, has: np.ndarray, doc_index: np.ndarray) -> np.ndarray:
    """A group number for every passage: its own number, or the number of
    the passage its group forms around. Mostly its company is in
    other documents; a page that repeats a text (two news items quoting one
    rule) counts too.

    ``sketches`` is a (passages × K) array of hashes, ``has`` marks the
    passages that have a fingerprint, ``doc_index`` gives each passage's
    document (kept for callers that group documents).

    >>> s = np.array([list(range(16)), list(range(8)) + list(range(30, 38)), list(range(40, 56))])
    >>> duplicate_groups(s, np.array([True, True, True]), np.array([0, 1, 2])).tolist()
    [1, 1, 2]
    >>> duplicate_groups(s, np.array([False, True, True]), np.array([0, 1, 2])).tolist()  # no fingerprint
    [0, 1, 2]
    >>> chain = np.array([list(range(16)), list(range(8, 24)), list(range(16, 32))])  # 0 ~ 1 ~ 2, 0 !~ 2
    >>> duplicate_groups(chain, np.array([True, True, True]), np.array([0, 1, 2])).tolist()  # around 1
    [1, 1, 1]
    """
    n = len(has)
    group = np.arange(n, dtype=np.int64)
    counts = _shared_hash_counts(sketches, has, n)
    if not counts:
        return group
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    same = {
        pair
        for pair, count in counts.items()
        if count >= SHARED and similarity(sketches[pair[0]], sketches[pair[1]]) >= CONTAINED
    }

    def alike(x: int, y: int) -> bool:
        return ((x, y) if x < y else (y, x)) in same

    # Each group forms around one passage that every member says the same as
    # (most alike pairs first): a chain of small changes does not gather
    # texts that have little in common.
    alone = set(range(n))
    for a, b in sorted(same, key=lambda pair: (-counts[pair], pair)):
        ra, rb = root(a), root(b)
        if ra == rb:
            continue
        if a in alone and alike(a, rb):
            parent[a] = rb
        elif b in alone and alike(b, ra):
            parent[b] = ra
        else:
            continue
        alone.discard(a)
        alone.discard(b)
    for x in {a for pair in same for a in pair}:
        group[x] = root(x)
    return group


def _shared_hash_counts(sketches: np.ndarray, has: np.ndarray, n: int) -> dict[tuple[int, int], int]:
    """Every pair of passages (a < b) that share at least ``SHARED`` of their
    sketches' hashes, with how many; a hash that more than ``COMMON_HASH``
    passages hold says nothing and is left out."""
    rows = np.flatnonzero(has)
    if len(rows) < 2:
        return {}
    # each distinct (hash, passage) once, sorted by hash and then passage, as one 64-bit key
    keys = _sorted_distinct(
        (sketches[rows].astype(np.uint64).ravel() << np.uint64(32))
        | np.repeat(rows, sketches.shape[1]).astype(np.uint64)
    )
    value = (keys >> np.uint64(32)).astype(np.int64)
    passage = (keys & np.uint64(0xFFFFFFFF)).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, value[1:] != value[:-1]])
    sizes = np.diff(np.r_[starts, len(value)])
    run_end = np.repeat(starts + sizes, sizes)  # where each entry's run ends
    usable = np.repeat((sizes >= 2) & (sizes <= COMMON_HASH), sizes)
    # every pair of passages that share a hash, as (a, b) with a < b, counted
    pair_keys = []
    at = np.flatnonzero(usable)
    for step in range(1, int(min(sizes.max(), COMMON_HASH))):
        at = at[at + step < run_end[at]]
        if not len(at):
            break
        pair_keys.append(passage[at].astype(np.uint64) * np.uint64(n) + passage[at + step].astype(np.uint64))
    if not pair_keys:
        return {}
    all_pairs = np.sort(np.concatenate(pair_keys))
    first = np.flatnonzero(np.r_[True, all_pairs[1:] != all_pairs[:-1]])
    pairs, counts = all_pairs[first], np.diff(np.r_[first, len(all_pairs)])
    candidates = pairs[counts >= SHARED]
    return dict(zip(((int(k) // n, int(k) % n) for k in candidates), counts[counts >= SHARED].tolist()))


def _sorted_distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique`` of a 1-D array by sorting (numpy 2's hash-based unique
    took six times as long on a million 64-bit keys)."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def collapse(
    ids: np.ndarray, scores: np.ndarray, groups: np.ndarray, preference: np.ndarray
) -> tuple[np.ndarray, np.ndarray, dict[int, list[int]]]:
    """One passage per group among ``ids`` (with ``scores``): the one the
    ``preference`` array (per passage, higher first) favours, scored as the
    best of its group; and, for each kept passage with company, the others.

    >>> ids, scores = np.array([3, 5, 7]), np.array([1.0, 2.0, 0.5])
    >>> kept, best, others = collapse(ids, scores, np.array([0, 1, 2, 3, 4, 3, 6, 7]), np.arange(8.0))
    >>> kept.tolist(), best.tolist(), others
    ([5, 7], [2.0, 0.5], {5: [3]})
    """
    g = groups[ids]
    if len(np.unique(g)) == len(g):
        return ids, scores, {}
    # the best score of each group, and its preferred member
    order = np.lexsort((-preference[ids], g))
    g_sorted, ids_sorted = g[order], ids[order]
    first = np.r_[True, g_sorted[1:] != g_sorted[:-1]]
    keep = ids_sorted[first]
    best = {int(k): 0.0 for k in g_sorted[first]}
    for group, score in zip(g.tolist(), scores.tolist()):
        if score > best[group]:
            best[group] = score
    kept_scores = np.array([best[int(x)] for x in g_sorted[first]], dtype=np.float64)
    others: dict[int, list[int]] = {}
    starts = np.flatnonzero(first)
    ends = np.r_[starts[1:], len(ids_sorted)]
    for start, end in zip(starts.tolist(), ends.tolist()):
        if end - start > 1:
            others[int(ids_sorted[start])] = ids_sorted[start + 1 : end].tolist()
    return keep, kept_scores, others
