"""The OpenSearch engine when its cluster does not answer: a clear Dutch
answer (503), never a 500, and nothing else lost. No cluster is needed."""

from __future__ import annotations

import importlib.util
import json
import socket

import pytest

from indexer.engine.opensearch.index import MARKER, SCHEMA_VERSION, index_name
from indexer.indexing.store import IndexStore
from indexer.model import EngineUnavailableError
from indexer.search.service import SearchService
from search_app import create_app

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("opensearchpy") is None, reason="opensearch-py is not installed (the dev extra)"
)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


@pytest.fixture
def unreachable(tmp_path, monkeypatch):
    """An index root whose live generation is an OpenSearch index on a cluster that is down."""
    monkeypatch.setenv("EXPERTISEBANK_BACKEND", "opensearch")
    monkeypatch.setenv("EXPERTISEBANK_OPENSEARCH_URL", f"http://127.0.0.1:{closed_port()}")
    store = IndexStore(tmp_path / "index")
    generation = store.new_generation()
    marker = {"index": index_name(generation), "profile": "dutch", "schema_version": SCHEMA_VERSION}
    (generation / MARKER).write_text(json.dumps(marker))
    store.write_manifest(generation, {"schema_version": SCHEMA_VERSION})
    store.publish(generation)
    return tmp_path / "index"


def test_the_search_service_says_the_engine_is_unreachable(unreachable):
    service = SearchService(unreachable)
    with pytest.raises(EngineUnavailableError, match="tijdelijk niet bereikbaar"):
        service.search("passend onderwijs")


def test_the_site_and_the_api_answer_503_in_dutch(unreachable):
    client = create_app({"INDEX_DIR": str(unreachable), "TESTING": True, "SECRET_KEY": "test"}).test_client()
    api = client.get("/api/search", query_string={"q": "passend onderwijs"})
    assert api.status_code == 503 and "Retry-After" in api.headers
    assert "tijdelijk niet bereikbaar" in api.get_json()["error"]
    page = client.get("/zoeken", query_string={"q": "passend onderwijs"})
    assert page.status_code == 503 and "tijdelijk niet bereikbaar" in page.get_data(as_text=True)
