"""The site in a real browser: Debian's Chromium driven by Playwright, against
the app served by gunicorn on 127.0.0.1. Search, filter, open a document, ask
a question, use the keyboard only and a phone-sized screen; a screenshot of
each step goes to tests/output/screenshots/ and an axe-core audit of each
page to tests/output/axe/. Skips (with the reason) where Chromium is missing.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from indexer.indexing.run import run_index
from tests.conftest import CORPUS
from tests.served_site import SiteDidNotStart, served_site

pytestmark = pytest.mark.browser

OUTPUT = Path(__file__).parent / "output"
SHOTS = OUTPUT / "screenshots"
AXE_OUT = OUTPUT / "axe"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]
PASSWORD = "browser-test-wachtwoord"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (apt-get install chromium); the browser tests need it")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    root = tmp_path_factory.mktemp("browser")
    source = root / "bron"
    shutil.copytree(CORPUS, source, ignore=shutil.ignore_patterns("tools"))
    run_index(source, root / "index")
    env = {"EXPERTISEBANK_SOURCE": str(source), "EXPERTISEBANK_EDITOR_PASSWORD": PASSWORD}
    try:
        with served_site(root / "index", env) as base:
            yield base
    except SiteDidNotStart as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    AXE_OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    pg = context.new_page()
    yield pg
    context.close()


def audit(page, name: str) -> None:
    """axe-core on the page as it is now: no serious or critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response["violations"]
    (AXE_OUT / f"{name}.json").write_text(
        json.dumps(
            [{"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": len(v["nodes"])} for v in violations],
            indent=1,
        ),
        encoding="utf-8",
    )
    bad = [f"{v['id']} ({v['impact']}): {v['help']}" for v in violations if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: {bad}"


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_search_filter_open_document(page, server):
    page.goto(server + "/")
    shot(page, "01-start")
    audit(page, "01-start")
    page.fill("#q", "samenwerkingsverband")
    page.press("#q", "Enter")
    page.wait_for_selector("ol.hits li.hit")
    assert "documenten voor" in page.inner_text("p.summary")
    shot(page, "02-resultaten")
    audit(page, "02-resultaten")

    assert page.locator("details#filters").evaluate("d => d.open")  # beside the results on a wide screen
    page.click("#filters a:has-text('Nieuws')")
    page.wait_for_url("**type=nieuws**")
    types = page.locator("li.hit .type").all_inner_texts()
    assert types and set(types) == {"Nieuws"}
    assert page.locator(".active-filters").is_visible()
    shot(page, "03-gefilterd")
    audit(page, "03-gefilterd")

    page.locator("li.hit .doc-link a").first.click()
    page.wait_for_selector("nav.toc")
    assert page.locator("h1").inner_text()
    # a web page: its text is here; the stored copy is a secondary link, not the main action
    assert page.locator("a.button").count() == 0
    assert page.locator(".secondary-actions a:has-text('Bewaarde kopie')").count() == 1
    shot(page, "04-document")
    audit(page, "04-document")


def test_ask_a_question(page, server):
    page.goto(server + "/vraagbaak")
    page.fill("#vraag", "Zijn er subsidies voor deze innovaties?")
    page.click("button:has-text('Vraag stellen')")
    page.wait_for_selector("ol.answers li.answer")
    first = page.locator("li.answer").first
    assert "Er zijn geen subsidies beschikbaar" in first.inner_text()
    assert first.locator("mark").count() >= 1
    shot(page, "05-vraagbaak")
    audit(page, "05-vraagbaak")


def test_the_vraagbaak_says_when_it_has_no_good_answer(page, server):
    page.goto(server + "/vraagbaak")
    page.fill("#vraag", "Wat kost een voetbalclub?")
    page.click("button:has-text('Vraag stellen')")
    page.wait_for_selector(".no-answer")
    assert "Geen goed antwoord gevonden" in page.inner_text(".no-answer")
    assert page.locator(".no-answer a:has-text('Zoek op trefwoorden')").count() == 1
    assert page.locator("li.answer .confidence").count() >= 1
    shot(page, "05b-vraagbaak-geen-antwoord")
    audit(page, "05b-vraagbaak-geen-antwoord")


def test_keyboard_only_with_visible_focus(page, server):
    page.goto(server + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.type("terugplaatsing")
    page.keyboard.press("Enter")
    page.wait_for_selector("ol.hits li.hit")
    shot(page, "06-toetsenbord")


def test_phone_screen_has_no_sideways_scrolling(browser, server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, device_scale_factor=2)
    page = context.new_page()
    page.goto(server + "/zoeken?q=samenwerkingsverband")
    page.wait_for_selector("ol.hits")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, "07-mobiel")
    audit(page, "07-mobiel")
    context.close()


def _suggested(page, server, typed: str, selector: str = "#zoeksuggesties option") -> list[str]:
    """What the search box suggests after ``typed`` is typed key by key."""
    page.goto(server + "/")
    page.type("#q", typed, delay=30)
    page.locator(selector).first.wait_for(state="attached", timeout=5000)
    return page.eval_on_selector_all(selector, "els => els.map(e => e.value)")


def test_autocomplete_enhances_the_search_box(page, server):
    assert any("talentencampus" in o.lower() for o in _suggested(page, server, "talentenc"))


def test_editor_login_page(page, server):
    page.goto(server + "/beheer/")
    page.wait_for_selector("#wachtwoord")
    assert page.url.startswith(server + "/beheer/inloggen")  # the area is closed without a login
    assert page.get_attribute("#wachtwoord", "type") == "password"
    shot(page, "08-beheer-inloggen")
    audit(page, "08-beheer-inloggen")
    page.fill("#wachtwoord", "niet-het-wachtwoord")
    page.click("button:has-text('Inloggen')")
    assert page.inner_text("p.error[role=alert]") == "Onjuist wachtwoord."
    assert page.query_selector("h1:has-text('Beheer van de expertisebank')") is None
    page.fill("#wachtwoord", PASSWORD)
    page.click("button:has-text('Inloggen')")
    page.wait_for_selector("h1:has-text('Beheer')")
    assert page.url.rstrip("/").endswith("/beheer") and page.query_selector("#wachtwoord") is None
    shot(page, "09-beheer")
    audit(page, "09-beheer")


# -- every page type on a phone and a desktop (WCAG 1.4.10 reflow) --------------------


def _page_types(server: str) -> dict[str, str]:
    return {
        "start": "/",
        "resultaten": "/zoeken?q=samenwerkingsverband",
        "resultaten-gefilterd": "/zoeken?q=passend+onderwijs&type=publicatie&sector=po",
        "geen-resultaten": "/zoeken?q=qwxyzzy",
        "document-html": "/documenten/webpaginas-po-raad-passend-onderwijs-html",
        "document-pdf": "/documenten/publicaties-beleidsregel-experimenten-regulier-speciaal-onderwijs-pdf",
        "alle-documenten": "/documenten",
        "vraagbaak": "/vraagbaak",
        "vraagbaak-antwoorden": "/vraagbaak?vraag=Mogen+leerlingen+van+het+so+en+het+sbo+samen+in+"
        "%C3%A9%C3%A9n+groep+zitten%3F",
        "vraagbaak-geen-antwoord": "/vraagbaak?vraag=Wat+kost+een+voetbalclub%3F",
        "privacy": "/privacy",
        "beheer-inloggen": "/beheer/inloggen",
        "niet-gevonden": "/bestaat-niet",
    }


def _overflow(page) -> tuple[int, list[str]]:
    """How far the page is wider than the window, and its widest elements."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow <= 0:
        return 0, []
    return overflow, page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 3).map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 40))""")


@pytest.mark.parametrize("width", [320, 375, 1280])
def test_no_page_scrolls_sideways(browser, server, width):
    """Every page type at 320 and 375 px (a phone) and 1280 px: no horizontal
    scrolling, and a screenshot of each in tests/output/screenshots/."""
    context = browser.new_context(
        viewport={"width": width, "height": 800},
        is_mobile=width < 1000,
        device_scale_factor=2 if width < 1000 else 1,
        locale="nl-NL",
    )
    page = context.new_page()
    wide = []

    def visit(name: str, path: str) -> None:
        response = page.goto(server + path)
        assert response.status in (200, 404), (name, response.status)
        overflow, culprits = _overflow(page)
        if overflow:
            wide.append((name, overflow, culprits))
        if width != 320:
            shot(page, f"pagina-{name}-{width}")

    for name, path in _page_types(server).items():
        visit(name, path)
    # the editors' pages, after logging in
    page.goto(server + "/beheer/inloggen")
    page.fill("#wachtwoord", PASSWORD)
    page.click("button:has-text('Inloggen')")
    page.wait_for_selector("h1:has-text('Beheer')")
    visit("beheer", "/beheer/")
    visit("beheer-zoekvragen", "/beheer/zoekvragen")
    context.close()
    assert not wide, wide


def test_on_a_phone_the_first_results_show_before_the_filters(browser, server):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, device_scale_factor=2)
    page = context.new_page()
    page.goto(server + "/zoeken?q=samenwerkingsverband&sector=po")
    filters = page.locator("details#filters")
    assert filters.evaluate("d => d.open") is False
    assert "Filters (1 gekozen)" in filters.locator("summary").inner_text()
    titles = page.locator("li.hit h3")
    assert titles.count() >= 2
    for i in range(2):  # the first two results are in view without scrolling
        assert titles.nth(i).bounding_box()["y"] + 20 < 740, i
    assert not page.locator("a.to-filters").is_visible()  # phones have the disclosure right there
    filters.locator("summary").click()
    assert page.locator("#filters a:has-text('Nieuws')").is_visible()
    audit(page, "10-mobiel-filters")
    context.close()


def test_the_vraagbaak_sends_on_enter_and_copies_an_answer_with_its_source(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page = context.new_page()
    page.goto(server + "/vraagbaak")
    examples = page.locator(".examples li a")
    assert examples.count() == 3
    page.click("#vraag")
    page.keyboard.type("Mogen leerlingen van het so en het sbo")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("samen in één groep zitten?")
    assert "\n" in page.input_value("#vraag") and page.url.endswith("/vraagbaak")
    page.keyboard.press("Enter")
    page.wait_for_selector("ol.answers li.answer")
    first = page.locator("li.answer").first
    assert "pagina" in first.locator(".source").inner_text() or first.locator("time").count() == 1
    first.locator("button:has-text('Kopieer antwoord met bron')").click()
    first.locator(".copied:not(:empty)").wait_for(timeout=5000)  # no string evaluation: the CSP forbids it
    copied = page.evaluate("navigator.clipboard.readText()")
    title = first.locator(".source a").first.inner_text().split(", pagina")[0]
    assert "Bron: " + title in copied and server in copied
    assert "<mark>" not in copied and len(copied.split("\n\n")[0]) > 80
    shot(page, "11-vraagbaak-kopieren")
    context.close()


def test_picking_a_title_from_the_suggestions_opens_that_document(page, server):
    titles = _suggested(page, server, "praktijkvoorbeelden sam", "#zoeksuggesties option[label='document openen']")
    # what Chromium does when a datalist option is chosen
    page.evaluate(
        """title => { const q = document.getElementById('q'); q.value = title;
        q.dispatchEvent(new InputEvent('input', {inputType: 'insertReplacementText', bubbles: true})); }""",
        titles[0],
    )
    page.wait_for_url("**/documenten/**")
    assert page.locator("h1").inner_text() == titles[0]
