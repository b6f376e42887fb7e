"""The search site with Flask's test client: pages, filters, pagination, sort,
escaping, errors, documents and downloads."""

from __future__ import annotations

import re
import shutil
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from indexer.indexing.run import run_index
from search_app import create_app
from tests.conftest import CORPUS

HOSTILE_PAGE = """<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8">
<title>Gevaarlijke &lt;script&gt; titel</title></head><body><main>
<h1>Over &lt;script&gt;alert("xss")&lt;/script&gt; en zebravinken</h1>
<p>Deze pagina over zebravinken noemt letterlijk &lt;script&gt;alert("xss")&lt;/script&gt; en
&lt;img src=x onerror=alert(1)&gt; als tekst, zodat de site moet laten zien dat die tekst tekst blijft.
Zebravinken komen in dit verhaal vaak voor, en nog een keer zebravinken.</p>
</main></body></html>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    source = root / "bron"
    shutil.copytree(CORPUS, source, ignore=shutil.ignore_patterns("tools"))
    (source / "webpaginas" / "gevaarlijk.html").write_text(HOSTILE_PAGE, encoding="utf-8")
    run_index(source, root / "index")
    # many requests from one address in a minute: no API rate limit here (tests/test_security.py has it)
    app = create_app(
        {"INDEX_DIR": str(root / "index"), "SOURCE_DIR": str(source), "TESTING": True, "API_RATE_LIMIT": "off"}
    )
    return app.test_client()


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def links(html: str, css_class: str = "") -> list[str]:
    """Every link's target; a result link that counts its opening
    (``/open?...&naar=``) by where it sends the visitor."""
    out = []
    for href in (unescape(h) for h in re.findall(r'<a href="([^"]+)"', html)):
        if href.startswith("/open?"):
            href = parse_qs(urlsplit(href).query)["naar"][0]
        out.append(href)
    return out


def test_every_page_is_dutch_with_landmarks(site):
    for url in [
        "/",
        "/zoeken?q=passend",
        "/vraagbaak",
        "/vraagbaak?vraag=Wat+is+invlechting%3F",
        "/documenten/webpaginas-po-raad-passend-onderwijs-html",
    ]:
        html = html_of(site.get(url))
        assert '<html lang="nl">' in html
        for landmark in ("<header", "<nav", "<main", "<footer", 'class="skip-link"'):
            assert landmark in html, (url, landmark)


def test_results_show_title_type_sectors_date_heading_page_and_marked_snippet(site):
    html = html_of(site.get("/zoeken?q=intentieverklaring"))
    # the news page and the PDF publication hold the same text: one hit, the PDF as its other place
    assert "Ondersteuningsprogramma integratie regulier en speciaal onderwijs" in html and "Nieuws" in html
    assert re.search(r'ook als PDF \(p\. \d+\)<span class="visually-hidden">: Beleidsregel experimenten', html)
    # sectors by their full names, which a touch screen shows too (no tooltip)
    assert "primair onderwijs (po), voortgezet onderwijs (vo)" in html
    assert "Gevonden in:" in html and '<time datetime="2018-04-01">' in html
    assert "<mark>intentieverklaring</mark>" in html.lower()
    html = html_of(site.get("/zoeken?q=intentieverklaring&type=publicatie"))
    assert "Publicatie" in html and "pagina " in html  # filtered to the PDF, it is the hit


def test_a_pdf_hit_links_to_the_file_at_its_page_and_an_html_hit_to_its_passage(site):
    html = html_of(site.get("/zoeken?q=intentieverklaring+opheffing&mode=passages"))
    hrefs = links(html)
    assert any(re.search(r"/documenten/[^/]+-pdf/bestand#page=\d+$", h) for h in hrefs)
    html = html_of(site.get("/zoeken?q=invlechting"))
    assert any(re.search(r"/documenten/webpaginas-po-raad-passend-onderwijs-html#passage-\d+$", h) for h in links(html))


def test_passages_of_one_document_are_grouped_under_it(site):
    html = html_of(site.get("/zoeken?q=samenwerkingsverband"))
    titles = re.findall(r'<h3 class="hit-title"><a href="[^"]+">([^<]+)</a>', html)
    assert len(titles) == len(set(titles))
    assert "andere passages in dit document" in html


def test_facets_have_counts_and_filters_combine_and_can_be_removed(site):
    data = site.get("/api/search?q=samenwerkingsverband").get_json()
    types = data["facets"]["type"]
    assert sum(types.values()) == data["total"]
    html = html_of(site.get("/zoeken?q=samenwerkingsverband"))
    assert re.search(r"Nieuws\s*<span class=\"count\">\(2\)</span>", html)
    filtered = site.get("/api/search?q=samenwerkingsverband&type=nieuws&sector=vo").get_json()
    assert filtered["total"] >= 1 and {h["type"] for h in filtered["hits"]} == {"nieuws"}
    both = site.get("/api/search?q=samenwerkingsverband&type=nieuws&type=publicatie").get_json()
    assert both["total"] == types["nieuws"] + types["publicatie"]
    # the type facet still counts the other types while one is chosen
    assert filtered["facets"]["type"].get("publicatie")
    html = html_of(site.get("/zoeken?q=samenwerkingsverband&type=nieuws&year=2023"))
    assert "Gekozen filters" in html
    remove = [h for h in links(html) if "year" not in h and "type=nieuws" in h and "q=" in h]
    assert remove, "a link that removes the year filter"


def test_pagination(site):
    first = site.get("/api/search?q=onderwijs&k=2&mode=passages&page=1").get_json()
    second = site.get("/api/search?q=onderwijs&k=2&mode=passages&page=2").get_json()
    assert first["total"] == second["total"] > 4
    assert {h["id"] for h in first["hits"]}.isdisjoint({h["id"] for h in second["hits"]})
    html = html_of(site.get("/zoeken?q=onderwijs&k=2&page=2"))
    assert 'aria-label="Resultatenpagina\'s"' in html and 'rel="prev"' in html and 'rel="next"' in html
    assert 'aria-current="page" href="/zoeken?q=onderwijs&amp;k=2&amp;page=2"' in html


def test_sort_by_date_puts_the_newest_first(site):
    data = site.get("/api/search?q=samenwerking&sort=date&k=20").get_json()
    dates = [h["date"] or "0000" for h in data["hits"]]
    assert dates == sorted(dates, reverse=True)
    by_relevance = site.get("/api/search?q=samenwerking&k=20").get_json()
    assert [h["id"] for h in by_relevance["hits"]] != [h["id"] for h in data["hits"]]


def test_did_you_mean_and_a_helpful_zero_results_page(site):
    html = html_of(site.get("/zoeken?q=samenwerkingsverbnd+zebravinkk&type=faq"))
    assert "Bedoelde u" in html
    assert "Geen resultaten" in html or "Gekozen filters" in html
    html = html_of(site.get("/zoeken?q=xyzzyplugh&type=faq"))
    assert "Geen resultaten voor" in html and "Zoek zonder filters" in html and "vraagbaak" in html


def test_document_text_with_markup_is_shown_as_text(site):
    for url in [
        "/zoeken?q=zebravinken",
        "/zoeken?q=zebravinken&mode=passages",
        "/vraagbaak?vraag=zebravinken",
        "/documenten/webpaginas-gevaarlijk-html",
    ]:
        html = html_of(site.get(url))
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;" in html, url
    data = site.get("/api/search?q=zebravinken").get_json()
    snippet = data["hits"][0]["snippet"]
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet and "<mark>" in snippet


def test_query_echo_is_escaped(site):
    html = site.get('/zoeken?q="><script>alert(1)</script>').get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html


def test_document_page_has_metadata_toc_download_and_related(site):
    html = html_of(site.get("/documenten/publicaties-beleidsregel-experimenten-regulier-speciaal-onderwijs-pdf"))
    assert "<h1>Beleidsregel experimenten regulier-speciaal onderwijs</h1>" in html
    assert "Inhoud" in html and "Achtergrond" in html and "p. 3" in html
    assert "/documenten/publicaties-beleidsregel-experimenten-regulier-speciaal-onderwijs-pdf/bestand" in html
    assert "Gerelateerd" in html
    related = re.search(r'id="gerelateerd-kop".*?</section>', html, re.S).group()
    assert "/documenten/" in related and "publicaties-beleidsregel" not in related


def test_api_document(site):
    data = site.get("/api/documents/webpaginas-po-raad-passend-onderwijs-html").get_json()
    assert data["title"] == "Passend onderwijs" and data["type"] == "publicatie"
    assert any(h["text"] == "Wie zitten er in een samenwerkingsverband?" for h in data["headings"])
    assert data["passages"] and data["related"]
    assert site.get("/api/documents/bestaat-niet").status_code == 404


def test_download_serves_only_indexed_files(site):
    pdf = site.get("/documenten/publicaties-beleidsregel-experimenten-regulier-speciaal-onderwijs-pdf/bestand")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    page = site.get("/documenten/webpaginas-gevaarlijk-html/bestand")
    assert page.status_code == 200 and "sandbox" in page.headers["Content-Security-Policy"]
    for evil in [
        "/documenten/..%2F..%2Fetc%2Fpasswd/bestand",
        "/documenten/../../etc/passwd/bestand",
        "/documenten/%2Fetc%2Fpasswd/bestand",
        "/documenten/catalogue.toml/bestand",
        "/documenten/webpaginas-gevaarlijk-html/../../../etc/passwd",
    ]:
        response = site.get(evil)
        assert response.status_code == 404, evil
        assert b"root:" not in response.data


def test_vraagbaak_answers_with_source_and_marked_words(site):
    html = html_of(site.get("/vraagbaak?vraag=Zijn+er+subsidies+voor+deze+innovaties%3F"))
    assert "Er zijn geen <mark>subsidies</mark> beschikbaar" in html
    assert "Bron:" in html
    assert '<textarea id="vraag" name="vraag"' in html and '<label for="vraag">' in html


def test_suggest_and_openapi(site):
    data = site.get("/api/suggest?q=talentenc").get_json()
    assert any("talentencampus" in s["text"].lower() for s in data["suggestions"])
    assert site.get("/api/suggest?q=").get_json()["suggestions"] == []
    spec = site.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.") and {
        "/api/search",
        "/api/ask",
        "/api/documents/{id}",
        "/api/suggest",
        "/healthz",
    } <= set(spec["paths"])


def test_security_headers(site):
    headers = site.get("/").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "url", ["/zoeken?q=x&k=abc", "/zoeken?q=x&type=boek", "/vraagbaak?vraag=" + "a" * 2001, "/zoeken?q=x&sort=alfabet"]
)
def test_bad_parameters_on_pages_are_a_400_page_not_a_500(site, url):
    response = site.get(url)
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)


def test_unknown_pages_are_a_dutch_404(site):
    response = site.get("/bestaat/niet")
    assert response.status_code == 404 and "bestaat niet" in response.get_data(as_text=True)
    assert site.get("/api/bestaat-niet").get_json()["error"]


def test_the_editors_area_is_off_without_a_password(site):
    assert site.get("/beheer/").status_code == 404
    assert site.post("/beheer/uploaden").status_code in (400, 404)


@pytest.mark.parametrize(
    "extra", ["endpoint=x", "_anchor=x", "_method=POST", "_scheme=http", "_external=1", "type=&sector=po"]
)
def test_odd_parameter_names_are_data_not_url_building_options(site, extra):
    response = site.get(f"/zoeken?q=onderwijs&{extra}")
    assert response.status_code in (200, 400)
    html = response.get_data(as_text=True)
    assert "http://localhost" not in html  # no absolute links built from the Host header
    assert "Type:  <span" not in html  # no empty filter chip


def test_excluding_a_word_in_documents_mode_excludes_documents(site):
    hits = site.get("/api/search?q=onderwijs+-passend&k=50").get_json()["hits"]
    for hit in hits:
        doc = site.get(f"/api/documents/{hit['id']}").get_json()
        assert not any("passend" in p["text"].lower() for p in doc["passages"]), hit["id"]


def test_passage_mode_facets_count_passages(site):
    data = site.get("/api/search?q=onderwijs&mode=passages").get_json()
    assert sum(data["facets"]["type"].values()) == data["total"]


def test_a_page_past_the_end_says_so(site):
    html = html_of(site.get("/zoeken?q=samenwerkingsverband&page=50"))
    assert "Deze resultatenpagina bestaat niet" in html


def test_snippets_do_not_repeat_text(site):
    for q in ("onderwijs", "samenwerking", "passend onderwijs", "leerlingen"):
        for hit in site.get(f"/api/search?q={q}&k=30&mode=passages").get_json()["hits"]:
            parts = [p.strip() for p in re.sub(r"</?mark>", "", hit["snippet"]).split("…") if len(p.strip()) > 30]
            for a, b in zip(parts, parts[1:]):
                assert a[-30:] not in b, hit["snippet"]


def test_related_documents_are_complete(site):
    data = site.get("/api/documents/webpaginas-praktijkvoorbeelden-html").get_json()
    assert len(data["related"]) == 5


def test_autocomplete_keeps_what_came_before_the_last_word(site):
    for typed in ("speciaal onderwijs -talentenc", "zorg (talentenc", "passend/talentenc"):
        suggestions = site.get("/api/suggest", query_string={"q": typed}).get_json()["suggestions"]
        words = [s["text"] for s in suggestions if s["kind"] == "zoekterm"]
        assert words and all(w.startswith(typed[: -len("talentenc")]) for w in words), (typed, words)


def test_autocomplete_offers_no_invented_phrases(site, service):
    """After a word, a completion is a pair the texts use side by side."""
    for typed in ("passend o", "speciaal o", "regulier en s"):
        suggestions = site.get("/api/suggest", query_string={"q": typed}).get_json()["suggestions"]
        for s in (s for s in suggestions if s["kind"] == "zoekterm"):
            pair = " ".join(s["text"].split()[-2:])
            assert service.search(f'"{pair}"', k=1).total > 0, (typed, s["text"])
    words = [s["text"] for s in site.get("/api/suggest?q=passend+o").get_json()["suggestions"]]
    assert "passend onderwijs" in words and "passend ocw" not in words and "passend ouders" not in words


def test_autocomplete_offers_abbreviations_and_what_they_stand_for(site):
    tos = site.get("/api/suggest?q=TOS").get_json()["suggestions"]
    assert {"text": "taalontwikkelingsstoornis", "kind": "afkorting", "label": "TOS = taalontwikkelingsstoornis"} in tos
    back = [s["text"] for s in site.get("/api/suggest?q=samenwerkingsv").get_json()["suggestions"]]
    assert "swv" in back or "samenwerkingsverband" in back


def test_autocomplete_survives_a_typo_in_the_prefix(site):
    for typed in ("samenwerkinsv", "samenwrkingsverb", "talentncamp"):
        words = [s["text"] for s in site.get("/api/suggest", query_string={"q": typed}).get_json()["suggestions"]]
        assert any(w.startswith(("samenwerkingsverband", "talentencampus")) for w in words), (typed, words)


def test_a_title_suggestion_names_its_document(site):
    suggestions = site.get("/api/suggest?q=talentenc").get_json()["suggestions"]
    titled = [s for s in suggestions if s["kind"] in ("titel", "kop")]
    assert titled and all(site.get(f"/documenten/{s['id']}").status_code == 200 for s in titled)


def test_the_no_results_page_offers_topics_and_every_document(site):
    html = html_of(site.get("/zoeken?q=qwxyzzy"))
    assert "Geen resultaten" in html
    assert "Filter de resultaten" not in html and 'id="filters"' not in html  # no empty filter block
    topics = re.search(r'<ul class="topics"[^>]*>(.*?)</ul>', html, re.S).group(1)
    assert len(re.findall(r"<li>", topics)) >= 3
    assert 'href="/documenten"' in html
    listing = html_of(site.get("/documenten"))
    assert listing.count('<li><a href="/documenten/') >= 8
    only_news = html_of(site.get("/documenten?type=nieuws"))
    assert 0 < only_news.count('<li><a href="/documenten/') < listing.count('<li><a href="/documenten/')


def test_result_wording_and_file_labels(site):
    html = html_of(site.get("/zoeken?q=samenwerkingsverband"))
    assert " ms)" not in html
    assert "zet een minteken vóór een woord" in html and "bijv. -sbo" in html
    assert re.search(r'class="file-label">\(PDF, \d+ kB, pagina \d+\)</span>', html)
    assert "Andere passage" not in html
    assert "Overige berichten ›" not in html  # the most specific heading only


def test_the_document_page_shows_no_internal_path(site):
    html = html_of(site.get("/documenten/webpaginas-po-raad-passend-onderwijs-html"))
    assert "webpaginas/" not in html.split("<main", 1)[1]
    assert "Download het origineel" not in html and 'class="button"' not in html
    pdf = html_of(site.get("/documenten/publicaties-beleidsregel-experimenten-regulier-speciaal-onderwijs-pdf"))
    assert re.search(r'class="button"[^>]*>Open de PDF <span class="file-label">\(PDF, \d+ kB\)', pdf)
    assert "publicaties/" not in pdf.split("<main", 1)[1].replace('href="/documenten/publicaties-', "")


def test_every_page_has_a_description_and_an_icon(site):
    for url in (
        "/",
        "/zoeken?q=passend",
        "/vraagbaak",
        "/documenten",
        "/privacy",
        "/documenten/webpaginas-po-raad-passend-onderwijs-html",
    ):
        html = html_of(site.get(url))
        assert re.search(r'<meta name="description" content="[^"]{40,}">', html), url
        assert '<link rel="icon"' in html
    assert site.get("/static/favicon.svg").status_code == 200


def test_a_page_of_news_items_is_found_under_the_years_of_its_items(site):
    """The support programme page is dated 2023 and collects news of 2017 to
    2022: the year filter and facet know those years, and each passage shows
    its own date."""
    data = site.get("/api/search?q=Tweedaagse+Lunteren&mode=passages&year=2017").get_json()
    assert data["total"] >= 1
    first = data["hits"][0]
    assert first["title"].startswith("Ondersteuningsprogramma") and first["date"].startswith("2017")
    facets = site.get("/api/search?q=Tweedaagse+Lunteren").get_json()["facets"]["year"]
    assert {"2017", "2023"} <= set(facets)
    assert site.get("/api/search?q=Tweedaagse+Lunteren&year=2016").get_json()["total"] == 0
