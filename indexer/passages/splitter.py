"""Blocks of a document -> passages of roughly 50-250 words that follow its headings.

- A heading closes the passage before it and becomes part of the heading path
  of the passages after it; a short intro (under ``MIN_WORDS``) followed by a
  sub-heading is not cut off on its own but carries on into the sub-section.
- A question followed by its answer stays together, the question as heading:
  a heading that asks a question, or (in a document with several of them) a
  short paragraph ending in "?" that is followed by an answer.
- A paragraph longer than ``MAX_WORDS`` is cut at sentence ends.
- A section that opens with its date, as news items do ("juli 2020 - Er is
  een nieuwe beleidsregel"), gives that date to its passages and to those of
  its sub-sections; the document's own date covers the rest.
- Neighbouring short sections under the same parent heading join into one
  passage of up to ``JOIN_UP_TO`` words (their own headings become lines of
  its text): a short answer page cut into 30-word sections would otherwise
  compete with 250-word report passages with a fraction of their words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.extract.dates import DUTCH_MONTHS, parse_date
from indexer.model import HEADING, PARAGRAPH, Block, ExtractedDocument, Passage

MIN_WORDS = 50
MAX_WORDS = 250
JOIN_UP_TO = 150
QUESTION_MAX_WORDS = 45
PREAMBLE_WORDS = 20
QUESTION_LEVEL = 7  # deeper than any real heading: a question nests under the section

_ABBREVIATIONS = {
    "bijv",
    "bv",
    "o.a",
    "d.w.z",
    "e.d",
    "enz",
    "nr",
    "art",
    "dr",
    "mr",
    "ir",
    "drs",
    "prof",
    "ca",
    "t.b.v",
    "m.b.t",
    "n.a.v",
    "i.p.v",
    "z.s.m",
    "resp",
    "incl",
    "excl",
    "etc",
    "vs",
    "jl",
    "jr",
    "st",
    "blz",
    "p",
    "pag",
    "m.u.v",
    "t.a.v",
    "i.v.m",
    "o.b.v",
    "evt",
    "mevr",
    "dhr",
    "min",
    "max",
    "tel",
    "ed",
    "a.s",
    "s.v.p",
    "z.g",
    "zgn",
}
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)]?\s+(?=[\"'\u201c\u2018(]?[A-Z0-9\u00c0-\u00de])")


def split_sentences(text: str) -> list[str]:
    """Sentence ends: ``.``, ``!`` or ``?`` then a capital, except after a
    Dutch abbreviation (``bijv.``, ``o.a.``, ``t.b.v.``)."""
    sentences: list[str] = []
    start = 0
    for m in _SENTENCE_END_RE.finditer(text):
        before = text[start : m.start()].rstrip()
        last_word = before.rsplit(None, 1)[-1] if before else ""
        if last_word.endswith(".") and last_word[:-1].lower().lstrip("(") in _ABBREVIATIONS:
            continue
        if re.fullmatch(r"[A-Z]\.", last_word):  # an initial: "J. de Vries"
            continue
        sentences.append(text[start : m.start()].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return [s for s in sentences if s]


def _words(text: str) -> int:
    return len(text.split())


def _pieces(text: str, limit: int = MAX_WORDS) -> list[str]:
    """A paragraph cut at sentence ends into pieces of at most ``limit`` words
    (a single longer sentence is cut at word boundaries)."""
    if _words(text) <= limit:
        return [text]
    pieces: list[str] = []
    current: list[str] = []
    count = 0
    target = min(limit, 200)
    for sentence in split_sentences(text):
        n = _words(sentence)
        if n > limit:
            words = sentence.split()
            for i in range(0, len(words), target):
                chunk = words[i : i + target]
                if current:
                    pieces.append(" ".join(current))
                    current, count = [], 0
                pieces.append(" ".join(chunk))
            continue
        if count and count + n > target:
            pieces.append(" ".join(current))
            current, count = [], 0
        current.append(sentence)
        count += n
    if current:
        pieces.append(" ".join(current))
    return pieces


def is_question(text: str) -> bool:
    """A question: ends in "?" (a paragraph or heading of at most
    ``QUESTION_MAX_WORDS`` words)."""
    text = text.strip()
    return text.endswith("?") and _words(text) <= QUESTION_MAX_WORDS


def is_question_heading(text: str) -> bool:
    """Headings may add a remark after the question: "Wat is X? Graag een voorbeeld."."""
    text = text.strip()
    if "?" not in text or _words(text) > QUESTION_MAX_WORDS:
        return False
    return _words(text.rsplit("?", 1)[1]) <= 12


def mark_questions(blocks: list[Block]) -> list[Block]:
    """Turn question paragraphs that are followed by an answer into question
    headings, when a document has at least two such pairs (an FAQ or Q&A).
    A lone rhetorical question in running text is left alone."""
    candidates = [
        i
        for i, b in enumerate(blocks)
        if b.kind == PARAGRAPH
        and is_question(b.text)
        and i + 1 < len(blocks)
        and blocks[i + 1].kind == PARAGRAPH
        and not is_question(blocks[i + 1].text)
    ]
    if len(candidates) < 2:
        return blocks
    out = list(blocks)
    for i in candidates:
        b = blocks[i]
        out[i] = Block(HEADING, b.text, level=QUESTION_LEVEL, page=b.page)
    return out


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def structural_headings(blocks: list[Block], title: str) -> list[Block]:
    """Headings that structure the text: the document's own title is not a
    section (it is the title), and a heading followed directly by a heading of
    higher rank heads nothing (a subtitle): it becomes a paragraph."""
    out: list[Block] = []
    title_key = _key(title)
    title_seen = False
    for i, b in enumerate(blocks):
        if b.kind != HEADING:
            out.append(b)
            continue
        if not title_seen and _key(b.text) == title_key:
            title_seen = True
            continue
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if nxt is not None and nxt.kind == HEADING and nxt.level < b.level:
            out.append(Block(PARAGRAPH, b.text, page=b.page))
            continue
        out.append(b)
    return out


@dataclass
class _Pending:
    heading_path: list[str]
    question: bool
    lines: list[str] = field(default_factory=list)
    words: int = 0
    page: int | None = None
    heading_page: int | None = None

    def add(self, text: str, page: int | None) -> None:
        if self.page is None:
            self.page = page
        self.lines.append(text)
        self.words += _words(text)


def split_passages(doc: ExtractedDocument, doc_id: str) -> list[Passage]:
    blocks = mark_questions(structural_headings(doc.blocks, doc.title))
    passages: list[Passage] = []
    path: list[tuple[int, str]] = []  # (level, heading text)
    pending = _Pending([], False)

    def emit() -> None:
        nonlocal pending
        if pending.lines:
            passages.append(
                Passage(
                    doc_id=doc_id,
                    number=len(passages) + 1,
                    text="\n".join(pending.lines),
                    heading_path=list(pending.heading_path),
                    page=pending.page if pending.page is not None else pending.heading_page,
                    is_question=pending.question,
                )
            )
        pending = _Pending([h for _, h in path], bool(path) and is_question_heading(path[-1][1]))

    for block in blocks:
        if block.kind == HEADING:
            deeper = bool(path) and block.level > path[-1][0]
            question = is_question_heading(block.text)
            if pending.lines and pending.words < MIN_WORDS and deeper and not pending.question and not question:
                # a short intro runs on into its first sub-section
                pending.add(block.text, block.page)
                path.append((block.level, block.text))
                continue
            preamble: list[str] = []
            if not path and pending.lines and pending.words < PREAMBLE_WORDS:
                preamble = pending.lines  # a few words before the first heading: context, not a passage
                pending.lines = []
            emit()
            while path and path[-1][0] >= block.level:
                path.pop()
            path.append((block.level, block.text))
            pending = _Pending([h for _, h in path], question, heading_page=block.page)
            for line in preamble:
                pending.add(line, block.page)
            continue
        for piece in _pieces(block.text):
            n = _words(piece)
            if pending.words and pending.words + n > MAX_WORDS:
                question = pending.question
                emit()
                pending.question = question  # a long answer stays under its question
            pending.add(piece, block.page)
    emit()
    return join_short_sections(date_sections(passages))


_MONTHS = "|".join(sorted(DUTCH_MONTHS, key=len, reverse=True))
_DATE_LEAD_RE = re.compile(
    rf"^\s*(?:(?:gepubliceerd|geplaatst|datum|bijgewerkt)\s*(?:op)?\s*:?\s*)?"
    rf"((?:\d{{1,2}}\s+)?(?:{_MONTHS})\.?\s+\d{{4}}|\d{{1,2}}-\d{{1,2}}-\d{{4}})\s*(?:[-\u2013\u2014:|]|$)",
    re.IGNORECASE,
)


def date_lead(text: str) -> str | None:
    r"""The date a section opens with, on one of its first two lines, as ISO.

    >>> date_lead("juli 2020 - Er is een nieuwe Beleidsregel"), date_lead("Uitleg\n3 december 2018 – Prisma")
    ('2020-07-01', '2018-12-03')
    >>> date_lead("Gepubliceerd: oktober 2020"), date_lead("In juli 2020 kwam er een regeling")
    ('2020-10-01', None)
    """
    for line in text.split("\n", 2)[:2]:
        m = _DATE_LEAD_RE.match(line)
        if m:
            return parse_date(m.group(1))
    return None


def date_sections(passages: list[Passage]) -> list[Passage]:
    """Give each passage the date its section (or an enclosing one) opens
    with: a page of news items dates each item, not the page."""
    scopes: list[tuple[list[str], str]] = []  # (heading path, date), outermost first
    for p in passages:
        scopes = [(path, d) for path, d in scopes if p.heading_path[: len(path)] == path]
        own = date_lead(p.text)
        if own is not None:
            p.date = own
            if p.heading_path:
                scopes = [(path, d) for path, d in scopes if path != p.heading_path] + [(p.heading_path, own)]
        elif scopes:
            p.date = scopes[-1][1]
    return passages


def join_short_sections(passages: list[Passage], up_to: int | None = None) -> list[Passage]:
    r"""Neighbouring sections that share their parent heading path, neither of
    them a question and answer, join while together they stay within
    ``up_to`` words. The joined passage has the parent path; the headings
    beneath it open their section's lines.

    >>> a = Passage("d", 1, "Stuur het verzoek per brief.", ["Woo", "Indienen"])
    >>> b = Passage("d", 2, "Beschrijf het onderwerp.", ["Woo", "Toelichten"])
    >>> [(p.heading_path, p.sections) for p in join_short_sections([a, b])]
    [(['Woo'], [(0, 'Indienen'), (38, 'Toelichten')])]
    >>> join_short_sections([a, b])[0].text
    'Indienen\nStuur het verzoek per brief.\nToelichten\nBeschrijf het onderwerp.'
    """
    limit = JOIN_UP_TO if up_to is None else up_to
    out: list[Passage] = []
    for p in passages:
        last = out[-1] if out else None
        if (
            last is not None
            and not last.is_question
            and not p.is_question
            and last.date == p.date
            and _words(last.text) + _words(p.text) + len(p.heading_path) <= limit
        ):
            parent = _common_prefix(last.heading_path, p.heading_path)
            # siblings (or a section and its parent's intro): one level apart at most
            if len(parent) >= max(len(last.heading_path), len(p.heading_path)) - 1:
                head = _below(last, parent)
                sections = _sections(last, parent, 0, len(head) - len(last.text))
                sections += _sections(p, parent, len(head) + 1, len(_below(p, parent)) - len(p.text))
                out[-1] = Passage(
                    last.doc_id,
                    last.number,
                    head + "\n" + _below(p, parent),
                    parent,
                    last.page if last.page is not None else p.page,
                    sections=sections,
                    date=last.date,
                )
                continue
        out.append(p)
    for number, p in enumerate(out, start=1):
        p.number = number
    return out


def _sections(p: Passage, parent: list[str], start: int, shift: int) -> list[tuple[int, str]]:
    """Where ``p``'s sections begin once it is joined at ``start`` under
    ``parent`` (its own headings below ``parent``, ``shift`` characters of
    them, now open its text)."""
    own = p.heading_path[len(parent) :]
    if not p.sections:
        return [(start, " › ".join(own))]
    out = [(start, " › ".join(own + ([p.sections[0][1]] if p.sections[0][1] else [])))]
    out += [(start + shift + at, " › ".join(own + ([h] if h else []))) for at, h in p.sections[1:]]
    return out


def _common_prefix(a: list[str], b: list[str]) -> list[str]:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _below(p: Passage, parent: list[str]) -> str:
    """A passage's text led by its headings below ``parent``."""
    return "\n".join(p.heading_path[len(parent) :] + [p.text])
