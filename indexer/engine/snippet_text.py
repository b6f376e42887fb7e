"""Snippet text that every engine shares: the length cap, the "…" lead of
a snippet that starts mid-sentence, and the heading of the section a joined
passage's snippet shows.

In: a highlighted fragment (escaped text with ``<mark>``) and the passage.
Out: the snippet and heading a hit shows.
"""

from __future__ import annotations

import re
from html import escape, unescape


def section_heading(heading: str | None, body: str, snippet: str, sections) -> str | None:
    """The heading path of the part of a joined passage the snippet shows:
    the passage's own path, then the headings of the section that holds the
    first match (a card on a page of short cards keeps its own title)."""
    if not sections:
        return heading
    fragment = snippet.split(" … ")[0]
    before = unescape(re.sub(r"</?mark>", "", fragment.split("<mark>", 1)[0]))
    plain = unescape(re.sub(r"</?mark>", "", fragment)).strip()
    flat = body.replace("\n", " ")
    start = flat.find(plain[:60]) if plain else -1
    at = max(0, start) + (len(before.lstrip()) if "<mark>" in fragment else 0)
    own = ""
    for offset, title in sections:
        if offset <= at:
            own = title
    return " › ".join(part for part in (heading, own) if part) or None


def plain_snippet(text: str, limit: int = 240) -> str:
    if len(text) <= limit:
        return escape(text, quote=False)
    cut = text.rfind(" ", 0, limit)
    return escape(text[: cut if cut > 0 else limit], quote=False) + " …"


SNIPPET_MAX_CHARS = 600


def mid_sentence_lead(snippet: str) -> str:
    """A snippet that starts inside a sentence says so with a leading "…".

    >>> mid_sentence_lead("en de <mark>school</mark> ook"), mid_sentence_lead("De <mark>school</mark>.")
    ('… en de <mark>school</mark> ook', 'De <mark>school</mark>.')
    """
    first = re.sub(r"^(<mark>)+", "", snippet)[:1]
    return "… " + snippet if first.islower() else snippet


def cap_snippet(snippet: str) -> str:
    """Bound a snippet's length (one enormous "word" is one fragment). The cut
    falls between words, outside ``<mark>`` and entities, so neither a word
    nor the markup is left half ("<mark>leerli</mark> …").

    >>> capped = cap_snippet("een " * 148 + "<mark>leerlingen</mark> en meer")
    >>> capped.endswith(" een …"), "mark" in capped
    (True, False)
    """
    if len(snippet) <= SNIPPET_MAX_CHARS:
        return snippet
    depth = 0  # inside <mark>
    in_tag = in_entity = False
    cut = None
    for i, ch in enumerate(snippet[:SNIPPET_MAX_CHARS]):
        if in_tag:
            if ch == ">":
                in_tag = False
            continue
        if ch == "<":
            in_tag = True
            depth += -1 if snippet.startswith("</", i) else 1
        elif ch == "&":
            in_entity = True
        elif ch == ";":
            in_entity = False
        elif ch == " " and depth == 0 and not in_entity:
            cut = i
    if cut is None:  # one enormous "word": it has to be cut, but the markup stays whole
        head = snippet[:SNIPPET_MAX_CHARS]
        for opener, closer in (("<", ">"), ("&", ";")):
            start = head.rfind(opener)
            if start != -1 and closer not in head[start:]:
                head = head[:start]
        if head.count("<mark>") > head.count("</mark>"):
            head += "</mark>"
        return head + " …"
    return snippet[:cut].rstrip(" …") + " …"
