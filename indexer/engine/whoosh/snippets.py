"""Snippets: the part of a passage that shows why it matched, starting at a
sentence, with the query's words in ``<mark>``.

In: Whoosh results and the passages' stored text. Out: HTML-safe snippet
strings of at most ``SNIPPET_MAX_CHARS`` characters.
"""

from __future__ import annotations

import re
from html import escape

from whoosh import highlight

from indexer.engine.snippet_text import (  # noqa: F401  (shared with other engines; imported from here too)
    SNIPPET_MAX_CHARS,
    cap_snippet,
    mid_sentence_lead,
    plain_snippet,
    section_heading,
)
from indexer.engine.whoosh import _internals

# Snippets ---------------------------------------------------------------------


class MarkFormatter(highlight.HtmlFormatter):
    """Escaped text with matches in ``<mark>``: the only markup in a snippet."""

    def __init__(self):
        super().__init__(tagname="mark", between=" … ")

    def format_token(self, text, token, replace=False):
        return f"<mark>{escape(highlight.get_text(text, token, replace), quote=False)}</mark>"


# how far before a fragment's usual start a sentence may begin and still be
# where the snippet starts
SENTENCE_REACH = 60
_SENTENCE_START = re.compile(r"(?:^|(?<=[.!?:;])\s+|\n\s*)(?=[\"'‘“(]?[A-Z0-9À-Þ])")


def snippet_start(text: str, start: int, first_match: int) -> int:
    """Where a snippet that would start at ``start`` starts: at a sentence
    (within ``SENTENCE_REACH`` characters before ``start``, up to the first
    match) where there is one, else at the next word.

    >>> text = "Vorige zin loopt hier af. Leerlingen van so en sbo zitten samen in een groep."
    >>> text[snippet_start(text, 20, text.index("sbo")):]
    'Leerlingen van so en sbo zitten samen in een groep.'
    >>> text = "Een lange zin zonder einde over " + "scholen en " * 8 + "so en sbo in een groep."
    >>> text[snippet_start(text, 90, text.index("sbo")):]  # no sentence starts near: a whole word
    'en scholen en scholen en so en sbo in een groep.'
    """
    if start <= 0:
        return 0
    sentence = None
    for m in _SENTENCE_START.finditer(text, max(0, start - SENTENCE_REACH), first_match + 1):
        if m.end() <= first_match:
            sentence = m.end()
    if sentence is not None:
        return sentence
    word = start if text[start - 1].isspace() else _next_space(text, start, first_match) + 1
    first_word = _word_start(text, first_match)
    return min(word, first_word)


def snippet_end(text: str, end: int, last_match: int) -> int:
    """Where a snippet that would end at ``end`` ends: after a whole word, and
    never inside the word of the last match (a compound part such as
    *verband* in *samenwerkingsverband* is marked inside its whole word).

    >>> text = "Het samenwerkingsverband stemt in met het experiment."
    >>> text[:snippet_end(text, 20, text.index("verband") + 7)]
    'Het samenwerkingsverband'
    """
    if end >= len(text):
        return len(text)
    word_end = _word_end(text, last_match)
    if end <= word_end:
        return word_end
    cut = end
    while cut > word_end and not text[cut].isspace():
        cut -= 1
    return max(cut, word_end)


def _next_space(text: str, start: int, limit: int) -> int:
    for i in range(start, limit):
        if text[i].isspace():
            return i
    return limit - 1


def _word_start(text: str, at: int) -> int:
    while at > 0 and not text[at - 1].isspace():
        at -= 1
    return at


def _word_end(text: str, at: int) -> int:
    while at < len(text) and not text[at].isspace():
        at += 1
    # punctuation that closes the word stays with it; an opening one does not lead the next
    return at


class _SnippetFragmenter(_internals.TrimmingFragmenter):
    """Fragments around the matches from stored character offsets (no
    re-analysis): they start at a sentence where one starts near, else at a
    whole word, and end after a whole word; a match inside a word (a
    compound part) keeps its whole word."""

    def trim(self, fragment) -> None:
        text = fragment.text
        first = fragment.matches[0].startchar if fragment.matches else fragment.endchar
        last = fragment.matches[-1].endchar if fragment.matches else fragment.startchar
        fragment.startchar = snippet_start(text, fragment.startchar, first)
        fragment.endchar = snippet_end(text, fragment.endchar, last)

    def fragment_tokens(self, text, tokens):
        # the analyzer reuses one Token object, so keep copies of the matches
        return self.fragment_matches(text, [t.copy() for t in tokens if t.matched])

    def fragment_matches(self, text, tokens):
        """As Whoosh's, but fragments that overlap are merged: two of them in
        one snippet would show the same words twice."""
        merged: list[highlight.Fragment] = []
        for frag in super().fragment_matches(text, tokens):
            if merged and frag.startchar <= merged[-1].endchar:
                last = merged[-1]
                merged[-1] = highlight.Fragment(
                    text,
                    last.matches + [m for m in frag.matches if m not in last.matches],
                    last.startchar,
                    max(last.endchar, frag.endchar),
                )
            else:
                merged.append(frag)
        return merged


def with_snippets(results):
    """Results whose hits highlight the query words in the stored body."""
    results.highlighter = highlight.Highlighter(
        fragmenter=_SnippetFragmenter(maxchars=240, surround=70, autotrim=True),
        formatter=MarkFormatter(),
    )
    return results
