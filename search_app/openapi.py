"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json."""

from __future__ import annotations

from indexer.model import DOCUMENT_TYPES, SECTORS


def _param(name, description, schema, required=False):
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


HIT = {
    "type": "object",
    "required": ["id", "title", "source", "type", "date", "page", "heading", "score", "snippet", "text", "also"],
    "properties": {
        "id": {"type": "string", "description": "document id (documents mode) or passage id (passages mode)"},
        "title": {"type": "string"},
        "source": {"type": "string", "description": "path relative to the source folder"},
        "type": {"type": "string", "enum": list(DOCUMENT_TYPES)},
        "date": {"type": ["string", "null"], "format": "date"},
        "page": {"type": ["integer", "null"], "description": "PDF page of the passage"},
        "heading": {"type": ["string", "null"], "description": "heading path, joined with ' › '"},
        "score": {"type": "number"},
        "snippet": {"type": "string", "description": "HTML-escaped text; matches in <mark>"},
        "text": {"type": "string", "description": "the passage's plain text"},
        "also": {
            "type": "array",
            "description": "other documents with the same text (one hit per piece of content)",
            "items": {"$ref": "#/components/schemas/Place"},
        },
        "confidence": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": "/api/ask only: how likely the passage answers the question",
        },
    },
}
PLACE = {
    "type": "object",
    "required": ["id", "passage_id", "title", "source", "type", "format", "date", "page"],
    "properties": {
        "id": {"type": "string", "description": "document id"},
        "passage_id": {"type": "string"},
        "title": {"type": "string"},
        "source": {"type": "string"},
        "type": {"type": "string", "enum": list(DOCUMENT_TYPES)},
        "format": {"type": "string", "enum": ["pdf", "html"]},
        "date": {"type": ["string", "null"], "format": "date"},
        "page": {"type": ["integer", "null"]},
    },
}
COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
RESULTS = {
    "type": "object",
    "required": ["query", "total", "took_ms", "hits", "suggestion"],
    "properties": {
        "query": {"type": "string"},
        "total": {"type": "integer"},
        "took_ms": {"type": "number"},
        "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
        "suggestion": {"type": ["string", "null"], "description": "'Bedoelde u …?': the query with corrected words"},
        "facets": {"type": "object", "properties": {"type": COUNTS, "sector": COUNTS, "year": COUNTS}},
        "answered": {
            "type": "boolean",
            "description": "/api/ask only: false when no passage answers the question with enough confidence",
        },
        "message": {"type": "string", "description": "a note for the user, in Dutch (e.g. for an empty q)"},
    },
}
HEALTH = {
    "type": "object",
    "required": ["status"],
    "properties": {
        "status": {"type": "string"},
        "documents": {"type": "integer"},
        "passages": {"type": "integer"},
        "generation": {"type": ["string", "null"]},
        "error": {"type": "string"},
    },
}
ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string", "description": "Dutch"}}}


ERROR_CONTENT = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
# Answered by the web server (gunicorn) before the app sees the request: an
# address longer than 8,190 bytes. A q of 2,000 characters that are not ASCII
# can be that long once percent-encoded.
TOO_LONG = {
    "description": "Het webadres is te lang (meer dan 8.190 bytes); stuur een kortere zoekvraag",
    "content": {"text/html": {"schema": {"type": "string"}}},
}
RATE_LIMITED = {
    "description": "Te veel verzoeken vanaf dit adres; de header Retry-After zegt hoe lang te wachten",
    **ERROR_CONTENT,
}


def _responses(schema_ref: str) -> dict:
    return {
        "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": schema_ref}}}},
        "400": {"description": "Ongeldige parameter", **ERROR_CONTENT},
        "414": TOO_LONG,
        "429": RATE_LIMITED,
        "503": {"description": "Er is nog geen index", **ERROR_CONTENT},
    }


# long: one OpenAPI document, read top to bottom as the API's description
def openapi_document() -> dict:
    q = _param(
        "q",
        'zoekvraag (woorden, "zinnen", -uitsluiten); leeg geeft geen resultaten',
        {"type": "string", "maxLength": 2000},
        True,
    )
    k = _param("k", "aantal resultaten", {"type": "integer", "minimum": 1, "maximum": 100})
    filters = [
        _param("type", "documenttype (herhaalbaar)", {"type": "string", "enum": list(DOCUMENT_TYPES)}),
        _param("sector", "sector (herhaalbaar)", {"type": "string", "enum": list(SECTORS)}),
        _param("year", "jaar (herhaalbaar)", {"type": "integer", "minimum": 1000, "maximum": 9999}),
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Expertisebank passend onderwijs",
            "version": "1.0.0",
            "description": "Zoeken in publicaties, verslagen en praktijkvoorbeelden over passend onderwijs.",
        },
        "paths": {
            "/api/search": {
                "get": {
                    "summary": "Zoeken in documenten of passages",
                    "parameters": [
                        q,
                        k,
                        _param("page", "resultatenpagina", {"type": "integer", "minimum": 1, "maximum": 1000}),
                        _param(
                            "mode",
                            "een hit per document of per passage",
                            {"type": "string", "enum": ["documents", "passages"]},
                        ),
                        _param("sort", "volgorde", {"type": "string", "enum": ["relevance", "date"]}),
                        *filters,
                    ],
                    "responses": _responses("#/components/schemas/Results"),
                }
            },
            "/api/ask": {
                "get": {
                    "summary": "De passages die een vraag het best beantwoorden",
                    "parameters": [q, k, *filters],
                    "responses": _responses("#/components/schemas/Results"),
                }
            },
            "/api/documents/{id}": {
                "get": {
                    "summary": "Eén document: metadata, koppen, passages en verwante documenten",
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {
                        "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
                        "404": {"description": "Onbekend document", **ERROR_CONTENT},
                        "414": TOO_LONG,
                        "429": RATE_LIMITED,
                        "503": {"description": "Er is nog geen index", **ERROR_CONTENT},
                    },
                }
            },
            "/api/suggest": {
                "get": {
                    "summary": "Aanvullen: titels en veelgebruikte woorden",
                    "parameters": [_param("q", "wat er tot nu toe is getypt", {"type": "string", "maxLength": 2000})],
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "query": {"type": "string"},
                                            "suggestions": {
                                                "type": "array",
                                                "items": {
                                                    "type": "object",
                                                    "properties": {
                                                        "text": {"type": "string"},
                                                        "kind": {"type": "string"},
                                                        "id": {"type": "string"},
                                                    },
                                                },
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        "400": {"description": "Ongeldige parameter", **ERROR_CONTENT},
                        "414": TOO_LONG,
                        "429": RATE_LIMITED,
                        "503": {"description": "Er is nog geen index", **ERROR_CONTENT},
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Gezondheid: index geopend, aantal documenten",
                    "responses": {
                        "200": {"description": "OK", "content": {"application/json": {"schema": HEALTH}}},
                        "503": {"description": "Geen index", "content": {"application/json": {"schema": HEALTH}}},
                    },
                }
            },
        },
        "components": {"schemas": {"Hit": HIT, "Place": PLACE, "Results": RESULTS, "Error": ERROR}},
    }
