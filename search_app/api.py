"""JSON API: the same data as the pages and the CLI's ``--json``."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from indexer.model import SearchResponse
from indexer.search.service import IndexMissingError
from search_app import links
from search_app.openapi import openapi_document
from search_app.request_params import BadParameter, query_text, search_params, service

api = Blueprint("api", __name__)


@api.errorhandler(BadParameter)
def _bad_parameter(exc: BadParameter):
    return jsonify(error=str(exc)), 400


@api.errorhandler(IndexMissingError)
def _no_index(exc: IndexMissingError):
    return jsonify(error=str(exc)), 503


def _required_query() -> None:
    if "q" not in request.args:
        raise BadParameter("Geef een zoekvraag op met de parameter 'q'.")


def _nothing_asked(q: str, *, ask: bool = False) -> dict:
    """The answer to an empty ``q``: valid, and nothing found."""
    return SearchResponse(
        query=q,
        total=0,
        took_ms=0.0,
        hits=[],
        facets=None if ask else {},
        answered=False if ask else None,
        message="Stel een vraag." if ask else "Geef een zoekvraag op.",
    ).as_json()


@api.get("/api/search")
def search():
    _required_query()
    p = search_params(request.args, strict=True)
    if not p.q.strip():
        return jsonify(_nothing_asked(p.q))
    response = service().search(p.q, k=p.k, page=p.page, mode=p.mode, filters=p.filters, sort=p.sort, facets=True)
    return jsonify(response.as_json())


@api.get("/api/ask")
def ask():
    _required_query()
    p = search_params(request.args, default_k=5, default_mode="passages", strict=True)
    if not p.q.strip():
        return jsonify(_nothing_asked(p.q, ask=True))
    return jsonify(service().ask(p.q, k=p.k, filters=p.filters).as_json())


@api.get("/api/documents/<doc_id>")
def document(doc_id: str):
    record = service().document(doc_id)
    if record is None:
        return jsonify(error=f"Geen document met id '{doc_id[:80]}'."), 404
    passages = service().passages(doc_id)
    return jsonify(
        {
            "id": record.doc_id,
            "title": record.title,
            "source": record.source,
            "format": record.format,
            "type": record.type,
            "sectors": record.sectors,
            "date": record.date,
            "author": record.author,
            "description": record.description,
            "url": record.url,
            "pages": record.page_count,
            "file": links.file_url(record.doc_id),
            "page_url": links.document_url(record),
            "headings": [{"level": lvl, "text": text, "page": page} for lvl, text, page in record.headings],
            "passages": [{"id": p.id, "heading": p.heading, "page": p.page, "text": p.text} for p in passages],
            "related": [
                {"id": r.doc_id, "title": r.title, "type": r.type, "score": round(score, 4)}
                for r, score in service().related(doc_id)
            ],
        }
    )


@api.get("/api/suggest")
def suggest():
    q = query_text(request.args)
    return jsonify({"query": q, "suggestions": service().suggest(q) if q.strip() else []})


@api.get("/api/openapi.json")
def openapi():
    return jsonify(openapi_document())


@api.get("/healthz")
def healthz():
    try:
        health = service().health()
    except IndexMissingError as exc:
        return jsonify(status="geen index", error=str(exc)), 503
    return jsonify(
        status="ok", documents=health["documents"], passages=health["passages"], generation=health["generation"]
    )
