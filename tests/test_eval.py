"""The quality harness: the figures must stay above these floors and above the
plain baseline on every kind of query (measured: see README, `make eval`)."""

from __future__ import annotations

import pytest

from tests.eval.harness import KINDS, load_queries, run

FLOOR = {"success@5": 0.95, "mrr@10": 0.80}


@pytest.fixture(scope="module")
def results():
    return run()


def test_there_are_enough_queries_of_every_kind():
    queries = load_queries()
    assert len(queries) >= 30
    assert {q.kind for q in queries} == set(KINDS)


def test_foundation_stays_above_its_floor(results):
    overall = results["foundation"]["table"]["overall"]
    for metric, floor in FLOOR.items():
        assert overall[metric] >= floor, (metric, overall)


def test_foundation_beats_the_baseline_on_every_kind(results):
    for kind in KINDS:
        base = results["baseline"]["table"][kind]
        found = results["foundation"]["table"][kind]
        assert found["success@5"] >= base["success@5"], kind
        assert found["mrr@10"] >= base["mrr@10"], kind
    assert results["foundation"]["table"]["overall"]["mrr@10"] > results["baseline"]["table"]["overall"]["mrr@10"]
