"""Engines: records and passages in, ranked hits out. ``backend`` is the
:class:`~indexer.engine.backend.SearchBackend` protocol everything above
speaks, and picks an engine by name; ``whoosh`` is the default engine.
``facets``, ``reranking`` and the spelling tables are shared by every engine.
"""
