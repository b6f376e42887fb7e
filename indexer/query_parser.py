"""What a visitor typed -> :class:`QueryPlan`: words, quoted phrases, excluded words.

Forgiving by design: any text is a valid query. Quotes that are not closed
quote the rest of the line; search-engine operators (``AND``, ``OR``, ``*``,
``~``, ``^``, ``:``) are treated as the characters they are, never as syntax
that can fail. ``-woord`` excludes a word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_QUERY_CHARS = 500
MAX_WORDS = 32
_QUOTES = "\"\u201c\u201d\u201e"
_OPERATORS = {"and", "or", "not", "en/of"}
# numbers with separators stay whole, as the index tokenizer keeps them ("1,5")
_WORD_RE = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:[-\u2010\u2011'\u2019.][^\W_]+)*-?", re.UNICODE)
_QUESTION_START = re.compile(
    r"^\s*(hoe|wat|wie|waar|waarom|wanneer|welke?|hoeveel|mag|mogen|moet|moeten|kan|kunnen|"
    r"is|zijn|heeft|hebben|wordt|worden|bestaat|geldt)\b",
    re.IGNORECASE,
)


@dataclass
class QueryPlan:
    text: str
    words: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    excluded_phrases: list[list[str]] = field(default_factory=list)
    is_question: bool = False
    truncated: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.phrases)

    def all_words(self) -> list[str]:
        return self.words + [w for p in self.phrases for w in p]


def _words(text: str) -> list[str]:
    return [w for w in _WORD_RE.findall(text)]


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

    total = 0
    kept: list[str] = []
    for w in plan.words:
        if total >= MAX_WORDS:
            plan.truncated = True
            break
        kept.append(w)
        total += 1
    plan.words = kept
    plan.phrases = [p[:MAX_WORDS] for p in plan.phrases[:4]]
    return plan
