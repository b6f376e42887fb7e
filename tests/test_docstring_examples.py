"""The examples in the docstrings of the analysis, extraction and ranking
modules run as tests: each step of the chain shows, and checks, what it does."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "indexer.analysis.dutch",
    "indexer.passages.splitter",
    "indexer.passages.duplicates",
    "indexer.search.answer_confidence",
    "indexer.extract.pdf_headings",
    "indexer.extract.pdf_layout",
    "indexer.engine.whoosh.index",
    "search_app.query_log",
]


@pytest.mark.parametrize("name", MODULES)
def test_the_examples_hold(name):
    failed, tried = doctest.testmod(importlib.import_module(name))
    assert tried and not failed
