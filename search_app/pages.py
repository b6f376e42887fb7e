"""HTML pages: the search page (a minimal one until the site issue lands)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from markupsafe import Markup

from indexer.search_service import IndexMissingError
from search_app.request_params import BadParameter, search_params, service

pages = Blueprint("pages", __name__)


@pages.app_template_filter("snippet")
def snippet_filter(snippet: str) -> Markup:
    # Snippets are escaped by the engine; <mark> is the only markup in them.
    return Markup(snippet)


@pages.get("/")
@pages.get("/zoeken")
def search_page():
    error = None
    response = None
    status = 200
    try:
        params = search_params(request.args)
        if params.q.strip():
            response = service().search(params.q, k=params.k, page=params.page, mode=params.mode,
                                        filters=params.filters)
    except BadParameter as exc:
        error, status = str(exc), 400
    except IndexMissingError as exc:
        error, status = str(exc), 503
    return render_template("search.html", q=request.args.get("q", ""), response=response, error=error), status
