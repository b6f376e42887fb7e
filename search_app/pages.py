"""HTML pages: search, document, vraagbaak, and the download of an original file."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file
from markupsafe import Markup

from indexer.search.service import IndexMissingError
from search_app import links
from search_app.query_log import QueryLog
from search_app.request_params import BadParameter, query_text, search_params, service

pages = Blueprint("pages", __name__)

TYPE_LABELS = {
    "publicatie": "Publicatie",
    "praktijkvoorbeeld": "Praktijkvoorbeeld",
    "verslag": "Verslag",
    "faq": "Vraag en antwoord",
    "nieuws": "Nieuws",
}
SECTOR_LABELS = {"po": "primair onderwijs (po)", "vo": "voortgezet onderwijs (vo)", "so": "speciaal onderwijs (so)"}
TOPICS_FILE = Path(__file__).parent / "data" / "topics-nl.txt"
BROWSE_PAGE_SIZE = 50
# shown on the empty vraagbaak page: how a help-desk question may be put
EXAMPLE_QUESTIONS = (
    "Mogen leerlingen van het so en het sbo samen in één groep zitten?",
    "Wat is het verschil tussen invlechting en ontvlechting?",
    "Hoe vraag ik een experiment samenwerking regulier en speciaal onderwijs aan?",
)
MONTHS = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]


@pages.app_template_filter("snippet")
def snippet_filter(snippet: str) -> Markup:
    # Snippets come escaped from the engine; <mark> is the only markup in them.
    return Markup(snippet)


@pages.app_template_filter("dutch_date")
def dutch_date(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        y, m, d = (int(part) for part in iso.split("-"))
        return f"{d} {MONTHS[m - 1]} {y}" if 1 <= m <= 12 else iso
    except ValueError:
        return iso  # not an ISO date after all: shown as it is (escaped)


@pages.app_template_filter("last_heading")
def last_heading(path: str | None) -> str | None:
    """The most specific heading of a path ("Overige berichten › Tweedaagse"
    → "Tweedaagse"): the result's title already says which document."""
    return path.rsplit(" › ", 1)[-1] if path else path


def _megabytes(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} kB"
    return f"{size / 1048576:.1f}".replace(".", ",") + " MB"


def file_label(source: str, page: int | None = None) -> str | None:
    """What a link to an original file opens: "PDF, 1,2 MB, pagina 3". None
    for a web page (its link opens the text here)."""
    if not source.lower().endswith(".pdf"):
        return None
    parts = ["PDF"]
    try:
        root = service().source_dir() or current_app.config["SOURCE_DIR"]
        parts.append(_megabytes((Path(root) / source).stat().st_size))
    except (OSError, IndexMissingError):
        pass
    if page:
        parts.append(f"pagina {page}")
    return ", ".join(parts)


def topics(limit: int = 8) -> list[str]:
    """Topics to offer when a search finds nothing: what visitors searched
    most (and found), then the editors' list in data/topics-nl.txt."""
    chosen: list[str] = []
    log = current_app.extensions.get("query_log")
    if log is not None:
        chosen = [c.query for c in log.overview() if c.kind == "zoeken" and c.zero_results < c.searches]
    try:
        listed = [
            line.strip()
            for line in TOPICS_FILE.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        ]
    except OSError:
        listed = []
    for topic in listed:
        if topic.lower() not in chosen:
            chosen.append(topic)
    return chosen[:limit]


@pages.app_template_filter("web_link")
def web_link(url: str | None) -> str | None:
    """``url`` if it may become a link: an absolute http(s) address. A
    ``javascript:`` or ``data:`` URL from a catalogue or a page's metadata
    is shown as text."""
    if not url or any(ord(c) < 33 for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


@pages.app_context_processor
def page_helpers():
    return {
        "hit_url": links.hit_url,
        "document_url": links.document_url,
        "file_url": links.file_url,
        "place_url": links.place_url,
        "place_label": links.place_label,
        "opened_url": links.opened_url,
        "with_params": links.with_params,
        "toggled": links.toggled,
        "TYPE_LABELS": TYPE_LABELS,
        "SECTOR_LABELS": SECTOR_LABELS,
        "file_label": file_label,
    }


def _pages_around(current: int, last: int) -> list[int | None]:
    """Page numbers to show: first, last and two either side (None = a gap)."""
    wanted = {1, last} | set(range(max(1, current - 2), min(last, current + 2) + 1))
    out: list[int | None] = []
    for n in sorted(wanted):
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


def query_log() -> QueryLog | None:
    return current_app.extensions.get("query_log")


@pages.get("/")
@pages.get("/zoeken")
def search_page():
    error = None
    response = None
    params = None
    status = 200
    try:
        params = search_params(request.args)
        if params.q.strip():
            response = service().search(
                params.q,
                k=params.k,
                page=params.page,
                mode=params.mode,
                filters=params.filters,
                sort=params.sort,
                facets=True,
                per_document=3,
            )
            if query_log() and params.page == 1 and not params.filters:
                query_log().searched("zoeken", params.q, results=response.total)
    except BadParameter as exc:
        error, status = str(exc), 400
    except IndexMissingError as exc:
        error, status = str(exc), 503
    last_page = 1
    if response is not None and params is not None:
        last_page = max(1, min(1000, -(-response.total // params.k)))
    return render_template(
        "search.html",
        q=request.args.get("q", ""),
        params=params,
        response=response,
        error=error,
        args=request.args,
        last_page=last_page,
        topics=topics() if response is not None and response.total == 0 else [],
        page_numbers=_pages_around(params.page, last_page) if params else [],
    ), status


@pages.get("/vraagbaak")
def vraagbaak_page():
    error = None
    response = None
    status = 200
    question = ""
    related: list[tuple[str, str]] = []
    try:
        question = query_text(request.args, "vraag")
        if question.strip():
            response = service().ask(question, k=8)
            if query_log():
                query_log().searched("vraagbaak", question, results=len(response.hits), answered=response.answered)
            if response.hits and not response.answered:
                # ways out: the documents that come closest, as topics to look at
                near = service().search(question, k=3, mode="documents").hits
                related = [(hit.title, links.document_url(hit.doc_id)) for hit in near]
    except BadParameter as exc:
        error, status = str(exc), 400
    except IndexMissingError as exc:
        error, status = str(exc), 503
    return render_template(
        "vraagbaak.html",
        question=question,
        response=response,
        error=error,
        related=related,
        helpdesk_contact=current_app.config.get("HELPDESK_CONTACT"),
        examples=EXAMPLE_QUESTIONS,
    ), status


@pages.get("/open")
def open_result():
    """A visitor opens a result: counted (query and day only), then sent on."""
    target = links.safe_target(request.args.get("naar", ""))
    if target is None:
        abort(404)
    kind = request.args.get("soort", "zoeken")
    if query_log() and kind in ("zoeken", "vraagbaak"):
        query_log().opened(kind, request.args.get("q", "")[:2000])
    return redirect(target, 303)


@pages.get("/privacy")
def privacy_page():
    return render_template("privacy.html", retention_days=current_app.config.get("QUERY_LOG_DAYS") or 180)


@pages.get("/documenten")
def documents_page():
    """Every document, newest first, by page: a way in without a query."""
    try:
        records = service().documents()
    except IndexMissingError as exc:
        return render_template("error.html", status=503, message=str(exc)), 503
    kind = request.args.get("type", "")
    if kind and kind not in TYPE_LABELS:
        kind = ""
    chosen = [r for r in records if not kind or r.type == kind]
    chosen.sort(key=lambda r: (r.date or "", r.title.lower()), reverse=True)
    last_page = max(1, -(-len(chosen) // BROWSE_PAGE_SIZE))
    try:
        page = min(max(1, int(request.args.get("page", "1"))), last_page)
    except ValueError:
        page = 1
    counts: dict[str, int] = {}
    for r in records:
        counts[r.type] = counts.get(r.type, 0) + 1
    return render_template(
        "documents.html",
        records=chosen[(page - 1) * BROWSE_PAGE_SIZE : page * BROWSE_PAGE_SIZE],
        total=len(chosen),
        kind=kind,
        counts=counts,
        page=page,
        last_page=last_page,
        page_numbers=_pages_around(page, last_page),
        args=request.args,
    )


@pages.get("/documenten/<doc_id>")
def document_page(doc_id: str):
    try:
        record = service().document(doc_id)
        if record is None:
            abort(404)
        passages = service().passages(doc_id)
        related = service().related(doc_id)
    except IndexMissingError as exc:
        return render_template("error.html", status=503, message=str(exc)), 503
    # a heading links to the first passage under it (HTML) or to its page (PDF)
    anchors: dict[str, int] = {}
    for p in passages:
        for heading in p.heading_path:
            anchors.setdefault(heading, p.number)
    return render_template("document.html", record=record, passages=passages, related=related, anchors=anchors)


def indexed_file(doc_id: str) -> tuple[Path, str] | None:
    """The original file of an indexed document: the path comes from the
    index, never from the URL, and must lie inside the source folder."""
    record = service().document(doc_id)
    if record is None:
        return None
    root = Path(service().source_dir() or current_app.config["SOURCE_DIR"]).resolve()
    path = (root / record.source).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path, record.format


@pages.get("/documenten/<doc_id>/bestand")
def original_file(doc_id: str):
    try:
        found = indexed_file(doc_id)
    except IndexMissingError:
        found = None
    if found is None:
        abort(404)
    path, fmt = found
    mimetype = "application/pdf" if fmt == "pdf" else mimetypes.guess_type(path.name)[0] or "text/html"
    response = send_file(path, mimetype=mimetype, download_name=path.name, conditional=True)
    if fmt == "html":
        # the page's own <meta charset> decides its encoding, not a header of ours
        response.headers["Content-Type"] = "text/html"
        # someone else's page: shown inert (no scripts, no forms, no same-origin access)
        response.headers["Content-Security-Policy"] = (
            "sandbox; default-src 'none'; img-src * data:; style-src * 'unsafe-inline'; frame-ancestors 'none'"
        )
    return response
