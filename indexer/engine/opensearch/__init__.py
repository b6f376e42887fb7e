"""The OpenSearch engine: the same product on a cluster of machines.

In: documents and passages from an indexing run, query plans from the
search service. Out: the same :class:`~indexer.model.EngineResult` s as the
Whoosh engine, from an OpenSearch index (one per generation) reached over
HTTP with ``opensearch-py``.

- :mod:`.settings`: index settings and mappings built from this project's
  analysis (stop words, Snowball Dutch, accent folding, the compound word
  list for ``dictionary_decompounder``, the thesaurus as ``synonym_graph``);
- :mod:`.queries`: a query plan as query DSL, filters and facet aggregations;
- :mod:`.index`: :class:`~.index.OpenSearchIndex`, the backend, and its writer.
"""
