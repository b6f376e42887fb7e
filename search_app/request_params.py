"""Reading and checking query parameters, shared by the pages and the API."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from werkzeug.datastructures import MultiDict

from indexer.model import DOCUMENT_TYPES, SECTORS, SORTS
from indexer.search.service import MODES, SearchService

MAX_QUERY_CHARS = 2000


class BadParameter(ValueError):
    """A parameter a visitor can fix; the message is Dutch."""


@dataclass
class SearchParams:
    q: str
    k: int
    page: int
    mode: str
    sort: str
    filters: dict[str, list]


def service() -> SearchService:
    return current_app.extensions["search_service"]


def _int(args: MultiDict, name: str, default: int, lo: int, hi: int) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]{1,6}", raw):
        raise BadParameter(f"'{name}' moet een geheel getal zijn, niet '{raw[:40]}'.")
    value = int(raw)
    if not lo <= value <= hi:
        raise BadParameter(f"'{name}' moet tussen {lo} en {hi} liggen.")
    return value


def query_text(args: MultiDict, name: str = "q") -> str:
    q = args.get(name, "")
    if len(q) > MAX_QUERY_CHARS:
        raise BadParameter(f"De zoekvraag is te lang (maximaal {MAX_QUERY_CHARS} tekens).")
    return q


STRICT_PARAMS = ("k", "page", "mode", "sort", "type", "sector", "year")


def search_params(
    args: MultiDict,
    *,
    default_k: int = 10,
    default_mode: str = "documents",
    query_name: str = "q",
    strict: bool = False,
) -> SearchParams:
    """The search parameters of a request. The pages take an empty value as
    "not given" (a form's "alle" option); the API (``strict``) follows its
    OpenAPI description, where an empty value is not a number or a choice."""
    q = query_text(args, query_name)
    if strict:
        for name in STRICT_PARAMS:
            if any(not v.strip() for v in args.getlist(name)):
                raise BadParameter(f"'{name}' mag niet leeg zijn; laat de parameter weg voor de standaardwaarde.")
    mode = args.get("mode", default_mode) or default_mode
    if mode not in MODES:
        raise BadParameter(f"'mode' moet 'documents' of 'passages' zijn, niet '{mode[:40]}'.")
    sort = args.get("sort", "relevance") or "relevance"
    if sort not in SORTS:
        raise BadParameter(f"'sort' moet 'relevance' of 'date' zijn, niet '{sort[:40]}'.")
    filters: dict[str, list] = {}
    types = [t for t in args.getlist("type") if t]
    if any(t not in DOCUMENT_TYPES for t in types):
        raise BadParameter(f"Onbekend type; kies uit {', '.join(DOCUMENT_TYPES)}.")
    if types:
        filters["type"] = types
    sectors = [s for s in args.getlist("sector") if s]
    if any(s not in SECTORS for s in sectors):
        raise BadParameter("Onbekende sector; kies uit po, vo en so.")
    if sectors:
        filters["sectors"] = sectors
    years = []
    for y in args.getlist("year"):
        if not y:
            continue
        if not re.fullmatch(r"[0-9]{4}", y):  # str.isdigit() also accepts "²"
            raise BadParameter(f"'year' moet een jaartal zijn, niet '{y[:20]}'.")
        years.append(int(y))
    if years:
        filters["year"] = years
    return SearchParams(
        q=q,
        k=_int(args, "k", default_k, 1, 100),
        page=_int(args, "page", 1, 1, 1000),
        mode=mode,
        sort=sort,
        filters=filters,
    )
