"""The editors' area: login guard, CSRF, upload (good and bad), removal, reindex."""

from __future__ import annotations

import re
import shutil
import time

import pytest

from indexer.indexing.run import run_index
from indexer.sources import load_catalogue
from search_app import create_app
from search_app.upload_check import UploadRejected, check_upload, safe_filename
from tests import pdf_fixtures
from tests.conftest import CORPUS

PASSWORD = "een-lang-beheerwachtwoord"


@pytest.fixture
def env(tmp_path):
    source = tmp_path / "bron"
    shutil.copytree(CORPUS, source, ignore=shutil.ignore_patterns("tools"))
    index = tmp_path / "index"
    run_index(source, index)
    app = create_app(
        {
            "INDEX_DIR": str(index),
            "SOURCE_DIR": str(source),
            "EDITOR_PASSWORD": PASSWORD,
            "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
            "API_RATE_LIMIT": "off",
        }
    )  # searches while reindexing
    return app, app.test_client(), source, index


def token(client, url="/beheer/inloggen") -> str:
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client):
    response = client.post("/beheer/inloggen", data={"wachtwoord": PASSWORD, "csrf_token": token(client)})
    assert response.status_code == 302
    return token(client, "/beheer/")


def wait_for_run(client, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get("/beheer/status.json").get_json()
        if status.get("state") in ("klaar", "mislukt", "afgebroken"):
            return status
        time.sleep(0.3)
    raise AssertionError(f"indexing did not finish: {status}")


def search_sources(client, q):
    return [h["source"] for h in client.get(f"/api/search?q={q}&k=20").get_json()["hits"]]


def test_the_area_needs_a_login(env):
    _, client, _, _ = env
    response = client.get("/beheer/")
    assert response.status_code == 302 and "/beheer/inloggen" in response.headers["Location"]
    for url in ("/beheer/uploaden", "/beheer/verwijderen", "/beheer/herindexeren"):
        assert client.post(url).status_code in (302, 400)  # never carried out
    assert client.get("/beheer/status.json").status_code == 302


def test_a_wrong_password_is_refused(env):
    _, client, _, _ = env
    response = client.post("/beheer/inloggen", data={"wachtwoord": "fout", "csrf_token": token(client)})
    assert response.status_code == 401 and "Onjuist wachtwoord" in response.get_data(as_text=True)
    assert client.get("/beheer/").status_code == 302


def test_every_form_needs_its_csrf_token(env):
    _, client, _, _ = env
    assert client.post("/beheer/inloggen", data={"wachtwoord": PASSWORD}).status_code == 400
    login(client)
    for url in ("/beheer/uploaden", "/beheer/verwijderen", "/beheer/herindexeren", "/beheer/uitloggen"):
        response = client.post(url, data={"document": "x"})
        assert response.status_code == 400, url
        assert "formulier is verlopen of ongeldig" in response.get_data(as_text=True)


def test_upload_a_pdf_with_metadata_and_find_it(env, tmp_path):
    _, client, source, _ = env
    csrf = login(client)
    pdf = pdf_fixtures.text_pdf(tmp_path / "x.pdf", ["De zeldzame wolkenkrabbertoets voor passend onderwijs."])
    with pdf.open("rb") as fh:
        response = client.post(
            "/beheer/uploaden",
            content_type="multipart/form-data",
            data={
                "csrf_token": csrf,
                "bestand": (fh, "../../Nieuwe publicatie (versie 2).PDF"),
                "titel": "Wolkenkrabbers",
                "type": "verslag",
                "sector": ["po", "vo"],
                "datum": "2024-05-01",
            },
        )
    assert response.status_code == 303
    stored = source / "uploads" / "Nieuwe-publicatie-versie-2.pdf"
    assert stored.is_file() and not (tmp_path / "Nieuwe publicatie (versie 2).PDF").exists()
    entry = load_catalogue(source)["uploads/Nieuwe-publicatie-versie-2.pdf"]
    assert entry == {"title": "Wolkenkrabbers", "type": "verslag", "sectors": ["po", "vo"], "date": "2024-05-01"}
    status = wait_for_run(client)
    assert status["state"] == "klaar" and status["report"]["added"] == ["uploads/Nieuwe-publicatie-versie-2.pdf"]
    hits = client.get("/api/search?q=wolkenkrabbertoets").get_json()["hits"]
    assert [(h["title"], h["type"], h["date"]) for h in hits] == [("Wolkenkrabbers", "verslag", "2024-05-01")]
    page = client.get("/beheer/").get_data(as_text=True)
    assert "Toegevoegd: 1" in page and "Wolkenkrabbers" in page


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("nep.pdf", b"<!DOCTYPE html><html><body>geen pdf</body></html>", "geen PDF"),
        ("half.pdf", b"%PDF-1.4\n1 0 obj <<>> endobj\n", "onvolledig"),
        ("programma.exe", b"MZ\x90\x00", "Alleen PDF- en HTML-bestanden"),
        ("plaatje.html", bytes(range(256)) * 4, "geen tekst"),
        ("leeg.html", b"", "leeg"),
        ("tekst.html", b"gewoon wat tekst zonder opmaak", "geen HTML"),
    ],
)
def test_bad_uploads_are_refused_with_a_reason(env, name, data, reason):
    _, client, source, _ = env
    csrf = login(client)
    from io import BytesIO

    response = client.post(
        "/beheer/uploaden",
        content_type="multipart/form-data",
        data={"csrf_token": csrf, "bestand": (BytesIO(data), name)},
        follow_redirects=True,
    )
    assert reason in response.get_data(as_text=True)
    assert not (source / "uploads").exists() or not any((source / "uploads").iterdir())


def test_an_upload_over_the_size_limit_is_a_413(env):
    _, client, _, _ = env
    csrf = login(client)
    from io import BytesIO

    big = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024) + b"\n%%EOF\n"
    response = client.post(
        "/beheer/uploaden",
        content_type="multipart/form-data",
        data={"csrf_token": csrf, "bestand": (BytesIO(big), "groot.pdf")},
    )
    assert response.status_code == 413 and "te groot" in response.get_data(as_text=True)


def test_remove_a_document(env):
    _, client, source, _ = env
    csrf = login(client)
    assert "webpaginas/leernetwerk-samenwerkingsverbanden.html" in search_sources(client, "leernetwerk")
    response = client.post(
        "/beheer/verwijderen",
        data={"csrf_token": csrf, "document": "webpaginas-leernetwerk-samenwerkingsverbanden-html"},
    )
    assert response.status_code == 303
    assert not (source / "webpaginas" / "leernetwerk-samenwerkingsverbanden.html").exists()
    assert "webpaginas/leernetwerk-samenwerkingsverbanden.html" not in load_catalogue(source)
    status = wait_for_run(client)
    assert status["report"]["removed"] == ["webpaginas/leernetwerk-samenwerkingsverbanden.html"]
    assert "webpaginas/leernetwerk-samenwerkingsverbanden.html" not in search_sources(client, "leernetwerk")


def test_removal_takes_only_indexed_documents(env):
    _, client, source, _ = env
    csrf = login(client)
    for bogus in ("../../etc/passwd", "catalogue.toml", "webpaginas/praktijkvoorbeelden.html"):
        response = client.post(
            "/beheer/verwijderen", data={"csrf_token": csrf, "document": bogus}, follow_redirects=True
        )
        assert "staat niet (meer) in de index" in response.get_data(as_text=True)
    assert (source / "catalogue.toml").exists() and (source / "webpaginas" / "praktijkvoorbeelden.html").exists()


def test_reindex_from_the_page_and_search_keeps_answering(env):
    _, client, _, index = env
    csrf = login(client)
    assert client.post("/beheer/herindexeren", data={"csrf_token": csrf, "volledig": "ja"}).status_code == 303
    while client.get("/beheer/status.json").get_json().get("state") == "bezig":
        assert client.get("/api/search?q=samenwerkingsverband").status_code == 200
        time.sleep(0.05)
    status = wait_for_run(client)
    assert status["state"] == "klaar" and status["full"] is True and status["report"]["unchanged"] == 8
    assert status["report"]["carried_over"] == 8 and status["report"]["analysed"] == 0
    assert "Overgenomen uit de vorige index: 8; geanalyseerd: 0" in client.get("/beheer/").get_data(as_text=True)


def test_upload_checks():
    assert safe_filename("../../a b/Über verslag.PDF") == "Uber-verslag.pdf"
    assert safe_filename("..") == "document"
    assert check_upload("x.htm", b"\xef\xbb\xbf<!doctype html><p>hoi</p>") == ("html", "x.htm")
    assert check_upload("u.html", "<html><body>hoi</body></html>".encode("utf-16")) == ("html", "u.html")
    with pytest.raises(UploadRejected):
        check_upload("x.pdf", b"%PDF-1.4 zonder einde")


def test_a_title_with_control_characters_cannot_break_the_catalogue(env, tmp_path):
    from io import BytesIO

    _, client, source, _ = env
    csrf = login(client)
    page = b"<!DOCTYPE html><html><body><main><h1>Kop</h1><p>Tekst over passend onderwijs.</p></main></body></html>"
    client.post(
        "/beheer/uploaden",
        content_type="multipart/form-data",
        data={"csrf_token": csrf, "bestand": (BytesIO(page), "a.html"), "titel": "Titel \x7f\x00 met\ttab"},
    )
    assert load_catalogue(source)["uploads/a.html"]["title"] == "Titel \x7f\x00 met tab"
    wait_for_run(client)


def test_login_redirect_only_to_the_editors_area(env):
    _, client, _, _ = env
    for target, expected in (
        ("/beheer/status.json", "/beheer/status.json"),
        ("//evil.example", "/beheer/"),
        ("/beheer/../zoeken", "/beheer/"),
        ("/beheer\r\nX: 1", "/beheer/"),
    ):
        client.get("/beheer/uitloggen")
        response = client.post(
            "/beheer/inloggen?next=" + target, data={"wachtwoord": PASSWORD, "csrf_token": token(client)}
        )
        assert response.status_code == 302 and response.headers["Location"] == expected, target


def test_the_dashboard_shows_how_far_embedding_got(env):
    from indexer.indexing.vector_store import VectorStore

    app, client, _source, index = env
    login(client)
    assert "Zoeken op betekenis" not in client.get("/beheer/").get_data(as_text=True)  # no vectors: not mentioned
    store = VectorStore(index)
    store.write_status({"state": "bezig", "done": 40, "todo": 120, "passages": 137})
    page = client.get("/beheer/").get_data(as_text=True)
    assert "Zoeken op betekenis" in page and "Inbedden bezig: 40 van 120 nieuwe passages" in page
    assert '<progress max="120" value="40"' in page
    store.write_status({"state": "klaar", "passages": 137, "with_vector": 137, "embedded": 80, "seconds": 40.0})
    assert "137 van de 137 passages hebben een vector (klaar)" in client.get("/beheer/").get_data(as_text=True)
