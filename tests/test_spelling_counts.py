"""The spelling vocabulary kept beside the index: right after incremental
runs, and recounted from the index when its file is stale or missing."""

from __future__ import annotations

import json
from pathlib import Path

from indexer.engine.spelling_counts import FILE_NAME, SpellingCounts
from indexer.engine.whoosh.index import SearchIndex
from indexer.indexing.run import run_index
from indexer.indexing.store import IndexStore


def _page(title: str, body: str) -> str:
    return (
        f"<!DOCTYPE html><html lang='nl'><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><main><h1>{title}</h1><p>{body}</p></main></body></html>"
    )


def _live(root: Path) -> SearchIndex:
    return SearchIndex(IndexStore(root).current_generation())


def _recount(index: SearchIndex) -> dict[str, int]:
    (index.directory / FILE_NAME).unlink()
    fresh = SearchIndex(index.directory)
    try:
        return dict(fresh.spelling_counts().counts)
    finally:
        fresh.close()


def test_counts_follow_incremental_runs_and_match_a_recount(tmp_path):
    src, root = tmp_path / "src", tmp_path / "index"
    src.mkdir()
    (src / "a.html").write_text(_page("Zebravinken in de klas", "Zebravinken en leerlingen. " * 20), encoding="utf-8")
    (src / "b.html").write_text(
        _page("Zebravinken thuis", "Zebravinken zingen voor leerlingen thuis. " * 20), encoding="utf-8"
    )
    run_index(src, root)
    ix = _live(root)
    counts = ix.spelling_counts()
    assert counts.counts["zebravinken"] == 2 and counts.counts["thuis"] == 1
    saved = json.loads((ix.directory / FILE_NAME).read_text(encoding="utf-8"))
    assert saved["generation"] == ix.searcher().reader().generation()
    ix.close()

    (src / "b.html").unlink()
    (src / "c.html").write_text(_page("Kraanvogels", "Kraanvogels trekken over de school. " * 20), encoding="utf-8")
    run_index(src, root)
    ix = _live(root)
    after = dict(ix.spelling_counts().counts)
    assert after["zebravinken"] == 1 and "thuis" not in after and after["kraanvogels"] == 1
    assert after == _recount(ix)
    ix.close()


def test_a_stale_file_is_not_trusted(tmp_path):
    src, root = tmp_path / "src", tmp_path / "index"
    src.mkdir()
    (src / "a.html").write_text(
        _page("Ondersteuning", "Ondersteuning voor leerlingen in het onderwijs. " * 20), encoding="utf-8"
    )
    run_index(src, root)
    ix = _live(root)
    real = dict(ix.spelling_counts().counts)
    generation = ix.searcher().reader().generation()
    ix.close()
    # what a run killed between Whoosh's commit and saving the counts leaves behind
    SpellingCounts({"bedrog": 99}, generation - 1).save(ix.directory)
    ix = _live(root)
    assert dict(ix.spelling_counts().counts) == real
    assert json.loads((ix.directory / FILE_NAME).read_text())["generation"] == generation  # saved again
    ix.close()


def test_did_you_mean_uses_the_counts(service):
    response = service.search("samenwerkingsverbnd")
    assert response.suggestion and "samenwerkingsverband" in response.suggestion
