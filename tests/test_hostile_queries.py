"""Fuzzing the query path (Hypothesis): the search page, the vraagbaak, the
JSON API and SearchService itself, with arbitrary Unicode, query-syntax
fragments, very long queries, hundreds of words and odd parameters.

Whatever comes in: a 200 or a 400 (never a 5xx or a traceback), valid JSON
with a Dutch message from the API, the query echoed back as text, and each
request within a time bound. Deterministic (``derandomize=True``)."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.search.query_parser import MAX_PHRASES, MAX_TERMS, MAX_WORD_CHARS, MAX_WORDS, parse_query
from search_app import create_app
from tests.test_security import assert_inert_html, elements

TIME_BOUND = 2.0  # seconds per request: generous for a shared 2-core box; the point is "bounded"
FUZZ = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

EDGE_CHARS = [
    "\x00",
    "\x01",
    "\x7f",
    "\u200f",
    "\u202e",
    "\u200b",
    "\ufeff",
    "\u0301",
    "\u0338",
    "\u00a0",
    "\u2028",
    "\U0001f600",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "ß",
    "İ",
    "ﬁ",
    "²",
    "٣",
    "\u0627\u0644",
    "\\",
    "%",
    "&",
    "<",
    ">",
    "'",
    "`",
    "{{",
    "}}",
    "%00",
    "&#0;",
    "\r\n",
    "\t",
]
SYNTAX = [
    "AND",
    "OR",
    "NOT",
    "and",
    "en/of",
    "(",
    ")",
    '"',
    "\u201c",
    "\u201d",
    "\u201e",
    "*",
    "~",
    "~2",
    "^",
    "^3",
    ":",
    "title:",
    "-",
    "+",
    "--",
    '-"',
    "?",
    "[",
    "]",
    "{",
    "}",
    "!",
    "|",
    "/",
    "a*",
    "*a",
]
WORDS = [
    "passend",
    "onderwijs",
    "samenwerkingsverband",
    "leerlingen",
    "so",
    "vo-school",
    "so-sbo-bao",
    "thuisnabij",
    "symbiose",
    "zorgplicht",
    "intentieverklaring",
    "talentencampus",
    "1,5",
    "2.500",
    "samenwerkingsverbnd",
    "onderwjis",
    "leerlignen",
    "Bolivia",
    "wat",
    "hoe",
    "de",
    "het",
]
EXCEPTION_NAMES = re.compile(
    r"Traceback|\b(?:Value|Key|Type|Index|Attribute|Runtime|Unicode\w*|Overflow|Recursion|"
    r"Assertion|Lookup|OS|Zero\w+|Name|Memory)Error\b|\bException\b|Internal Server Error"
)
DUTCH = re.compile(r"\b(moet|geef|stel|onbekend\w*|zoekvraag|tussen|niet|geen|kies|jaartal|geheel)\b", re.IGNORECASE)

edge_text = st.lists(st.one_of(st.sampled_from(EDGE_CHARS), st.text(max_size=6)), max_size=12).map("".join)
unicode_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=80)  # no lone surrogates
syntax_query = st.lists(st.one_of(st.sampled_from(SYNTAX), st.sampled_from(WORDS)), min_size=1, max_size=20).flatmap(
    lambda parts: st.sampled_from([" ", "", "  ", "-"]).map(lambda sep: sep.join(parts))
)
many_words = st.lists(st.sampled_from(WORDS + SYNTAX), min_size=100, max_size=400).map(" ".join)
long_query = st.integers(10_000, 20_000).map(lambda n: ("samenwerkingsverband " * (n // 21 + 1))[:n])
any_query = st.one_of(unicode_text, edge_text, syntax_query, many_words, long_query)

PARAM_NAMES = [
    "q",
    "k",
    "page",
    "mode",
    "sort",
    "type",
    "sector",
    "year",
    "vraag",
    "endpoint",
    "_external",
    "_anchor",
    "_method",
    "_scheme",
    "values",
    "callback",
    "format",
    "q[]",
    "",
    "\x00",
]
JUNK_VALUES = [
    "-1",
    "0",
    "1",
    "100",
    "101",
    str(10**20),
    "1e3",
    "0x10",
    " 5",
    "5 ",
    "²",
    "٣",
    "abc",
    "",
    "None",
    "documents",
    "passages",
    "relevance",
    "date",
    "po",
    "vo",
    "mbo",
    "faq",
    "boek",
    "2023",
    "20233",
    "<script>alert(1)</script>",
    "\x00",
]
params = st.lists(
    st.tuples(st.sampled_from(PARAM_NAMES), st.one_of(st.sampled_from(JUNK_VALUES), edge_text)), max_size=8
)


@pytest.fixture(scope="module")
def client(demo_index):
    # many requests in a minute: the API's rate limit is tested in test_security.py
    app = create_app({"INDEX_DIR": str(demo_index), "TESTING": True, "API_RATE_LIMIT": "off"})
    return app.test_client()


def timed_get(client, path: str, pairs: list[tuple[str, str]]):
    started = time.perf_counter()
    response = client.get(path + "?" + urlencode(pairs))
    took = time.perf_counter() - started
    assert took < TIME_BOUND, (path, pairs, took)
    assert response.status_code in (200, 400), (path, pairs, response.status_code)
    return response


def assert_no_traceback(text: str, sent: str) -> None:
    for m in EXCEPTION_NAMES.finditer(text):
        assert m.group() in sent, m.group()  # only what the visitor typed may say "ValueError"


def check_page(response, pairs, echo_name: str) -> None:
    html = response.get_data(as_text=True)
    sent = " ".join(v for _, v in pairs)
    assert_no_traceback(html, sent)
    assert_inert_html(html, str(pairs))
    if response.status_code == 400:
        message = re.search(r'<p class="error" role="alert">(.*?)</p>', html, re.S)
        assert message and DUTCH.search(message.group(1)), html[-2000:]
    typed = next((v for k, v in pairs if k == echo_name), "")
    if response.status_code == 200 and typed and echo_name == "q":
        shown = next(a.get("value") for t, a in elements(html) if t == "input" and a.get("id") == "q")
        assert shown == typed, (shown, typed)  # the query comes back whole, as an attribute value


def check_json(response, pairs) -> dict:
    assert response.mimetype == "application/json"
    data = json.loads(response.get_data(as_text=True))  # valid JSON, whatever the input
    assert_no_traceback(json.dumps(data, ensure_ascii=False), " ".join(v for _, v in pairs))
    if response.status_code == 400:
        assert set(data) == {"error"} and DUTCH.search(data["error"]), data
    return data


@settings(FUZZ, max_examples=120)
@given(q=any_query, extra=params)
def test_the_search_page_survives_anything(client, q, extra):
    pairs = [("q", q)] + extra
    check_page(timed_get(client, "/zoeken", pairs), pairs, "q")


@settings(FUZZ, max_examples=60)
@given(q=any_query, extra=params)
def test_the_vraagbaak_survives_anything(client, q, extra):
    pairs = [("vraag", q)] + extra
    check_page(timed_get(client, "/vraagbaak", pairs), pairs, "vraag")


@settings(FUZZ, max_examples=150)
@given(endpoint=st.sampled_from(["/api/search", "/api/ask", "/api/suggest"]), q=any_query, extra=params)
def test_the_json_api_survives_anything(client, endpoint, q, extra):
    pairs = [("q", q)] + extra
    response = timed_get(client, endpoint, pairs)
    data = check_json(response, pairs)
    if response.status_code == 200 and endpoint != "/api/suggest":
        assert data["query"] == q.strip() and isinstance(data["hits"], list)
        for hit in data["hits"]:  # snippets: escaped text with <mark> as the only markup
            assert not re.search(r"<(?!/?mark>)", hit["snippet"]), hit["snippet"]


@settings(FUZZ, max_examples=60)
@given(doc_id=st.one_of(unicode_text, edge_text, st.sampled_from(["..", ".", "%2e%2e", "catalogue.toml", "x" * 5000])))
def test_document_routes_survive_any_id(client, doc_id):
    from urllib.parse import quote

    path = quote(doc_id, safe="")
    for url in (f"/api/documents/{path}", f"/documenten/{path}", f"/documenten/{path}/bestand"):
        started = time.perf_counter()
        response = client.get(url, follow_redirects=True)  # "//" is merged by a redirect first
        assert time.perf_counter() - started < TIME_BOUND
        assert response.status_code in (200, 404), (url, response.status_code)
        assert_no_traceback(response.get_data(as_text=True), doc_id)
        if url.startswith("/api/"):
            assert response.mimetype == "application/json" and response.get_json()["error"]


@settings(FUZZ, max_examples=100)
@given(
    q=any_query,
    k=st.integers(-5, 10**6),
    page=st.integers(-(10**20), 10**20),
    mode=st.sampled_from(["documents", "passages"]),
    sort=st.sampled_from(["relevance", "date"]),
)
def test_the_search_service_survives_anything(service, q, k, page, mode, sort):
    started = time.perf_counter()
    response = service.search(q, k=k, page=page, mode=mode, sort=sort, facets=True, per_document=3)
    service.suggest(q)
    assert time.perf_counter() - started < TIME_BOUND, q[:200]
    assert response.total >= 0 and len(response.hits) <= 100


@settings(FUZZ, max_examples=200)
@given(q=st.one_of(any_query, st.text(max_size=3000)))
def test_the_parsed_query_is_bounded(q):
    plan = parse_query(q)
    searched = plan.words + [w for p in plan.phrases for w in p]
    assert len(searched) <= MAX_WORDS and len(plan.phrases) <= MAX_PHRASES
    assert len(plan.excluded) <= MAX_WORDS and len(plan.excluded_phrases) <= MAX_PHRASES
    for words in (searched, plan.excluded + [w for p in plan.excluded_phrases for w in p]):
        assert all(len(w) <= MAX_WORD_CHARS for w in words)
        assert sum(_terms(w) for w in words) <= MAX_TERMS


def _terms(word: str) -> int:
    """A word is one term; a joined word ("vo-school") is one plus one per part."""
    if re.fullmatch(r"\d+(?:[.,]\d+)+", word):
        return 1
    parts = [p for p in re.split(r"[-\u2010\u2011'\u2019.]", word) if p]
    return 1 + len(parts) if len(parts) > 1 else 1


def test_caps_take_the_beginning_and_say_so():
    plan = parse_query(" ".join(f"woord{i}" for i in range(100)))
    assert plan.words == [f"woord{i}" for i in range(MAX_WORDS)] and plan.truncated
    plan = parse_query("a" * (MAX_WORD_CHARS + 1) + " passend")
    assert plan.words == ["passend"] and plan.truncated
    plan = parse_query("-".join("abcdefghijkl") + " passend")  # twelve parts: taken as twelve words
    assert plan.words[:12] == list("abcdefghijkl") and plan.words[-1] == "passend"
    plan = parse_query(" ".join("-".join("abcdefg") for _ in range(20)))  # 8 terms each
    assert len(plan.words) == MAX_TERMS // 8 and plan.truncated
    plan = parse_query(" ".join(f'"een {i}"' for i in range(10)))
    assert len(plan.phrases) == MAX_PHRASES and plan.truncated
    assert not parse_query('passend "speciaal onderwijs" -Meppel so- en sbo-leerlingen').truncated


WORST_CASES = {
    "32 unknown long words (typo neighbours)": None,  # filled from the index's vocabulary below
    "prefixes": "a* b* c* d* e* o* s* ver* be* on* * ** *** " * 3,
    "one 499-letter word": "a" * 499,
    "a hyphen chain": "-".join("abcdefghijklmnopqrstuvwxyz" * 10)[:499],
    "dotted chain": "x.y.z." * 80,
    "32 excluded words": " ".join(f"-{w}" for w in WORDS * 2) + " onderwijs",
    "quotes and operators": '"(passend AND onderwijs) OR NOT ~samen^2 "leer:lingen" ' * 8,
    "the same word 24 times": "samenwerkingsverband " * 24,
}


LONG = "Uw zoekvraag was erg lang; alleen het begin is gebruikt."
# what each worst case must give on the demo corpus: results or not, and the message
WORST_CASE_ANSWERS = {
    "32 unknown long words (typo neighbours)": (True, None),  # found through their near words
    "prefixes": (True, None),
    "one 499-letter word": (False, "Geef een of meer zoekwoorden op."),
    "a hyphen chain": (True, LONG),
    "dotted chain": (True, LONG),
    "32 excluded words": (False, LONG),  # the words after the 32nd ("onderwijs") are cut off
    "quotes and operators": (False, LONG),
    "the same word 24 times": (True, LONG),
}


@pytest.mark.parametrize("name", list(WORST_CASES))
@pytest.mark.parametrize("mode", ["documents", "passages"])
def test_worst_case_queries_take_bounded_time(service, name, mode):
    q = WORST_CASES[name]
    if q is None:  # 32 distinct long words of the index, each two edits away from the real one
        text = " ".join(p.text for d in service.documents() for p in service.passages(d.doc_id))
        words = sorted({w for w in re.findall(r"[a-z]{12,}", text.lower())})[::3][:32]
        assert len(words) == 32
        q = " ".join(w[:3] + "xq" + w[5:] for w in words)
    started = time.perf_counter()
    response = service.search(q, mode=mode, facets=True, per_document=3)
    took = time.perf_counter() - started
    assert took < TIME_BOUND, (name, took)
    found, message = WORST_CASE_ANSWERS[name]
    assert bool(response.hits) is found and (response.total > 0) is found, (name, response.total)
    assert len(response.hits) == min(10, response.total)
    assert response.message == message, name
    if found and mode == "documents":  # each document counts once under its type
        assert sum(response.facets["type"].values()) == response.total
    if name.startswith("32 unknown"):
        assert response.suggestion  # "Bedoelde u" offers the index's words
