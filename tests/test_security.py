"""Hostile input on the site: markup in every stored or echoed field stays
text, security headers on every kind of response, the editors' area (login
on every route, slowed brute force, CSRF on every form, uploads, downloads of
indexed files only) and rate limits on the public API."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from indexer.indexing.run import run_index
from indexer.indexing.status import RunStatus
from indexer.sources import document_id
from search_app import create_app
from search_app.settings import from_environment
from search_app.upload_check import safe_filename
from tests import pdf_fixtures

PASSWORD = "een-lang-beheerwachtwoord-voor-tests"
# one payload for every field: breaks out of text, attributes, <title>, <textarea>, templates
PAYLOAD = "\"'><script>alert(1)</script><img src=x onerror=alert(2)><svg onload=alert(3)></textarea></title>{{7*7}}"
NOT_A_LINK = "javascript:alert(document.cookie)"

# --- the checker shared with test_hostile_queries.py ------------------------------------


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


def assert_inert_html(html: str, where: str = "") -> None:
    """Nothing in the page can run: only our own script, no event handler
    attributes, no element that a payload would bring, no active URL."""
    for tag, attrs in elements(html):
        if tag == "script":
            assert (attrs.get("src") or "").startswith("/static/"), (where, tag, attrs)
        assert tag not in ("img", "svg", "iframe", "object", "embed", "base"), (where, tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (where, tag, attrs)
            if name in ("href", "src", "action", "formaction", "data") and value:
                scheme = urlsplit(re.sub(r"[\x00-\x20]", "", value)).scheme.lower()
                assert scheme in ("", "http", "https"), (where, tag, attrs)
    assert "<script>alert" not in html and "<img src=x" not in html and "<svg onload" not in html, where


def assert_security_headers(response, where: str = "") -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";") if d.strip()}
    script_src = directives.get("script-src") or directives.get("default-src") or ""
    assert script_src and "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, (where, csp)
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'" or headers.get("X-Frame-Options") == "DENY", (
        where
    )
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"), where


# --- a corpus whose every field is hostile -----------------------------------------------


def _page(title: str, heading: str, body: str, author: str = "", description: str = "") -> str:
    from html import escape

    meta = ""
    if author:
        meta += f'<meta name="author" content="{escape(author)}">'
    if description:
        meta += f'<meta name="description" content="{escape(description)}">'
    return (
        f'<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>{escape(title)}</title>{meta}</head>'
        f"<body><main><h1>{escape(title)}</h1><h2>{escape(heading)}</h2><p>{escape(body)}</p>"
        f"<h2>Meer over zebravinken</h2><p>{escape(body)} Nog een alinea over zebravinken en kwartels, "
        f"zodat er meer dan een passage is om te tonen.</p></main></body></html>"
    )


BODY = (
    "Deze pagina over zebravinken en passend onderwijs noemt letterlijk "
    + PAYLOAD
    + " als tekst. Zebravinken zijn kleine vogels; de site moet laten zien dat die tekst tekst blijft. " * 3
)
HOSTILE_NAME = "x\"'><img src=x onerror=alert(4)>.html"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    source = root / "bron"
    (source / "webpaginas").mkdir(parents=True)
    # the page's own title, heading, body, author and description are hostile
    (source / "webpaginas" / "eigen-metadata.html").write_text(
        _page(
            "Zebravinken " + PAYLOAD,
            "Kop " + PAYLOAD,
            BODY,
            author="Auteur " + PAYLOAD,
            description="Beschrijving " + PAYLOAD,
        ),
        encoding="utf-8",
    )
    # a catalogue entry gives another page hostile metadata and a javascript: URL
    (source / "webpaginas" / "catalogus.html").write_text(
        _page("Kwartels", "Over kwartels", "Kwartels en zebravinken in het passend onderwijs. " * 5), encoding="utf-8"
    )
    # a hostile file name (shown as the document's source)
    (source / "webpaginas" / HOSTILE_NAME).write_text(
        _page("Bestandsnaam", "Kop", "Een pagina over parkieten en zebravinken. " * 5), encoding="utf-8"
    )
    # a PDF that cannot be read, under a hostile name: its failure is reported on the dashboard
    (source / 'kapot"><script>alert(5)<.pdf').write_bytes(b"%PDF-1.4 kapot")
    entry = {
        "title": "Catalogus " + PAYLOAD,
        "author": "Schrijver " + PAYLOAD,
        "description": "Omschrijving " + PAYLOAD,
        "url": NOT_A_LINK,
        "type": "verslag",
        "sectors": ["po"],
        "date": "2023-04-05",
    }
    lines = ['["webpaginas/catalogus.html"]'] + [f"{k} = {json.dumps(v)}" for k, v in entry.items()]
    (source / "catalogue.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    index = root / "index"
    status = RunStatus(index / "status.json")  # as `expertisebank index --status-file` writes it
    report = run_index(source, index, progress=lambda items, total: status.track(items, total))
    status.finished(report.as_json())
    assert len(report.failed) == 1 and report.documents == 3, report.render()
    app = create_app(
        {
            "INDEX_DIR": str(index),
            "SOURCE_DIR": str(source),
            "EDITOR_PASSWORD": PASSWORD,
            "API_RATE_LIMIT": "off",
            "LOGIN_RATE_LIMIT": "off",
            "MAX_CONTENT_LENGTH": 64 * 1024,
        }
    )
    return app, source, index


def _login(client) -> str:
    html = client.get("/beheer/inloggen").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/beheer/inloggen", data={"wachtwoord": PASSWORD, "csrf_token": token}).status_code == 302
    html = client.get("/beheer/").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_hostile_text_in_every_field_stays_text_on_every_page(hostile):
    app, _, _ = hostile
    client = app.test_client()
    own, catalogued, named = (
        document_id(f"webpaginas/{name}") for name in ("eigen-metadata.html", "catalogus.html", HOSTILE_NAME)
    )
    pages = {
        "results": "/zoeken?q=zebravinken",
        "results, passages": "/zoeken?q=zebravinken&mode=passages",
        "results, filtered": "/zoeken?q=kwartels&type=verslag&sector=po&year=2023",
        "vraagbaak": "/vraagbaak?vraag=Wat+weet+u+over+zebravinken%3F",
        "document, own metadata": f"/documenten/{own}",
        "document, catalogue metadata": f"/documenten/{catalogued}",
        "document, hostile file name": f"/documenten/{named}",
    }
    seen = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        html = response.get_data(as_text=True)
        assert_inert_html(html, name)
        assert_security_headers(response, name)
        seen[name] = html
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    # each field arrived, as text: title, heading, snippet, author, description, file name
    assert escaped in seen["results"] and "<mark>" in seen["results"]  # title and snippet
    assert "Kop &#34;" in seen["document, own metadata"] or "Kop &quot;" in seen["document, own metadata"]
    for field in ("Auteur", "Beschrijving"):
        assert re.search(field + r" (&#34;|&quot;)(&#39;|&#x27;)&gt;&lt;script&gt;", seen["document, own metadata"]), (
            field
        )
    for field in ("Catalogus", "Schrijver", "Omschrijving"):
        assert re.search(field + r" (&#34;|&quot;)", seen["document, catalogue metadata"]), field
    # the file's name (an internal path) is not shown at all; its title is, as text
    assert (
        "onerror=alert(4)" not in seen["document, hostile file name"].split("<main", 1)[1].split("</main>")[0]
        or "&lt;img src=x onerror=alert(4)&gt;" in seen["document, hostile file name"]
    )
    # the javascript: URL is shown, never linked
    assert NOT_A_LINK in seen["document, catalogue metadata"]
    assert not any(NOT_A_LINK in (a.get("href") or "") for _, a in elements(seen["document, catalogue metadata"]))
    assert "{{7*7}}" in seen["document, own metadata"] and ">49<" not in seen["document, own metadata"]
    assert escaped in seen["vraagbaak"] and escaped in seen["results, filtered"]


def test_a_web_url_in_the_metadata_is_still_a_link(hostile, tmp_path):
    from search_app.pages import web_link

    assert web_link("https://www.passendonderwijs.nl/x?a=1") == "https://www.passendonderwijs.nl/x?a=1"
    for bad in (
        NOT_A_LINK,
        " javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "//evil.example/x",
        "/relatief",
        "https:/geen-host",
        "http://[::1",
        None,
        "",
    ):
        assert web_link(bad) is None, bad


def test_the_query_and_did_you_mean_are_escaped(hostile):
    app, _, _ = hostile
    client = app.test_client()
    q = "zebrvinken " + PAYLOAD  # a typo no stem, part or longer word matches
    for url in ("/zoeken", "/vraagbaak"):
        key = "q" if url == "/zoeken" else "vraag"
        response = client.get(url, query_string={key: q})
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert_inert_html(html, url)
        assert "Bedoelde u" in html, url  # the suggestion repeats the rest of the query
        suggestion = re.search(r"Bedoelde u: <a href=\"([^\"]+)\">(.*?)</a>", html, re.S)
        assert suggestion and "zebravinken" in suggestion.group(2) and "&lt;script&gt;" in suggestion.group(2)
    html = client.get("/zoeken", query_string={"q": q}).get_data(as_text=True)
    value = next(a["value"] for t, a in elements(html) if t == "input" and a.get("id") == "q")
    assert value == q  # echoed back intact, as an attribute value
    data = client.get("/api/search", query_string={"q": q}).get_json()
    assert data["query"] == q and "zebravinken" in data["suggestion"]


def test_autocomplete_output_is_data_and_the_script_treats_it_as_text(hostile):
    app, _, _ = hostile
    client = app.test_client()
    response = client.get("/api/suggest", query_string={"q": "zebravink"})
    assert response.mimetype == "application/json"
    assert_security_headers(response, "suggest")
    titles = [s["text"] for s in response.get_json()["suggestions"] if s["kind"] == "titel"]
    assert any(PAYLOAD in t for t in titles)  # the title comes back as it is: data, for a text node
    script = (Path(app.static_folder) / "autocomplete.js").read_text(encoding="utf-8")
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "document.write" not in script
    assert "option.value = s.text" in script


def test_error_pages_escape_what_they_repeat(hostile):
    app, _, _ = hostile
    client = app.test_client()
    for url in (
        f"/zoeken?q=x&k={PAYLOAD}",
        f"/zoeken?q=x&type={PAYLOAD}",
        f"/zoeken?q=x&year={PAYLOAD}",
        f"/zoeken?q=x&mode={PAYLOAD}",
        f"/zoeken?q=x&sort={PAYLOAD}",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert_inert_html(response.get_data(as_text=True), url)
    for url in (f"/documenten/{PAYLOAD}", f"/{PAYLOAD}"):
        response = client.get(url)
        assert response.status_code == 404
        assert_inert_html(response.get_data(as_text=True), url)
    doc_id = PAYLOAD.replace("/", "")  # one path segment: the document route's own 404
    response = client.get(f"/api/documents/{doc_id}")
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert response.get_json()["error"] == f"Geen document met id '{doc_id[:80]}'."


def test_the_editors_dashboard_shows_hostile_titles_names_and_reports_as_text(hostile):
    app, _, _ = hostile
    client = app.test_client()
    csrf = _login(client)
    html = client.get("/beheer/").get_data(as_text=True)
    assert_inert_html(html, "dashboard")
    assert "Mislukt: 1" in html and "kapot&#34;&gt;&lt;script&gt;alert(5)&lt;.pdf" in html.replace("&quot;", "&#34;")
    assert "Catalogus &#34;" in html.replace("&quot;", "&#34;") and "&lt;img src=x onerror=alert(4)&gt;.html" in html
    # a rejected upload's file name comes back in a message
    response = client.post(
        "/beheer/uploaden",
        content_type="multipart/form-data",
        follow_redirects=True,
        data={"csrf_token": csrf, "bestand": (BytesIO(b"MZ"), "<script>alert(6)</script>.exe")},
    )
    html = response.get_data(as_text=True)
    assert "Alleen PDF- en HTML-bestanden" in html and "&lt;script&gt;alert(6)" in html
    assert_inert_html(html, "dashboard after upload")


# --- headers on every kind of response ------------------------------------------------


def test_security_headers_on_html_json_and_error_responses(hostile):
    app, _, _ = hostile
    client = app.test_client()
    csrf = _login(client)
    cases = {
        "html": (client.get("/zoeken?q=zebravinken"), 200),
        "json": (client.get("/api/search?q=zebravinken"), 200),
        "openapi": (client.get("/api/openapi.json"), 200),
        "healthz": (client.get("/healthz"), 200),
        "static": (client.get("/static/site.css"), 200),
        "404 html": (client.get("/bestaat/niet"), 404),
        "404 json": (client.get("/api/bestaat-niet"), 404),
        "400 html": (client.get("/zoeken?q=x&k=abc"), 400),
        "400 json": (client.get("/api/search?q=x&k=abc"), 400),
        "405 html": (client.post("/zoeken"), 405),
        "405 json": (client.post("/api/search"), 405),
        "413": (
            client.post(
                "/beheer/uploaden",
                content_type="multipart/form-data",
                data={"csrf_token": csrf, "bestand": (BytesIO(b"%PDF-" + b"0" * 100_000), "groot.pdf")},
            ),
            413,
        ),
    }
    for name, (response, status) in cases.items():
        assert response.status_code == status, (name, response.status_code)
        assert_security_headers(response, name)
        if status >= 400 and name.endswith("json"):
            assert response.get_json()["error"], name
    assert "te groot" in cases["413"][0].get_data(as_text=True)


def test_an_original_html_file_is_served_inert(hostile):
    app, _, _ = hostile
    client = app.test_client()
    response = client.get(f"/documenten/{document_id('webpaginas/eigen-metadata.html')}/bestand")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "sandbox" in csp and "script-src" not in csp and "default-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.headers["X-Frame-Options"] == "DENY"


# --- the editors' area ----------------------------------------------------------------------


@pytest.fixture
def editor_app(hostile):
    app, source, index = hostile

    def make(**config):
        return create_app(
            {
                "INDEX_DIR": str(index),
                "SOURCE_DIR": str(source),
                "EDITOR_PASSWORD": PASSWORD,
                "API_RATE_LIMIT": "off",
                **config,
            }
        )

    return make


def test_every_editor_route_needs_a_login(editor_app):
    app = editor_app()
    client = app.test_client()
    html = client.get("/beheer/inloggen").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    routes = [
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/beheer") and rule.endpoint != "editor.login"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]
    assert len(routes) >= 6, routes  # dashboard, status, upload, removal, reindex, logout
    for rule, method in routes:
        assert "<" not in rule, rule  # a route with parameters would need sample values here
        response = client.open(rule, method=method, data={"csrf_token": token, "document": "x"})
        assert response.status_code == 302, (rule, method, response.status_code)
        assert response.headers["Location"].startswith("/beheer/inloggen"), (rule, method)
    assert not (Path(app.config["SOURCE_DIR"]) / "uploads").exists()


def test_failed_logins_are_slowed_per_address(editor_app):
    app = editor_app(LOGIN_RATE_LIMIT="3/minute")
    client = app.test_client()
    html = client.get("/beheer/inloggen").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def attempt(password, address="10.0.0.1"):
        return client.post(
            "/beheer/inloggen",
            data={"wachtwoord": password, "csrf_token": token},
            environ_base={"REMOTE_ADDR": address},
        )

    for _ in range(3):
        assert attempt("fout").status_code == 401
    blocked = attempt("nog-steeds-fout")
    assert blocked.status_code == 429
    text = blocked.get_data(as_text=True)
    assert "Te veel mislukte inlogpogingen" in text and "seconden" in text
    assert 0 < int(blocked.headers["Retry-After"]) <= 60
    assert_security_headers(blocked, "429")
    assert attempt(PASSWORD).status_code == 429  # the right password must wait too
    assert client.get("/beheer/inloggen", environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 200
    assert attempt(PASSWORD, address="10.0.0.2").status_code == 302  # another address is not blocked


def test_successful_logins_do_not_count(editor_app):
    app = editor_app(LOGIN_RATE_LIMIT="2/minute")
    client = app.test_client()
    for _ in range(5):
        html = client.get("/beheer/inloggen").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        assert client.post("/beheer/inloggen", data={"wachtwoord": PASSWORD, "csrf_token": token}).status_code == 302


def test_every_post_form_carries_a_csrf_token_and_needs_it(editor_app):
    app = editor_app()
    client = app.test_client()
    _login(client)
    html = client.get("/beheer/").get_data(as_text=True) + client.get("/beheer/inloggen").get_data(as_text=True)
    forms = re.findall(r"<form\b[^>]*>.*?</form>", html, re.S)
    posts = [f for f in forms if 'method="post"' in f]
    assert len(posts) >= 4
    for form in posts:
        assert re.search(r'<input type="hidden" name="csrf_token" value="[^"]+">', form), form[:200]
    actions = {re.search(r'action="([^"?]+)', f).group(1) for f in posts}
    post_routes = {r.rule for r in app.url_map.iter_rules() if "POST" in r.methods}
    assert actions <= post_routes and post_routes <= actions | {"/beheer/inloggen"}, (actions, post_routes)
    for url in sorted(post_routes):
        response = client.post(url, data={"document": "x", "wachtwoord": PASSWORD})
        assert response.status_code == 400, url
        assert "formulier is verlopen of ongeldig" in response.get_data(as_text=True), url
        bad = client.post(url, data={"csrf_token": "vervalst", "document": "x"})
        assert bad.status_code == 400, url


@pytest.mark.parametrize(
    "name, expected",
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\x.pdf", "x.pdf"),
        ("/etc/cron.d/x.pdf", "x.pdf"),
        ("nul\x00teken.pdf", "nul-teken.pdf"),
        ("regel\r\neinde\t.pdf", "regel-einde.pdf"),
        ("rapport\u202efdp.html", "rapportfdp.html"),  # a right-to-left override shows "rapportlmth.pdf"
        ("x.pdf\x00.html", "x-pdf.html"),
        ("x.PDF ", "x.pdf"),
        ("x.p\x00df", "x.pdf"),
        (".verborgen.pdf", "verborgen.pdf"),
        ("....pdf", "document.pdf"),
        ("a" * 300 + ".pdf", "a" * 80 + ".pdf"),
        ("con.PDF", "con.pdf"),
    ],
)
def test_file_names_are_sanitised(name, expected):
    assert safe_filename(name) == expected


@pytest.mark.slow  # waits for the reindexing process the upload starts
def test_an_upload_with_a_path_and_control_characters_in_its_name_lands_in_uploads(tmp_path):
    from tests.test_editor import wait_for_run

    source = tmp_path / "bron"
    source.mkdir()
    (source / "goed.html").write_text(_page("Goed", "Kop", "Tekst over passend onderwijs. " * 5), encoding="utf-8")
    run_index(source, tmp_path / "index")
    app = create_app({"INDEX_DIR": str(tmp_path / "index"), "SOURCE_DIR": str(source), "EDITOR_PASSWORD": PASSWORD})
    client = app.test_client()
    csrf = _login(client)
    pdf = pdf_fixtures.text_pdf(
        tmp_path / "x.pdf",
        [
            "De zeldzame wolkenkrabbertoets voor passend onderwijs.",
            "Een tweede regel tekst over leerlingen en scholen.",
        ],
    )
    response = client.post(
        "/beheer/uploaden",
        content_type="multipart/form-data",
        data={"csrf_token": csrf, "bestand": (BytesIO(pdf.read_bytes()), "..\\..\\..\\evil\x01\x7f<b>.pdf")},
    )
    assert response.status_code == 303
    assert sorted(p.name for p in (source / "uploads").iterdir()) == ["evil-b.pdf"]
    assert not any("evil" in p.name for p in tmp_path.iterdir())
    status = wait_for_run(client)
    assert status["report"]["added"] == ["uploads/evil-b.pdf"], status


# --- downloads: only indexed files ----------------------------------------------------------


def test_downloads_only_of_indexed_files(tmp_path):
    source = tmp_path / "bron"
    source.mkdir()
    (source / "goed.html").write_text(_page("Goed", "Kop", "Tekst over passend onderwijs. " * 5), encoding="utf-8")
    (source / "later-weg.html").write_text(_page("Weg", "Kop", "Tekst over zebravinken. " * 5), encoding="utf-8")
    (source / "later-link.html").write_text(_page("Link", "Kop", "Tekst over kwartels. " * 5), encoding="utf-8")
    secret = tmp_path / "geheim.html"
    secret.write_text("<html><body><p>GEHEIM wachtwoord</p></body></html>", encoding="utf-8")
    os.symlink(secret, source / "naar-buiten.html")  # a symlink out of the source folder
    index = tmp_path / "index"
    report = run_index(source, index)
    assert report.documents == 3 and [f for f, _ in report.failed] == ["naar-buiten.html"], report.render()
    # after indexing: a new file (not indexed), a removed one, one replaced by a symlink out
    (source / "nieuw.html").write_text(_page("Nieuw", "Kop", "Niet geindexeerd. " * 5), encoding="utf-8")
    (source / "later-weg.html").unlink()
    (source / "later-link.html").unlink()
    os.symlink(secret, source / "later-link.html")
    client = create_app({"INDEX_DIR": str(index), "SOURCE_DIR": str(source), "API_RATE_LIMIT": "off"}).test_client()
    assert client.get("/documenten/goed-html/bestand").status_code == 200
    for url in [
        "/documenten/nieuw-html/bestand",
        "/documenten/later-weg-html/bestand",
        "/documenten/later-link-html/bestand",
        "/documenten/naar-buiten-html/bestand",
        "/documenten/%2e%2e%2fgeheim.html/bestand",
        "/documenten/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd/bestand",
        "/documenten/..%5c..%5cgeheim.html/bestand",
        "/documenten/%2Fetc%2Fpasswd/bestand",
        f"/documenten/{secret}/bestand",
        "/documenten//etc/passwd/bestand",
        "/documenten/goed-html%00/bestand",
        "/documenten/goed-html/bestand/../../../geheim.html",
        "/documenten/.%2e/bestand",
        "/static/../../geheim.html",
        "/static/%2e%2e/%2e%2e/geheim.html",
        "/documenten/catalogue.toml/bestand",
    ]:
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 404, (url, response.status_code)
        assert b"GEHEIM" not in response.data and b"root:" not in response.data, url


# --- rate limits on the public API ----------------------------------------------------------


def test_the_api_is_rate_limited_per_address_with_a_dutch_429(editor_app):
    client = editor_app(API_RATE_LIMIT="3/minute").test_client()
    for _ in range(3):
        ok = client.get("/api/search?q=zebravinken")
        assert ok.status_code == 200 and ok.headers["X-RateLimit-Limit"] == "3"
    limited = client.get("/api/suggest?q=zebra")  # one budget for the whole API
    assert limited.status_code == 429 and limited.mimetype == "application/json"
    assert limited.get_json()["error"].startswith("Te veel verzoeken vanaf uw adres. Wacht ")
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    assert_security_headers(limited, "429 json")
    for _ in range(5):  # the health check and the pages are not limited by the API's limit
        assert client.get("/healthz").status_code == 200
        assert client.get("/zoeken?q=zebravinken").status_code == 200
    other = client.get("/api/search?q=zebravinken", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200


def test_behind_a_proxy_the_forwarded_address_counts_and_is_not_spoofable_without(editor_app):
    direct = editor_app(API_RATE_LIMIT="2/minute").test_client()
    for n in range(3):  # without EXPERTISEBANK_PROXIES a forged header changes nothing
        response = direct.get("/api/search?q=x", headers={"X-Forwarded-For": f"192.0.2.{n}"})
    assert response.status_code == 429
    proxied = editor_app(API_RATE_LIMIT="2/minute", PROXIES=1).test_client()
    for n in range(4):  # each visitor behind the proxy has their own budget
        assert proxied.get("/api/search?q=x", headers={"X-Forwarded-For": f"192.0.2.{n}"}).status_code == 200
    for _ in range(2):
        proxied.get("/api/search?q=x", headers={"X-Forwarded-For": "192.0.2.99"})
    assert proxied.get("/api/search?q=x", headers={"X-Forwarded-For": "192.0.2.99"}).status_code == 429


def test_rate_limits_come_from_the_environment_and_can_be_switched_off(monkeypatch, editor_app):
    monkeypatch.delenv("EXPERTISEBANK_API_RATE_LIMIT", raising=False)
    monkeypatch.delenv("EXPERTISEBANK_LOGIN_RATE_LIMIT", raising=False)
    defaults = from_environment()
    assert defaults["API_RATE_LIMIT"] == "120/minute" and defaults["LOGIN_RATE_LIMIT"] == "5/minute"
    monkeypatch.setenv("EXPERTISEBANK_API_RATE_LIMIT", "2/minute")
    monkeypatch.setenv("EXPERTISEBANK_PROXIES", "1")
    settings = from_environment()
    assert settings["API_RATE_LIMIT"] == "2/minute" and settings["PROXIES"] == 1
    client = editor_app(API_RATE_LIMIT="off").test_client()
    assert all(client.get("/api/suggest?q=zebra").status_code == 200 for _ in range(20))
    with pytest.raises(ValueError, match="EXPERTISEBANK_API_RATE_LIMIT: ongeldige limiet"):
        editor_app(API_RATE_LIMIT="veel per minuut")
    monkeypatch.setenv("EXPERTISEBANK_PROXIES", "een")
    with pytest.raises(ValueError, match="EXPERTISEBANK_PROXIES moet een geheel getal zijn"):
        from_environment()
