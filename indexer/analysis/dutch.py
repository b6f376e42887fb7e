"""Dutch text analysis: small steps composed with ``|``, in the manner of Whoosh.

A tokenizer turns text into :class:`Token` objects; each filter takes a stream
of tokens and yields a (possibly changed) stream. ``Tokenizer() | Filter() |
Filter()`` builds a :class:`Chain`, which is itself callable on text::

    analyzer = (WordTokenizer() | HyphenPartsFilter() | LowercaseFilter()
                | AccentFoldFilter() | StopWordFilter() | DutchStemFilter())
    [t.text for t in analyzer("Samenwerkingsverbanden in het so-onderwijs")]
    # ['samenwerkingsverband', 'so-onderwijs', 'so', 'onderwijs']

Nothing here imports the search engine; ``indexer.engine.whoosh.index`` adapts these
chains to Whoosh's analyzer protocol, so index and query side share one chain.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cache, lru_cache

from indexer.analysis.compounds import compound_terms
from indexer.analysis.word_lists import fold_accents, load_word_list

# Kinds of token: a plain word, a hyphenated whole ("vo-school") and one of
# its parts ("vo", "school").
WORD, COMPOUND, PART = "word", "compound", "part"

HYPHENS = "-\u2010\u2011"
# Letters and digits (not underscore), optionally joined by hyphens; numbers
# with decimal or thousands separators stay one token; a trailing 's after an
# apostrophe (thema's, regio's, PABO's) belongs to the word but is not kept.
_TOKEN_RE = re.compile(
    r"\d+(?:[.,]\d+)+"
    r"|[^\W_]+(?:[" + HYPHENS + r"][^\W_]+)*(?:['\u2019]s\b)?"
)
_HYPHEN_SPLIT_RE = re.compile("[" + HYPHENS + "]")


@dataclass(slots=True)
class Token:
    text: str
    pos: int
    start: int
    end: int
    kind: str = WORD


class Step:
    """Something that can be composed with ``|``."""

    def __or__(self, other: Step) -> Chain:
        return Chain([self]) | other


class Tokenizer(Step):
    def __call__(self, text: str) -> Iterator[Token]:  # pragma: no cover
        raise NotImplementedError


class Filter(Step):
    # True when the filter looks at one token at a time (its output for a word
    # depends on that word only): a chain of such filters caches per word.
    per_word = False

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:  # pragma: no cover
        raise NotImplementedError


class Chain(Step):
    """A tokenizer followed by filters; calling it analyses a text."""

    CACHE_SIZE = 500_000

    def __init__(self, steps: list[Step]):
        if not steps or not isinstance(steps[0], Tokenizer):
            raise TypeError("a chain starts with a tokenizer")
        if not all(isinstance(s, Filter) for s in steps[1:]):
            raise TypeError("only filters can follow the tokenizer")
        self.steps = steps
        # Every filter works word by word: analyse each distinct word once and
        # replay it (the analysis of running text repeats words all the time).
        self._per_word = all(s.per_word for s in steps[1:])
        self._hyphen_parts = any(isinstance(s, HyphenPartsFilter) for s in steps[1:])
        # the word-by-word fast paths below inline the WordTokenizer
        self._fast = self._per_word and type(steps[0]) is WordTokenizer
        self._cache: dict[tuple[str, str, int], tuple[tuple, int]] = {}
        self._word_terms: dict[str, tuple[str, ...]] = {}
        self._by_token: dict[Chain | None, dict[str, tuple]] = {}

    def __or__(self, other: Step) -> Chain:
        extra = other.steps if isinstance(other, Chain) else [other]
        return Chain(self.steps + extra)

    def __call__(self, text: str) -> Iterator[Token]:
        if self._per_word:
            return self._by_word(text)
        return self._streamed(text)

    def _streamed(self, text: str) -> Iterator[Token]:
        tokens: Iterable[Token] = self.steps[0](text)
        for step in self.steps[1:]:
            tokens = step(tokens)
        return iter(tokens)

    def _expand(self, word: str, kind: str, length: int) -> tuple[tuple, int]:
        """What the filters make of one word, with offsets relative to it, and
        how many positions the word takes (a hyphenated word one per part)."""
        tokens: Iterable[Token] = [Token(word, 0, 0, length, kind)]
        for step in self.steps[1:]:
            tokens = step(tokens)
        out = tuple((t.text, t.pos, t.start, t.end, t.kind) for t in tokens)
        width = 1
        if self._hyphen_parts and kind == COMPOUND:
            width = max(1, sum(1 for p in _HYPHEN_SPLIT_RE.split(word) if p))
        return out, width

    def tuples(self, text: str) -> Iterator[tuple[str, int, int, int]]:
        """(term, position, start, end) for each token: the same analysis as
        calling the chain, without a Token object per word (the indexer's
        hot path)."""
        if not self._fast:
            for t in self(text):
                yield t.text, t.pos, t.start, t.end
            return
        cache = self._cache
        expand = self._expand
        shift = 0
        for pos, m in enumerate(_TOKEN_RE.finditer(text)):
            word = m.group()
            start, end = m.span()
            if word[-2:] in ("'s", "\u2019s") and len(word) > 2:
                word = word[:-2]
            kind = COMPOUND if ("-" in word or "\u2010" in word or "\u2011" in word) else WORD
            key = (word, kind, end - start)
            found = cache.get(key)
            if found is None:
                if len(cache) >= self.CACHE_SIZE:
                    cache.clear()
                found = cache[key] = expand(*key)
            outs, width = found
            p = pos + shift
            for term, dpos, dstart, dend, _kind in outs:
                yield term, p + dpos, start + dstart, start + dend
            shift += width - 1

    def grouped(
        self, text: str, counted: Chain | None = None
    ) -> tuple[dict[str, list[tuple[int, int, int]]], dict[str, int] | None]:
        """Each term of the text with its (position, start, end) occurrences,
        in order; and, with ``counted`` (another chain on the same tokenizer),
        how often each of that chain's terms occurs in the same text. One scan
        of the text serves both chains: the indexer analyses a passage once
        for its body and its compound parts. The same result as grouping
        :meth:`tuples` of each chain."""
        if not (self._fast and (counted is None or counted._fast)):
            return self._grouped_slowly(text, counted)
        occurrences: dict[str, list[tuple[int, int, int]]] = {}
        counts: dict[str, int] | None = None if counted is None else {}
        cache = self._by_token.get(counted)
        if cache is None:
            cache = self._by_token[counted] = {}
        find = text.find
        cursor = shift = 0
        # findall and find instead of match objects: a token starts with a
        # letter or digit, which no text between two tokens holds, so the
        # first occurrence after the previous token is this token
        for pos, token in enumerate(_TOKEN_RE.findall(text)):
            start = find(token, cursor)
            cursor = start + len(token)
            entry = cache.get(token)
            if entry is None:
                entry = self._token_entry(token, counted, cache)
            outs, width, counted_terms = entry
            p = pos + shift
            for term, dpos, dstart, dend in outs:
                occurrence = (p + dpos, start + dstart, start + dend)
                seen = occurrences.get(term)
                if seen is None:
                    occurrences[term] = [occurrence]
                else:
                    seen.append(occurrence)
            if width != 1:
                shift += width - 1
            for term in counted_terms:
                counts[term] = counts.get(term, 0) + 1
        return occurrences, counts

    def _token_entry(self, token: str, counted: Chain | None, cache: dict) -> tuple:
        """What :meth:`grouped` remembers of a token as the tokenizer matched
        it: this chain's terms with offsets, its width, the other chain's terms."""
        word = token[:-2] if token[-2:] in ("'s", "\u2019s") and len(token) > 2 else token
        kind = COMPOUND if _HYPHEN_SPLIT_RE.search(word) else WORD
        outs, width = self._expand(word, kind, len(token))
        counted_terms = tuple(t[0] for t in counted._expand(word, kind, len(token))[0]) if counted is not None else ()
        if len(cache) >= self.CACHE_SIZE:
            cache.clear()
        entry = cache[token] = (tuple(o[:4] for o in outs), width, counted_terms)
        return entry

    def _grouped_slowly(self, text: str, counted: Chain | None):
        occurrences: dict[str, list[tuple[int, int, int]]] = {}
        for term, pos, start, end in self.tuples(text):
            occurrences.setdefault(term, []).append((pos, start, end))
        if counted is None:
            return occurrences, None
        counts: dict[str, int] = {}
        for term, *_ in counted.tuples(text):
            counts[term] = counts.get(term, 0) + 1
        return occurrences, counts

    def terms_of_words(self, words: Iterable[str]) -> set[str]:
        """The distinct terms of whitespace-separated words. Each distinct word
        is analysed once and remembered (a token never spans whitespace, so a
        word's terms do not depend on its neighbours): the spelling vocabulary
        of each document repeats most of the words of the documents before."""
        memo = self._word_terms
        words = list(words)
        found = list(map(memo.get, words))
        if None in found:
            if len(memo) + len(words) > self.CACHE_SIZE:
                memo.clear()
            for i, terms in enumerate(found):
                if terms is None:
                    word = words[i]
                    terms = memo.get(word)
                    if terms is None:
                        terms = memo[word] = tuple(dict.fromkeys(t[0] for t in self.tuples(word)))
                    found[i] = terms
        return set(itertools.chain.from_iterable(found))

    def _by_word(self, text: str) -> Iterator[Token]:
        cache = self._cache
        shift = 0
        for tok in self.steps[0](text):
            key = (tok.text, tok.kind, tok.end - tok.start)
            found = cache.get(key)
            if found is None:
                if len(cache) >= self.CACHE_SIZE:
                    cache.clear()
                found = cache[key] = self._expand(*key)
            outs, width = found
            pos = tok.pos + shift
            for word, dpos, dstart, dend, kind in outs:
                yield Token(word, pos + dpos, tok.start + dstart, tok.start + dend, kind)
            shift += width - 1

    def terms(self, text: str) -> list[str]:
        """The analysed terms of a text, in order (convenient in tests)."""
        return [t.text for t in self(text)]


class WordTokenizer(Tokenizer):
    """Unicode words and numbers; hyphenated words stay whole.

    ``regio's`` becomes ``regio`` (the apostrophe-s plural is dropped) and
    ``2020-2021`` or ``so-sbo-bao`` stay one token; :class:`HyphenPartsFilter`
    adds their parts.
    """

    def __call__(self, text: str) -> Iterator[Token]:
        for pos, m in enumerate(_TOKEN_RE.finditer(text)):
            word = m.group()
            if word[-2:] in ("'s", "\u2019s") and len(word) > 2:
                word = word[:-2]
            kind = COMPOUND if _HYPHEN_SPLIT_RE.search(word) else WORD
            yield Token(word, pos, m.start(), m.end(), kind)


class HyphenPartsFilter(Filter):
    """Index the parts of a hyphenated word after the whole.

    The whole keeps the position of its first part and the parts take
    consecutive positions, so the phrase "vo school" matches "vo-school";
    later tokens shift so that positions stay unique per part.
    """

    per_word = True

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        shift = 0
        for tok in tokens:
            pos = tok.pos + shift
            if tok.kind != COMPOUND:
                yield replace(tok, pos=pos) if shift else tok
                continue
            yield replace(tok, pos=pos)
            offset = tok.start
            parts = [p for p in _HYPHEN_SPLIT_RE.split(tok.text)]
            n = 0
            for part in parts:
                if part:
                    yield Token(part, pos + n, offset, offset + len(part), PART)
                    n += 1
                offset += len(part) + 1
            shift += max(n - 1, 0)


class LowercaseFilter(Filter):
    per_word = True

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for tok in tokens:
            tok.text = tok.text.lower()
            yield tok


class AccentFoldFilter(Filter):
    per_word = True

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for tok in tokens:
            tok.text = fold_accents(tok.text)
            yield tok


@cache
def dutch_stop_words() -> frozenset[str]:
    return load_word_list("stopwords-nl.txt")


@cache
def question_words() -> frozenset[str]:
    return load_word_list("question-words-nl.txt")


class StopWordFilter(Filter):
    """Drop stop words; positions are not renumbered, so phrases keep gaps.

    The whole of a hyphenated word is never a stop word.
    """

    per_word = True

    def __init__(self, words: Iterable[str] | None = None):
        self.words = frozenset(words) if words is not None else dutch_stop_words()

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        words = self.words
        for tok in tokens:
            if tok.kind == COMPOUND or tok.text not in words:
                yield tok


@lru_cache(maxsize=1)
def _snowball_dutch() -> Callable[[str], str]:
    # nltk's Snowball Dutch stemmer: the classic algorithm, which gives the
    # same stems as Whoosh's bundled one (newer Snowball releases changed it).
    from nltk.stem.snowball import DutchStemmer

    return lru_cache(maxsize=200_000)(DutchStemmer().stem)


_FINAL_DOUBLE_RE = re.compile(r"([bcdfghjklmnpqrstvwxz])\1$")


def undouble(stem: str) -> str:
    """A stem's final double consonant made single.

    Snowball's Dutch stemmer undoubles only kk, dd and tt after taking off
    "-en", so "voetballen" stems to "voetball" and "voetbal" to "voetbal".
    Dutch spelling never ends a word in a double consonant (loanwords such as
    "jazz" aside, which then lose it on both sides alike), so undoubling
    every final pair joins the inflected form to its base.

    >>> undouble("voetball"), undouble("buss"), undouble("school")
    ('voetbal', 'bus', 'school')
    """
    return _FINAL_DOUBLE_RE.sub(r"\1", stem)


def stem_dutch(word: str) -> str:
    """Snowball Dutch stem with a final double consonant undoubled
    (:func:`undouble`); of a hyphenated word only the last part is stemmed."""
    stem = _snowball_dutch()
    head, sep, last = word.rpartition("-")
    if sep:
        return head + sep + undouble(stem(last)) if last else word
    return undouble(stem(word))


class DutchStemFilter(Filter):
    per_word = True

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for tok in tokens:
            if not tok.text.isdigit():
                tok.text = stem_dutch(tok.text)
            yield tok


class CompoundPartsFilter(Filter):
    """Replace each word by the parts of the compound it is (and runs of
    neighbouring parts), at the word's position; other words are dropped.

    Used for a field of its own, so that a match on a part can weigh less
    than a match on the whole word. ``split`` maps a lower-case, accent-folded
    word to its parts (see :mod:`indexer.analysis.compounds`)."""

    per_word = True

    def __init__(self, split: Callable[[str], list[str]] | None = None):
        if split is None:
            split = compound_terms
        self.split = split

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for tok in tokens:
            if tok.kind == COMPOUND:
                continue  # its hyphen parts come through on their own
            for part in self.split(tok.text):
                yield Token(part, tok.pos, tok.start, tok.end, PART)


# Ready-made chains -------------------------------------------------------


def index_analyzer() -> Chain:
    """The analysis used for indexed text and for query words alike."""
    return (
        WordTokenizer()
        | HyphenPartsFilter()
        | LowercaseFilter()
        | AccentFoldFilter()
        | StopWordFilter()
        | DutchStemFilter()
    )


def compound_parts_analyzer() -> Chain:
    """The parts of compounds only, stemmed: ``leerlingvolgsysteem`` ->
    ``leerling volg systeem leerlingvolg volgsysteem``."""
    return (
        WordTokenizer()
        | HyphenPartsFilter()
        | LowercaseFilter()
        | AccentFoldFilter()
        | CompoundPartsFilter()
        | StopWordFilter()
        | DutchStemFilter()
    )


def query_analyzer() -> Chain:
    """Index analysis plus dropping words that only frame a question."""
    return (
        WordTokenizer()
        | HyphenPartsFilter()
        | LowercaseFilter()
        | AccentFoldFilter()
        | StopWordFilter()
        | StopWordFilter(question_words())
        | DutchStemFilter()
    )


def surface_analyzer() -> Chain:
    """Unstemmed, lower-cased, accent-folded words: the vocabulary for spelling
    suggestions (a suggestion must be a real word, not a stem)."""
    return WordTokenizer() | HyphenPartsFilter() | LowercaseFilter() | AccentFoldFilter()


def plain_analyzer() -> Chain:
    """The baseline of the evaluation: words lower-cased, nothing else."""
    return WordTokenizer() | LowercaseFilter()
