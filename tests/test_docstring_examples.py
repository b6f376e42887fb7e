"""The examples in the docstrings of the analysis, extraction and ranking
modules run as tests: each step of the chain shows, and checks, what it does."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# every module whose docstrings hold an example
MODULES = sorted(
    ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
    for package in ("indexer", "search_app")
    for path in (REPO / package).rglob("*.py")
    if ">>> " in path.read_text(encoding="utf-8")
)


def test_the_modules_with_examples_are_found():
    assert {"indexer.analysis.dutch", "indexer.engine.facets", "indexer.engine.whoosh.snippets"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_the_examples_hold(name):
    failed, tried = doctest.testmod(importlib.import_module(name))
    assert tried and not failed
