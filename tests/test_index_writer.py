"""The index writer's shortcuts give the index Whoosh's own writer gives.

``whoosh_index.SegmentIndexWriter`` analyses each text once into posting values
(no token objects, a title or heading once per document, a passage's text
once for its body and its compound parts) and keeps postings in arrays per
term (``_PostingLists``) instead of Whoosh's sorted pool. Here the demo
corpus is indexed both ways and the segment files must be the same bytes.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from whoosh.writing import SegmentWriter

from indexer.engine.whoosh.index import SearchIndex
from indexer.engine.whoosh.schema import SeparateTexts
from indexer.engine.whoosh.writer import IndexWriter, MpIndexWriter, SegmentIndexWriter, _PostingLists
from indexer.indexing import run as index_run
from indexer.sources import scan_sources
from tests.conftest import CORPUS


class WhooshOwnWriter(SegmentWriter):
    """Whoosh's own writer, with the compound parts given as they were before
    the shortcut: the passage's title, heading and text joined with spaces."""

    def add_document(self, **fields):
        parts = fields.get("parts")
        if isinstance(parts, SeparateTexts):
            fields["parts"] = " ".join(parts.texts)
        super().add_document(**fields)


@pytest.fixture(scope="module")
def records():
    """The demo corpus as (record, passages, sectors), plus edge cases."""
    sources, _ = scan_sources(CORPUS)
    out = []
    for source in sources:
        record, passages, sectors = index_run.build_record(
            source, index_run.extract(source), source.path.replace("/", "-")
        )
        record.indexed_at = "2026-01-01T00:00:00"
        out.append((record, passages, sectors))
    # a passage without a heading, one whose text repeats its title with odd
    # tokens, one without text
    record, passages, sectors = out[0]
    passages[0].heading_path = []
    passages[1].text = f"{record.title} {record.title} thema's so-sbo-bao 2020-2021 1.250 ’s-Hertogenbosch -"
    passages[2].text = ""
    assert any(p.is_question for _, ps, _ in out for p in ps)  # the question field too
    return out


def segment_files(directory: Path) -> list[dict[str, str]]:
    """Each segment's files (by what follows the random segment name) with a
    hash of their bytes."""
    segments: dict[str, dict[str, str]] = {}
    for path in directory.iterdir():
        name = path.name
        if not name.startswith("MAIN_") or "WRITELOCK" in name:
            continue
        segment, _, ext = name[len("MAIN_") :].partition(".")
        segments.setdefault(segment, {})[ext] = hashlib.sha256(path.read_bytes()).hexdigest()
    return sorted(segments.values(), key=repr)


def build(directory: Path, make_writer, batches, deletions=(), optimize=False) -> Path:
    """Index the batches, one commit each; before the last commit, delete
    ``deletions`` (doc ids); ``optimize`` merges every segment into the last."""
    shutil.rmtree(directory, ignore_errors=True)
    SearchIndex.create(directory).close()
    for i, batch in enumerate(batches):
        index = SearchIndex(directory)
        writer = IndexWriter(make_writer(index._ix), index)
        if i == len(batches) - 1:
            for doc_id in deletions:
                writer.delete_document(doc_id)
        for record, passages, sectors in batch:
            writer.add_document(record, passages, sectors)
        writer.commit(optimize=optimize and i == len(batches) - 1)
        index.close()
    return directory


def test_the_writer_writes_the_segment_whooshs_own_writer_writes(records, tmp_path):
    ours = build(tmp_path / "ours", lambda ix: SegmentIndexWriter(ix, compound=False), [records])
    theirs = build(tmp_path / "theirs", lambda ix: WhooshOwnWriter(ix, compound=False), [records])
    files = segment_files(ours)
    assert len(files) == 1 and {"pst", "trm", "_stored.col", "_body_len.col", "_parts_len.col"} <= set(files[0])
    assert files == segment_files(theirs)
    assert (ours / "spelling-counts.json").read_bytes() == (theirs / "spelling-counts.json").read_bytes()


def test_merging_segments_and_deleting_documents_gives_the_same_index(records, tmp_path, monkeypatch):
    # the last commit merges the earlier segments into the new one (their
    # postings come term by term, after this writer's own), without the
    # deleted documents
    batches = [records[:3], records[3:5], records[5:]]
    gone = [records[1][0].doc_id, records[4][0].doc_id]
    added = []
    monkeypatch.setattr(
        _PostingLists, "add", lambda self, item, add=_PostingLists.add: added.append(item) or add(self, item)
    )
    ours = build(tmp_path / "ours", lambda ix: SegmentIndexWriter(ix, compound=False), batches, gone, optimize=True)
    assert added, "the merge went through the posting lists"
    theirs = build(tmp_path / "theirs", lambda ix: WhooshOwnWriter(ix, compound=False), batches, gone, optimize=True)
    assert len(segment_files(ours)) == 1
    assert segment_files(ours) == segment_files(theirs)
    index = SearchIndex(ours)
    assert gone[0] not in {r.doc_id for r in index.documents()}
    assert len(index.documents()) == len(records) - 2
    index.close()


def index_content(directory: Path) -> dict:
    """What an index holds, whatever the segments: every record's stored
    fields, and every term's postings by record id."""
    index = SearchIndex(directory)
    reader = index._ix.reader()
    ids = {n: fields["id"] for n, fields in reader.iter_docs()}
    content = {"stored": {ids[n]: fields for n, fields in reader.iter_docs()}, "postings": {}}
    for fieldname in reader.indexed_field_names():
        for term in reader.lexicon(fieldname):
            m = reader.postings(fieldname, term)
            postings = {}
            while m.is_active():
                postings[ids[m.id()]] = (m.weight(), m.value())
                m.next()
            content["postings"][(fieldname, term)] = postings
    content["lengths"] = {
        (ids[n], f): reader.doc_field_length(n, f)
        for n in ids
        for f in ("title", "heading", "body", "parts", "question")
    }
    index.close()
    return content


def test_the_writer_processes_write_what_one_writer_writes(records, tmp_path):
    ours = build(
        tmp_path / "ours",
        lambda ix: MpIndexWriter(ix, procs=2, batchsize=40, multisegment=True, compound=False),
        [records],
    )
    theirs = build(tmp_path / "theirs", lambda ix: WhooshOwnWriter(ix, compound=False), [records])
    assert len(segment_files(ours)) == 2
    assert index_content(ours) == index_content(theirs)


def test_posting_lists_hand_postings_back_in_whooshs_order():
    pool = _PostingLists()
    items = [
        ("body", b"school", 7, 1.0, b"a"),
        ("body", b"leerling", 3, 2.0, b"b"),
        ("body", b"school", 2, 1.0, b"c"),
        ("title", b"school", 1, 1.0, b""),
        ("body", b"school", 5, 3.0, b"d"),
    ]
    for item in items:
        pool.add(item)
    assert list(pool.iter_postings()) == sorted(items)
    assert pool.fieldnames == {"body", "title"}
