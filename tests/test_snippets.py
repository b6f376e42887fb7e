"""Snippets as a reader sees them: whole words, whole marks, a sentence start
where one is near (the demo corpus, every dev query of the evaluation)."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest

QUERIES = [
    json.loads(line)["query"]
    for line in (Path(__file__).parent / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]


def _plain(snippet: str) -> str:
    return unescape(re.sub(r"</?mark>", "", snippet))


@pytest.fixture(scope="module")
def snippets(service):
    out = []
    texts = {}
    for q in QUERIES[:60]:
        for hit in service.search(q, k=10, mode="passages").hits:
            if hit.doc_id not in texts:
                texts[hit.doc_id] = {p.id: p.text.replace("\n", " ") for p in service.passages(hit.doc_id)}
            out.append((q, hit.snippet, texts[hit.doc_id][hit.passage_id]))
    assert len(out) > 200
    return out


def test_every_fragment_starts_and_ends_on_a_word_boundary(snippets):
    for query, snippet, text in snippets:
        assert snippet.count("<mark>") == snippet.count("</mark>"), snippet
        for fragment in _plain(snippet).removeprefix("… ").removesuffix(" …").split(" … "):
            fragment = fragment.strip()
            at = text.find(fragment)
            assert at >= 0, (query, fragment[:80])
            end = at + len(fragment)
            assert at == 0 or text[at - 1].isspace(), (query, text[max(0, at - 15) : at + 15])
            assert end == len(text) or text[end].isspace(), (query, text[end - 15 : end + 15])


def test_no_mark_is_cut_short(snippets):
    for query, snippet, text in snippets:
        for marked in re.findall(r"<mark>([^<]*)</mark>", snippet):
            word = unescape(marked)
            assert word in text, (query, word)


def test_most_snippets_start_at_a_sentence(snippets):
    starts = [_plain(s)[:1] for _q, s, _t in snippets]
    capitalised = sum(1 for c in starts if c.isupper() or c.isdigit() or c in "\"'‘“(")
    assert capitalised / len(starts) > 0.7, capitalised / len(starts)
    assert all(
        c != "…" or _plain(s).startswith("… ") and _plain(s)[2:3].islower() for c, (_q, s, _t) in zip(starts, snippets)
    )  # "…" marks the rest: a sentence's middle
