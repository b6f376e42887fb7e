"""What a Whoosh index holds: the schema, the analyzer adapter that runs
this project's analysis chains inside Whoosh, and the field values only this
project's writer accepts.

In: an analysis profile ("dutch", "plain"). Out: a ``Schema`` whose text
fields analyse with :mod:`indexer.analysis.dutch`.

The index holds two kinds of records:

- ``kind=passage``: one per passage, with the document's title and metadata
  copied in, so that one query ranks passages with BM25F over title, heading
  path and body;
- ``kind=document``: one per source file, with its metadata and the state
  (content hash) that incremental indexing compares against. It has no
  indexed text, so a text query never matches it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from whoosh.analysis import Token as WhooshToken
from whoosh.analysis import Tokenizer as WhooshTokenizer
from whoosh.columns import FixedBytesColumn
from whoosh.fields import COLUMN, ID, STORED, TEXT, Schema

from indexer.analysis import dutch as dutch_analysis
from indexer.passages import duplicates

PASSAGE, DOCUMENT = "passage", "document"
TEXT_FIELDS = ("title", "heading", "body")

# Analysis profiles: "dutch" is the product; "plain" is the evaluation's
# baseline (lower-cased words, nothing else).
INDEX_CHAINS = {
    "dutch": dutch_analysis.index_analyzer,
    "plain": dutch_analysis.plain_analyzer,
    "surface": dutch_analysis.surface_analyzer,
    "parts": dutch_analysis.compound_parts_analyzer,
}
QUERY_CHAINS = {
    "dutch": dutch_analysis.query_analyzer,
    "plain": dutch_analysis.plain_analyzer,
}


# Indexes written before the engine moved into ``indexer.engine.whoosh``
# (schema 8, November 2026) pickled their analyzer as
# ``indexer.whoosh_index.ChainAnalyzer``; the old name stays an alias of this
# module so that they keep loading. New indexes record this module's name.
sys.modules.setdefault("indexer.whoosh_index", sys.modules[__name__])


class ChainAnalyzer(WhooshTokenizer):
    """Adapts a :mod:`indexer.analysis.dutch` chain to Whoosh's analyzer protocol.

    Whoosh pickles the schema into the index, so this object keeps only the
    profile name and rebuilds its chain when loaded.
    """

    def __init__(self, profile: str):
        self.profile = profile
        self._chain = INDEX_CHAINS[profile]()

    def __getstate__(self):
        return {"profile": self.profile}

    def __setstate__(self, state):
        self.__init__(state["profile"])

    def __eq__(self, other):
        return isinstance(other, ChainAnalyzer) and other.profile == self.profile

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = WhooshToken(positions, chars, removestops=removestops, mode=mode, **kwargs)
        t.boost = 1.0
        t.stopped = False
        for text, pos, start, end in self._chain.tuples(value):
            t.text = text
            if keeporiginal:
                t.original = value[start:end]
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + start
                t.endchar = start_char + end
            yield t


WRITER_PROCESSES = 2  # the machine has two cores
PARALLEL_FROM = 200  # documents in one run before the writer goes multi-process

# Bump when the schema changes: an index of another version is rebuilt in full.
SCHEMA_VERSION = 8


def build_schema(profile: str = "dutch") -> Schema:
    """What the index holds. Only the fields a query reads are indexed (kind
    and doc_id select records, date_sort sorts, the text fields rank); the
    rest are only stored: facets and filters come from the document records,
    and indexing a year or a passage number cost eight terms each."""
    text = ChainAnalyzer(profile)
    return Schema(
        id=STORED,
        kind=ID(stored=True),
        doc_id=ID(stored=True, sortable=True),
        source=STORED,
        title=TEXT(analyzer=text, stored=True),
        heading=TEXT(analyzer=text, stored=True),
        body=TEXT(analyzer=text, stored=True, chars=True),
        parts=TEXT(analyzer=ChainAnalyzer("parts"), phrase=False),  # parts of compounds in the text
        question=TEXT(analyzer=text),  # the question an FAQ passage answers
        type=STORED,
        sectors=STORED,
        year=STORED,
        date=STORED,
        date_sort=ID(sortable=True),  # ISO date, "0000-00-00" when unknown
        page=STORED,
        number=STORED,
        is_question=STORED,
        sections=STORED,  # the sections a joined passage holds: (offset, headings)
        fingerprint=COLUMN(FixedBytesColumn(duplicates.WIDTH)),  # duplicates.fingerprint of the body
        state=STORED,
        record=STORED,
        vocabulary=STORED,  # a document's distinct surface words (spelling_counts.py)
    )


class SeparateTexts:
    """Several texts indexed in one field as if joined with spaces (no token
    spans a space, so the terms are the same). Each text is analysed on its
    own, so a text that another field of the passage indexes too (the body, a
    heading, the title) is scanned once for both fields, and one repeated
    across passages (the title) once for all of them. Only this module's
    writers accept it (Whoosh's own refuses it rather than mis-index it)."""

    __slots__ = ("texts",)

    def __init__(self, texts: Iterable[str]):
        self.texts = tuple(texts)

    def __getstate__(self):
        return self.texts

    def __setstate__(self, state):
        self.texts = state

    def __eq__(self, other):
        return isinstance(other, SeparateTexts) and other.texts == self.texts

    def __repr__(self):
        return f"SeparateTexts({self.texts!r})"
