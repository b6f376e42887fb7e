"""A query plan as OpenSearch query DSL: the text query, what a generation
sees, the facet filters and the facet aggregations.

In: a :class:`~indexer.model.QueryPlan`, a :class:`~indexer.model.RankingConfig`
and the chosen filters. Out: plain dicts for ``opensearch-py``.

The ranking follows the Whoosh engine's in kind, with OpenSearch's own
scoring: ``cross_fields`` over title, heading and body (one idf per term
across the fields, as ``shared_idf``), a match on a compound's part weighed
by ``compound_boost``, an FAQ's question by ``question_boost``; phrases must
occur, excluded words must not.
"""

from __future__ import annotations

from indexer.model import QueryPlan, RankingConfig

# the facets as the search results name them -> the field that holds them
FACET_FIELDS = {"type": "type", "sector": "sectors", "year": "years"}
# the filters as the search service names them -> the facet
FILTER_FACETS = {"type": "type", "sectors": "sector", "sector": "sector", "year": "year"}
TEXT_FIELDS = ("title", "heading", "body")


def visible_at(generation: int) -> list[dict]:
    """The records a reader at commit ``generation`` sees: added at or before
    it, and not deleted at or before it.

    >>> visible_at(3)[0]
    {'range': {'visible_from': {'lte': 3}}}
    """
    return [
        {"range": {"visible_from": {"lte": generation}}},
        {"bool": {"must_not": {"range": {"visible_until": {"lte": generation}}}}},
    ]


def of_kind(kind: str, generation: int, *more: dict) -> dict:
    return {"bool": {"filter": [{"term": {"kind": kind}}, *visible_at(generation), *more]}}


def _fields(config: RankingConfig) -> list[str]:
    boosts = config.field_boosts
    return [f"{name}^{boosts[name]:g}" for name in TEXT_FIELDS if name in boosts]


def text_query(plan: QueryPlan, config: RankingConfig, profile: str, near: list[str] | None = None) -> dict | None:
    """The scoring part of a search, or None when nothing in the plan can match.
    ``near`` holds index words close to unknown query words (typos), weighed
    by ``typo_boost``."""
    fields = _fields(config)
    must: list[dict] = []
    should: list[dict] = []
    words = " ".join(plan.words)
    if words:
        operator = "and" if config.all_words_required else "or"
        main = {"multi_match": {"query": words, "type": "cross_fields", "fields": fields, "operator": operator}}
        (must if config.all_words_required else should).append(main)
        if profile != "plain" and config.compound_boost:
            should.append({"match": {"parts": {"query": words, "boost": config.compound_boost}}})
        if profile != "plain" and config.question_boost:
            should.append({"match": {"question": {"query": words, "boost": config.question_boost}}})
    if near:
        typo = {"query": " ".join(near), "type": "cross_fields", "fields": fields, "boost": config.typo_boost}
        should.append({"multi_match": typo})
    for phrase in plan.phrases:
        must.append({"multi_match": {"query": " ".join(phrase), "type": "phrase", "fields": fields}})
    if not must and not should:
        return None
    query: dict = {"must": must, "should": should}
    if not must:
        query["minimum_should_match"] = 1
    excluded = [{"multi_match": {"query": w, "fields": list(TEXT_FIELDS), "operator": "or"}} for w in plan.excluded]
    excluded += [
        {"multi_match": {"query": " ".join(p), "type": "phrase", "fields": list(TEXT_FIELDS)}}
        for p in plan.excluded_phrases
    ]
    if excluded:
        query["must_not"] = excluded
    return {"bool": query}


def highlight_query(plan: QueryPlan) -> dict | None:
    """What the snippets mark: the plan's words and phrases in the body."""
    text = " ".join(plan.words + [w for p in plan.phrases for w in p])
    return {"match": {"body": text}} if text.strip() else None


def facet_clauses(filters: dict[str, list] | None) -> dict[str, dict]:
    """facet -> its filter: a document passes with any chosen value.

    >>> facet_clauses({"sectors": ["vo"], "year": [2021], "type": []})
    {'sector': {'terms': {'sectors': ['vo']}}, 'year': {'terms': {'years': ['2021']}}}
    """
    out = {}
    for name, values in (filters or {}).items():
        facet = FILTER_FACETS.get(name)
        if facet and values:
            out[facet] = {"terms": {FACET_FIELDS[facet]: [str(v) for v in values]}}
    return out


def facet_aggregations(clauses: dict[str, dict], documents: bool) -> dict:
    """One aggregation per facet, each under the other facets' filters;
    documents mode counts documents (distinct ``doc_id``), passages mode passages."""
    aggs = {}
    for facet, field in FACET_FIELDS.items():
        others = [c for f, c in clauses.items() if f != facet]
        terms: dict = {"terms": {"field": field, "size": 200}}
        if documents:
            # exact in practice up to a few thousand documents per value, approximate beyond
            # (HyperLogLog++): at 40,000 the per-bucket counting was three quarters of a search
            terms["aggs"] = {"documents": {"cardinality": {"field": "doc_id", "precision_threshold": 3000}}}
        aggs[facet] = {"filter": {"bool": {"filter": others}}, "aggs": {"values": terms}}
    return aggs


def facet_counts(aggregations: dict, documents: bool) -> dict[str, dict[str, int]]:
    out = {}
    for facet in FACET_FIELDS:
        buckets = aggregations[facet]["values"]["buckets"]
        counts = {str(b["key"]): int(b["documents"]["value"] if documents else b["doc_count"]) for b in buckets}
        out[facet] = {k: v for k, v in sorted(counts.items()) if v}
    return out
