"""Shared fixtures: the demo corpus indexed once per session, and the realdocs."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.indexing.run import run_index
from indexer.search.service import SearchService

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
SHARED = REPO.parent / "shared"
REALDOCS = SHARED / "realdocs"


@pytest.fixture(scope="session")
def demo_index(tmp_path_factory) -> Path:
    """The bundled demo corpus, indexed into a fresh folder."""
    root = tmp_path_factory.mktemp("demo") / "index"
    report = run_index(CORPUS, root)
    assert report.failed == [], report.render()
    return root


@pytest.fixture(scope="session")
def service(demo_index) -> SearchService:
    svc = SearchService(demo_index)
    yield svc
    svc.close()


@pytest.fixture(scope="session")
def realdocs() -> Path:
    if not REALDOCS.is_dir():
        pytest.skip(f"../shared/realdocs is absent ({REALDOCS}); the real-document tests need it")
    return REALDOCS
