"""Shared fixtures: the demo corpus indexed once per session, and the realdocs."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from indexer.indexing.run import run_index
from indexer.search.service import SearchService
from tests import opensearch_cluster

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
SHARED = REPO.parent / "shared"
REALDOCS = SHARED / "realdocs"


def pytest_configure(config):
    """The coordinating process starts the shared OpenSearch cluster in the
    background (tests/opensearch_cluster.py); workers inherit its address."""
    if not hasattr(config, "workerinput") and opensearch_cluster.wanted(config.args):
        opensearch_cluster.start()


def pytest_unconfigure(config):
    if not hasattr(config, "workerinput"):
        opensearch_cluster.stop()


@pytest.fixture(scope="session")
def opensearch(request):
    """The shared three-node cluster, green, with new indexes of three shards
    and one replica each; skips with the reason where it cannot run."""
    if importlib.util.find_spec("opensearchpy") is None:
        pytest.skip("opensearch-py is not installed (pip install -e '.[dev]')")
    try:
        cluster = opensearch_cluster.attach()
    except RuntimeError as exc:
        pytest.skip(f"no OpenSearch cluster: {exc}")
    saved = {k: os.environ.get(k) for k in _OPENSEARCH_SETTINGS}
    os.environ.update(
        EXPERTISEBANK_OPENSEARCH_URL=",".join(cluster.urls),
        EXPERTISEBANK_OPENSEARCH_SHARDS="3",
        EXPERTISEBANK_OPENSEARCH_REPLICAS="1",
    )
    yield cluster
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


_OPENSEARCH_SETTINGS = (
    "EXPERTISEBANK_OPENSEARCH_URL",
    "EXPERTISEBANK_OPENSEARCH_SHARDS",
    "EXPERTISEBANK_OPENSEARCH_REPLICAS",
)


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
