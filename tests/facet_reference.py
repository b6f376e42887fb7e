"""The plain definitions of facet filtering and counting, which
:class:`indexer.engine.facets.FacetTable` must give the same answers as."""

from __future__ import annotations

from indexer.engine.facets import FACETS, year_values


def _facet_values(meta: tuple[str, list[str], tuple[int, ...]]) -> dict[str, list[str]]:
    dtype, sectors, years = meta
    return {"type": [dtype], "sectors": list(sectors), "year": list(year_values(years))}


def passes_filters(meta, filters: dict[str, list], skip: str | None = None) -> bool:
    """Whether a document's (type, sectors, years) pass the filters: any value
    within a facet, every facet (but ``skip``)."""
    values = _facet_values(meta)
    return all(bool(set(values[f]) & {str(v) for v in vs}) for f, vs in filters.items() if vs and f != skip)


def facet_counts_reference(weights: dict[str, int], meta, filters) -> dict[str, dict[str, int]]:
    """Per facet, the summed weights of the documents that pass the other
    facets' filters; a document without metadata counts nowhere."""
    counts: dict[str, dict[str, int]] = {f: {} for f in FACETS}
    for doc_id, weight in weights.items():
        if doc_id not in meta:
            continue
        values = _facet_values(meta[doc_id])
        for facet in FACETS:
            if passes_filters(meta[doc_id], filters or {}, skip=facet):
                for v in values[facet]:
                    counts[facet][v] = counts[facet].get(v, 0) + weight
    return {
        "type": dict(sorted(counts["type"].items(), key=lambda kv: (-kv[1], kv[0]))),
        "sector": dict(sorted(counts["sectors"].items())),
        "year": dict(sorted(counts["year"].items(), reverse=True)),
    }
