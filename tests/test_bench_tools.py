"""The benchmark's own tools: a fixed query mix and the results file's sections."""

from bench import results_file
from bench.query_mix import query_mix


def test_query_mix_is_fixed_distinct_and_mixed():
    a, b = query_mix(200), query_mix(200)
    assert a == b
    keys = {(q.text, tuple(sorted((k, tuple(v)) for k, v in q.filters.items()))) for q in a}
    assert len(keys) == 200
    kinds = {q.kind for q in a}
    assert kinds == {"keyword", "question", "filter"}
    filtered = [q for q in a if q.filters]
    assert filtered and all(q.kind == "filter" for q in filtered)
    params = filtered[0].params()
    assert params["q"] == filtered[0].text and len(params) == 2


def test_each_tool_rewrites_only_its_own_section(tmp_path, monkeypatch):
    monkeypatch.setattr(results_file, "RESULTS", tmp_path / "RESULTS.md")
    results_file.write_section("bench", "bench one")
    results_file.write_section("loadtest", "load one")
    results_file.write_section("bench", "bench two")
    text = (tmp_path / "RESULTS.md").read_text()
    assert "bench two" in text and "bench one" not in text and "load one" in text
    assert text.index("bench two") < text.index("load one")


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert results_file.percentile(values, 50) == 50
    assert results_file.percentile(values, 95) == 95
    assert results_file.percentile(values, 99) == 99
    assert results_file.percentile([7.0], 95) == 7.0
