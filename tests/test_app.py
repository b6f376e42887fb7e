"""The Flask app factory, the minimal search page and the JSON API."""

from __future__ import annotations

import pytest

from search_app import create_app


@pytest.fixture
def client(demo_index):
    app = create_app({"INDEX_DIR": str(demo_index), "TESTING": True})
    return app.test_client()


def test_search_page(client):
    page = client.get("/zoeken?q=samenwerkingsverband")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="nl">' in html and "<mark>" in html and "resultaten" in html


def test_home_page_has_a_labelled_search_box(client):
    html = client.get("/").get_data(as_text=True)
    assert '<label for="q">' in html and 'id="q"' in html


def test_query_is_escaped_on_the_page(client):
    html = client.get("/zoeken?q=<script>alert(1)</script>").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_api_search_has_the_cli_shape_plus_facets(client):
    data = client.get("/api/search?q=symbiose&k=2&mode=passages").get_json()
    assert set(data) == {"query", "total", "took_ms", "hits", "suggestion", "facets"}
    assert set(data["facets"]) == {"type", "sector", "year"}
    assert len(data["hits"]) == 2


def test_api_ask(client):
    data = client.get("/api/ask?q=Zijn er subsidies voor deze innovaties?").get_json()
    assert data["hits"][0]["text"].startswith("Er zijn geen subsidies beschikbaar")


@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=x&k=",
        "q=x&k=abc",
        "q=x&k=0",
        "q=x&mode=alles",
        "q=x&type=boek",
        "q=x&sector=mbo",
        "q=x&year=twintig",
        "q=x&sort=alfabet",
        "q=x&page=0",
        "q=x&k=-1",
        "q=" + "a" * 2001,
    ],
)
def test_bad_parameters_get_a_400_with_a_dutch_message(client, query):
    response = client.get(f"/api/search?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_healthz(client):
    data = client.get("/healthz").get_json()
    assert data["status"] == "ok" and data["documents"] == 8


def test_without_an_index_the_api_says_so(tmp_path):
    client = create_app({"INDEX_DIR": str(tmp_path / "leeg")}).test_client()
    assert client.get("/healthz").status_code == 503
    assert client.get("/api/search?q=x").status_code == 503
    assert client.get("/zoeken?q=x").status_code == 503


def test_unicode_digits_in_a_year_are_a_400_not_a_500(client):
    assert client.get("/api/search?q=onderwijs&year=%C2%B2%C2%B2%C2%B2%C2%B2").status_code == 400
    assert client.get("/?q=onderwijs&year=%C2%B2%C2%B2%C2%B2%C2%B2").status_code == 400


def test_snippets_are_bounded(demo_index):
    from indexer.engine.whoosh.snippets import SNIPPET_MAX_CHARS, cap_snippet

    long = "<mark>" + "a" * 5000 + "</mark> &amp; meer"
    capped = cap_snippet(long)
    assert len(capped) <= SNIPPET_MAX_CHARS + 10 and capped.count("<mark>") == capped.count("</mark>")
