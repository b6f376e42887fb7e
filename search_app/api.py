"""JSON API: the same data as the CLI's ``--json`` and the pages."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from indexer.search_service import IndexMissingError
from search_app.request_params import BadParameter, search_params, service

api = Blueprint("api", __name__)


@api.errorhandler(BadParameter)
def _bad_parameter(exc: BadParameter):
    return jsonify(error=str(exc)), 400


@api.errorhandler(IndexMissingError)
def _no_index(exc: IndexMissingError):
    return jsonify(error=str(exc)), 503


@api.get("/api/search")
def search():
    p = search_params(request.args)
    if not p.q.strip():
        raise BadParameter("Geef een zoekvraag op met de parameter 'q'.")
    response = service().search(p.q, k=p.k, page=p.page, mode=p.mode, filters=p.filters)
    return jsonify(response.as_json())


@api.get("/api/ask")
def ask():
    p = search_params(request.args, default_k=5, default_mode="passages")
    if not p.q.strip():
        raise BadParameter("Stel een vraag met de parameter 'q'.")
    return jsonify(service().ask(p.q, k=p.k, filters=p.filters).as_json())


@api.get("/healthz")
def healthz():
    try:
        stats = service().stats()
    except IndexMissingError as exc:
        return jsonify(status="geen index", error=str(exc)), 503
    return jsonify(status="ok", documents=stats["documents"], passages=stats["passages"],
                   generation=stats["generation"])
