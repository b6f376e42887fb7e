"""Passages: an :class:`~indexer.model.ExtractedDocument` in, a list of
:class:`~indexer.model.Passage` out (``splitter``: 50-250 words under one
heading path, short sections joined), and each passage's sketch
(``duplicates``) that finds passages saying the same thing in other
documents.
"""
