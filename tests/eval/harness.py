"""Retrieval quality: Success@5 and MRR@10 per kind of query.

Each query in ``queries.jsonl`` names texts of which one must appear in a good
hit (its heading or passage text). The demo corpus is indexed together with
``../shared/realdocs`` when that folder is there (queries marked
``"needs": "realdocs"`` run only then), so the right passage has to beat
real distractors. Three configurations run in the same run, on indexes built
from the same files:

- ``baseline``: plain BM25 on the body, words only lower-cased, all words
  required (what a stock engine does out of the box);
- ``foundation``: the first release (Dutch analysis, BM25F over title,
  headings and body, optional words with coordination, phrases);
- ``product``: the foundation plus compound parts, abbreviations and
  synonyms, typo tolerance, FAQ question matching and newer-first.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from indexer.index_run import run_index
from indexer.search_service import SearchService
from indexer.whoosh_index import BASELINE, FOUNDATION, PRODUCT, RankingConfig

HERE = Path(__file__).resolve().parent
QUERIES = HERE / "queries.jsonl"
REPO = HERE.parent.parent
REALDOCS = REPO.parent / "shared" / "realdocs"
KINDS = ("keyword", "question", "compound", "abbreviation", "typo", "accents", "inflection")
CONFIGS = (("baseline", BASELINE), ("foundation", FOUNDATION), ("product", PRODUCT))


@dataclass
class EvalQuery:
    id: str
    kind: str
    query: str
    expect: list[str]
    needs: str | None = None  # "realdocs": runs only when ../shared/realdocs is there


def load_queries(path: Path = QUERIES, with_realdocs: bool = True) -> list[EvalQuery]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            q = EvalQuery(**json.loads(line))
            if with_realdocs or q.needs != "realdocs":
                out.append(q)
    return out


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def first_good_rank(hits, expect: list[str]) -> int | None:
    wanted = [_norm(e) for e in expect]
    for rank, hit in enumerate(hits, start=1):
        text = _norm(f"{hit.heading or ''} {hit.text}")
        if any(w in text for w in wanted):
            return rank
    return None


@dataclass
class Scores:
    n: int = 0
    success5: float = 0.0
    mrr10: float = 0.0

    def add(self, rank: int | None) -> None:
        self.n += 1
        if rank is not None and rank <= 5:
            self.success5 += 1
        if rank is not None and rank <= 10:
            self.mrr10 += 1 / rank

    def final(self) -> dict[str, float]:
        return {"n": self.n, "success@5": self.success5 / self.n if self.n else 0.0,
                "mrr@10": self.mrr10 / self.n if self.n else 0.0}


def evaluate(service: SearchService, queries: list[EvalQuery], config: RankingConfig) -> tuple[dict, dict]:
    """Per-kind and overall scores, plus each query's rank of its first good hit."""
    per_kind: dict[str, Scores] = defaultdict(Scores)
    overall = Scores()
    ranks: dict[str, int | None] = {}
    for q in queries:
        response = service.search(q.query, k=10, mode="passages", config=config)
        rank = first_good_rank(response.hits, q.expect)
        ranks[q.id] = rank
        per_kind[q.kind].add(rank)
        overall.add(rank)
    table = {kind: per_kind[kind].final() for kind in sorted(per_kind, key=lambda k: (KINDS + (k,)).index(k))}
    table["overall"] = overall.final()
    return table, ranks


def gather_sources(workdir: Path, source: Path, realdocs: Path | None) -> Path:
    """One source folder: the demo corpus, plus the realdocs under realdocs/."""
    target = workdir / "bron"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("tools"))
    if realdocs is not None:
        for sub in ("pdf", "html"):
            shutil.copytree(realdocs / sub, target / "realdocs" / sub)
    return target


def build_indexes(source: Path, workdir: Path) -> dict[str, Path]:
    """The Dutch index (foundation and product share it) and the plain one;
    the extraction cache is shared, so each file is parsed once."""
    roots = {"dutch": workdir / "dutch", "plain": workdir / "plain"}
    cache = workdir / "extract-cache"
    run_index(source, roots["dutch"], profile="dutch", cache_dir=cache)
    run_index(source, roots["plain"], profile="plain", cache_dir=cache)
    return {"baseline": roots["plain"], "foundation": roots["dutch"], "product": roots["dutch"]}


def run(source: Path = REPO / "corpus", workdir: Path | None = None, realdocs: Path | None = REALDOCS) -> dict:
    """Build the indexes and score every configuration on every query."""
    use_realdocs = realdocs is not None and realdocs.is_dir()
    queries = load_queries(with_realdocs=use_realdocs)
    with tempfile.TemporaryDirectory(prefix="eval-") as tmp:
        work = Path(workdir or tmp)
        roots = build_indexes(gather_sources(work, source, realdocs if use_realdocs else None), work)
        results: dict = {"realdocs": use_realdocs}
        for name, config in CONFIGS:
            service = SearchService(roots[name])
            table, ranks = evaluate(service, queries, config)
            service.close()
            results[name] = {"table": table, "ranks": ranks}
    results["queries"] = queries
    return results


def format_report(results: dict) -> str:
    names = [n for n, _ in CONFIGS if n in results]
    kinds = list(results[names[0]]["table"])
    corpus = "demo corpus + realdocs" if results.get("realdocs") else "demo corpus only (../shared/realdocs absent)"
    lines = [f"Indexed: {corpus}", "",
             f"{'kind':<13}{'n':>4}  " + "".join(f"{n[:10] + ' S@5':>15}{n[:10] + ' MRR':>15}" for n in names)]
    for kind in kinds:
        cells = "".join(f"{results[n]['table'][kind]['success@5']:>15.3f}{results[n]['table'][kind]['mrr@10']:>15.3f}"
                        for n in names)
        lines.append(f"{kind:<13}{results[names[0]]['table'][kind]['n']:>4}  {cells}")
    best = names[-1]
    misses = [q for q in results["queries"] if (results[best]["ranks"][q.id] or 99) > 5]
    if misses:
        lines += ["", f"Not in the top 5 ({best}):"]
        lines += [f"  {q.id:<28} rank {results[best]['ranks'][q.id]}  {q.query}" for q in misses]
    return "\n".join(lines)
