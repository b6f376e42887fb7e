"""Where a hit or a document links to; shared by the pages and the API."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import url_for
from werkzeug.datastructures import MultiDict

from indexer.model import DocumentRecord, Hit, Place


def file_url(doc_id: str, page: int | None = None) -> str:
    url = url_for("pages.original_file", doc_id=doc_id)
    return f"{url}#page={page}" if page else url


def hit_url(hit: Hit, fmt: str | None = None) -> str:
    """A PDF hit opens the file at its page; an HTML hit opens the document's
    page here at the passage (the extracted text, safe to show)."""
    if hit.source.lower().endswith(".pdf"):
        return file_url(hit.doc_id, hit.page)
    number = (hit.passage_id or "").rsplit(".", 1)[-1]
    anchor = f"#passage-{number}" if number.isdigit() else ""
    return url_for("pages.document_page", doc_id=hit.doc_id) + anchor


def place_url(place: Place) -> str:
    """Another place of a hit's content: a PDF at its page, a web page at the passage."""
    if place.format == "pdf":
        return file_url(place.doc_id, place.page)
    number = place.passage_id.rsplit(".", 1)[-1]
    anchor = f"#passage-{number}" if number.isdigit() else ""
    return url_for("pages.document_page", doc_id=place.doc_id) + anchor


def opened_url(target: str, query: str, kind: str = "zoeken") -> str:
    """A result link that counts the opening for the editors' overview
    (``/open`` redirects to ``target``; see ``query_log``)."""
    return url_for("pages.open_result", q=query, soort=kind, naar=target)


def safe_target(target: str) -> str | None:
    """``target`` if it is one of this site's document pages or files (never
    another site: ``/open`` is no open redirect)."""
    if not target.startswith("/documenten/") or "//" in target or "\\" in target or ".." in target:
        return None
    if any(ord(c) < 33 for c in target):
        return None
    return target


def place_label(place: Place) -> str:
    """ "ook als PDF (p. 3)" / "ook als webpagina"."""
    if place.format == "pdf":
        return f"ook als PDF (p. {place.page})" if place.page else "ook als PDF"
    return "ook als webpagina"


def document_url(record: DocumentRecord | str) -> str:
    doc_id = record if isinstance(record, str) else record.doc_id
    return url_for("pages.document_page", doc_id=doc_id)


def with_params(args: MultiDict, endpoint: str = "pages.search_page", **changes) -> str:
    """The current search's URL with some parameters changed (None removes
    one); any other page number is dropped, so a new selection starts on
    page 1. The query string is built here, not by url_for, so that a
    parameter named like one of url_for's own (endpoint, _external) is data."""
    params = MultiDict(args)
    if "page" not in changes:
        params.poplist("page")
    for key, value in changes.items():
        params.poplist(key)
        if value is None:
            continue
        for v in value if isinstance(value, (list, tuple)) else [value]:
            params.add(key, v)
    pairs = [(k, v) for k, v in params.items(multi=True) if v != ""]
    query = urlencode(pairs)
    return url_for(endpoint) + (f"?{query}" if query else "")


def toggled(args: MultiDict, key: str, value: str) -> str:
    values = [v for v in args.getlist(key) if v]
    values = [v for v in values if v != value] if value in values else values + [value]
    return with_params(args, **{key: values or None})
