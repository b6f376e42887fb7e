"""What people look for and do not find: the counts behind /beheer/zoekvragen
and the privacy rules they keep (search_app.query_log)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sqlite3

import pytest

from search_app import create_app
from search_app.query_log import MIN_SEARCHES, QueryLog, normalise_query, personal_data

PASSWORD = "een-lang-beheerwachtwoord"


@pytest.fixture
def site(demo_index, tmp_path):
    log_path = tmp_path / "zoekvragen.sqlite"
    app = create_app(
        {
            "INDEX_DIR": str(demo_index),
            "TESTING": True,
            "EDITOR_PASSWORD": PASSWORD,
            "QUERY_LOG": str(log_path),
            "API_RATE_LIMIT": "off",
        }
    )
    return app, app.test_client(), log_path


def _rows(path) -> list[tuple]:
    if not path.exists():
        return []
    with sqlite3.connect(path) as db:
        return db.execute("SELECT * FROM query_counts ORDER BY kind, query").fetchall()


def _login(client) -> None:
    html = client.get("/beheer/inloggen").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/beheer/inloggen", data={"wachtwoord": PASSWORD, "csrf_token": csrf}).status_code == 302


@pytest.mark.parametrize(
    "query",
    [
        "vraag van jan.jansen@example.nl over TOS",
        "bel mij 06-12345678",
        "06 1234 5678 rugzak",
        "+31 6 12345678",
        "030 - 123 45 67 school",
        "adres 3511 AB 12 school",
        "3511ab 7",
        "bsn 123456782 leerling",
    ],
)
def test_a_query_with_personal_data_is_never_stored(site, query):
    _app, client, path = site
    assert client.get("/zoeken", query_string={"q": query}).status_code == 200
    assert client.get("/vraagbaak", query_string={"vraag": query}).status_code == 200
    stored = " ".join(str(v) for row in _rows(path) for v in row)
    for digits in re.findall(r"\d{3,}", query):
        assert digits not in stored
    assert "@" not in stored
    assert _rows(path) == []


def test_ordinary_queries_are_kept_as_they_read():
    assert normalise_query("Passend  Onderwijs 2014-2015") == "passend onderwijs 2014-2015"
    assert normalise_query("wet van 1 augustus 2014?") == "wet van 1 augustus 2014"
    assert not personal_data("schooljaar 2023-2024 en groep 8")
    assert normalise_query("   ") is None


def test_only_counts_per_day_are_stored_and_no_cookie_is_set(site):
    _app, client, path = site
    response = client.get(
        "/zoeken",
        query_string={"q": "Thuiszitters"},
        headers={"User-Agent": "TestBrowser/1.0", "X-Forwarded-For": "203.0.113.7"},
    )
    assert "Set-Cookie" not in response.headers
    assert "Set-Cookie" not in client.get("/vraagbaak", query_string={"vraag": "wat is een thuiszitter?"}).headers
    client.get("/zoeken", query_string={"q": "thuiszitters "})
    with sqlite3.connect(path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(query_counts)")]
    assert columns == ["day", "kind", "query", "searches", "zero_results", "opened", "unanswered"]
    rows = _rows(path)
    today = dt.date.today().isoformat()
    assert (f"{today}", "zoeken", "thuiszitters", 2, 0, 0, 0) in rows
    raw = path.read_bytes() + b"".join(p.read_bytes() for p in path.parent.glob("zoekvragen.sqlite-*"))
    for trace in (b"TestBrowser", b"203.0.113.7", b"127.0.0.1"):
        assert trace not in raw


def test_overview_shows_a_query_only_from_three_searches(site):
    _app, client, path = site
    for _ in range(MIN_SEARCHES - 1):
        client.get("/zoeken", query_string={"q": "leerlingenvervoer"})
    for _ in range(MIN_SEARCHES):
        client.get("/zoeken", query_string={"q": "thuiszitters"})
    _login(client)
    page = client.get("/beheer/zoekvragen").get_data(as_text=True)
    assert "thuiszitters" in page
    assert "leerlingenvervoer" not in page
    exported = client.get("/beheer/zoekvragen.csv").get_data(as_text=True)
    assert "thuiszitters" in exported and "leerlingenvervoer" not in exported


def test_the_four_lists(site):
    _app, client, path = site
    for _ in range(3):
        client.get("/zoeken", query_string={"q": "qwxyzzy"})  # never finds anything
        client.get("/zoeken", query_string={"q": "thuiszitters"})  # finds, nobody opens
        html = client.get("/zoeken", query_string={"q": "samenwerkingsverband"}).get_data(as_text=True)
        opened = re.search(r'class="hit-title"><a href="([^"]+)"', html).group(1).replace("&amp;", "&")
        assert opened.startswith("/open?")
        followed = client.get(opened)
        assert followed.status_code == 303 and followed.headers["Location"].startswith("/documenten/")
        client.get("/vraagbaak", query_string={"vraag": "Wat kost een voetbalclub?"})
    log = QueryLog(path)
    lists = {c.query: c for c in log.overview()}
    assert lists["qwxyzzy"].zero_results == 3
    assert lists["thuiszitters"].opened == 0 and lists["thuiszitters"].zero_results == 0
    assert lists["samenwerkingsverband"].opened == 3
    assert lists["wat kost een voetbalclub"].unanswered == 3
    _login(client)
    page = client.get("/beheer/zoekvragen").get_data(as_text=True)
    sections = {
        m.group(1): m.group(2) for m in re.finditer(r'<section aria-labelledby="kop-(\w+)"(.*?)</section>', page, re.S)
    }
    assert "qwxyzzy" in sections["zonder_resultaten"] and "thuiszitters" not in sections["zonder_resultaten"]
    assert "thuiszitters" in sections["niets_geopend"] and "samenwerkingsverband" not in sections["niets_geopend"]
    assert "wat kost een voetbalclub" in sections["geen_antwoord"]


def test_csv_export_needs_a_login_and_keeps_formulas_as_text(site):
    _app, client, path = site
    assert client.get("/beheer/zoekvragen.csv").status_code == 302  # to the login page
    for _ in range(3):
        client.get("/zoeken", query_string={"q": "=HYPERLINK(1)"})
        client.get("/zoeken", query_string={"q": "-sbo thuiszitters"})
    _login(client)
    response = client.get("/beheer/zoekvragen.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["zoekvraag", "soort", "aantal"]
    queries = {row[0] for row in rows[1:]}
    assert queries == {"'=hyperlink(1", "'-sbo thuiszitters"}


def test_counts_older_than_the_retention_window_are_deleted(tmp_path, monkeypatch):
    log = QueryLog(tmp_path / "log.sqlite", retention_days=180)
    monkeypatch.setattr(QueryLog, "_today", staticmethod(lambda: dt.date(2026, 1, 1)))
    for _ in range(3):
        log.searched("zoeken", "oude vraag", results=1)
    assert [c.query for c in log.overview()] == ["oude vraag"]
    monkeypatch.setattr(QueryLog, "_today", staticmethod(lambda: dt.date(2026, 7, 1)))  # 181 days later
    log2 = QueryLog(tmp_path / "log.sqlite", retention_days=180)
    log2.searched("zoeken", "nieuwe vraag", results=1)
    assert log2.overview(min_searches=1) == []  # new one: once only; old one: gone
    assert [row[2] for row in _rows(tmp_path / "log.sqlite")] == ["nieuwe vraag"]


def test_open_sends_only_to_this_sites_documents(site):
    _app, client, _path = site
    for target in (
        "https://example.org/",
        "//example.org/documenten/x",
        "/documenten/../beheer/",
        "/beheer/",
        "javascript:alert(1)",
        "/documenten/x\r\nSet-Cookie: a=b",
    ):
        assert client.get("/open", query_string={"q": "x", "naar": target}).status_code == 404


def test_a_broken_log_never_breaks_a_search(demo_index, tmp_path):
    blocker = tmp_path / "een-bestand"
    blocker.write_text("geen map")
    app = create_app({"INDEX_DIR": str(demo_index), "TESTING": True, "QUERY_LOG": str(blocker / "log.sqlite")})
    client = app.test_client()
    assert client.get("/zoeken", query_string={"q": "thuiszitters"}).status_code == 200
    assert client.get("/vraagbaak", query_string={"vraag": "wat is een thuiszitter?"}).status_code == 200


def test_privacy_text_on_the_site(site):
    _app, client, _path = site
    home = client.get("/").get_data(as_text=True)
    assert 'href="/privacy"' in home
    text = client.get("/privacy").get_data(as_text=True)
    assert "geen IP-adressen" in text and "180 dagen" in text and "minstens drie keer" in text
