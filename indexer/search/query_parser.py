"""What a visitor typed -> :class:`QueryPlan`: words, quoted phrases, excluded words.

Forgiving by design: any text is a valid query. Quotes that are not closed
quote the rest of the line; search-engine operators (``AND``, ``OR``, ``*``,
``~``, ``^``, ``:``) are treated as the characters they are, never as syntax
that can fail. ``-woord`` excludes a word.

Bounded by design too, because every query word is expanded later (its
hyphen parts, compound parts, synonyms and a near spelling found by scanning
the index's vocabulary, which costs more the longer the word): at most
``MAX_QUERY_CHARS`` characters are read, a "word" longer than any real word
(``MAX_WORD_CHARS``) is dropped, a word of more than ``MAX_WORD_PARTS``
joined parts is taken as its separate parts, and the words kept cost at most
``MAX_TERMS`` terms (a word is one term, plus one per part when joined).
Excluded words and phrases are bounded the same way. What is dropped sets
``truncated``.
"""

from __future__ import annotations

import re

from indexer.model import QueryPlan

MAX_QUERY_CHARS = 500
MAX_WORDS = 32
MAX_WORD_CHARS = 50  # the longest words in the corpora have under 35 letters
MAX_WORD_PARTS = 8  # "so-sbo-bao" has 3
MAX_TERMS = 64  # words plus the parts of joined words
MAX_PHRASES = 4
_QUOTES = '"\u201c\u201d\u201e'
_OPERATORS = {"and", "or", "not", "en/of"}
# numbers with separators stay whole, as the index tokenizer keeps them ("1,5")
_WORD_RE = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:[-\u2010\u2011'\u2019.][^\W_]+)*-?", re.UNICODE)
# what joins the parts of one word (the index splits hyphens; dots and
# apostrophes end a token there, so each part is a term of its own)
_JOINER_RE = re.compile(r"[-\u2010\u2011'\u2019.]")
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)+")
_QUESTION_START = re.compile(
    r"^\s*(hoe|wat|wie|waar|waarom|wanneer|welke?|hoeveel|mag|mogen|moet|moeten|kan|kunnen|"
    r"is|zijn|heeft|hebben|wordt|worden|bestaat|geldt)\b",
    re.IGNORECASE,
)


def _words(text: str) -> list[str]:
    return [w for w in _WORD_RE.findall(text)]


def _parts(word: str) -> list[str]:
    if _NUMBER_RE.fullmatch(word):
        return [word]
    return [p for p in _JOINER_RE.split(word) if p]


def _term_cost(word: str) -> int:
    parts = len(_parts(word))
    return 1 + parts if parts > 1 else 1


class _Budget:
    """What is left of the caps above while words are taken in order."""

    def __init__(self) -> None:
        self.words = MAX_WORDS
        self.terms = MAX_TERMS
        self.dropped = False

    def take(self, words: list[str]) -> list[str]:
        out: list[str] = []
        for word in words:
            parts = _parts(word)
            pieces = parts if len(parts) > MAX_WORD_PARTS else [word]
            for piece in pieces:
                cost = _term_cost(piece)
                if len(piece) > MAX_WORD_CHARS or self.words < 1 or cost > self.terms:
                    self.dropped = True
                    continue
                out.append(piece)
                self.words -= 1
                self.terms -= cost
        return out

    def take_phrases(self, phrases: list[list[str]]) -> list[list[str]]:
        self.dropped |= len(phrases) > MAX_PHRASES
        taken = [self.take(words) for words in phrases[:MAX_PHRASES]]
        return [words for words in taken if words]


def parse_query(text: str) -> QueryPlan:
    original = text or ""
    truncated = len(original) > MAX_QUERY_CHARS
    text = original[:MAX_QUERY_CHARS]
    plan = QueryPlan(text=original.strip(), truncated=truncated)
    plan.is_question = text.strip().endswith("?") or bool(_QUESTION_START.match(text))

    # quoted phrases first; an unclosed quote runs to the end
    pattern = "[" + _QUOTES + "]"
    parts = re.split(pattern, text)
    free_text = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            free_text.append(part)
            continue
        words = _words(part)
        if re.search(r"(^|\s)-$", free_text[-1]):
            free_text[-1] = free_text[-1][:-1]  # -"..." excludes the phrase
            if words:
                plan.excluded_phrases.append(words)
        elif len(words) > 1 or (words and "-" in words[0].strip("-")):
            plan.phrases.append(words)  # "vo-school" quoted: the parts in this order
        elif words:
            free_text.append(words[0])

    for chunk in " ".join(free_text).split():
        if chunk.startswith("-") and len(chunk) > 1:
            plan.excluded.extend(w.rstrip("-") for w in _words(chunk[1:]))
            continue
        for word in _words(chunk):
            if word.lower() in _OPERATORS:
                continue
            plan.words.append(word)

    # the words searched for share one budget, the excluded ones another
    searched, excluded = _Budget(), _Budget()
    plan.words = searched.take(plan.words)
    plan.phrases = searched.take_phrases(plan.phrases)
    plan.excluded = excluded.take(plan.excluded)
    plan.excluded_phrases = excluded.take_phrases(plan.excluded_phrases)
    plan.truncated = plan.truncated or searched.dropped or excluded.dropped
    return plan
