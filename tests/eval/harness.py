"""Retrieval quality: Success@5 and MRR@10, on a dev part and a test part.

Query sets (one JSON object per line; ``expect`` names texts of which one must
appear in a good hit's heading or passage text):

- ``dev.jsonl``: the 94 queries the ranking was tuned on, by kind. Tune here.
- ``test.jsonl``: queries of the same kinds written before the ranking was
  changed again; reported, never tuned on.
- ``helpdesk.jsonl``: questions as a help-desk caller phrases them, over
  ``../shared/realdocs``; each line says its part (``split``).
- the real Q&A check (:mod:`tests.eval.qa_pages`): 179 government answers
  indexed as pages without their questions, beside the realdocs; a good hit
  is a passage of the asked question's page. Split in two by a hash of the id.

The demo corpus is indexed together with ``../shared/realdocs`` when that
folder is there (queries marked ``"needs": "realdocs"`` and the Q&A check run
only then), so the right passage has to beat real distractors. Configurations,
each on an index built from the same files in the same run:

- ``naive``: pdfplumber ``extract_text``, 120-word windows, Whoosh's stock
  Dutch ``LanguageAnalyzer``, OR queries (:mod:`tests.eval.naive_pipeline`);
- ``baseline``: plain BM25 on the body, all words required;
- ``foundation``: Dutch analysis, BM25F over title, headings and body,
  optional words with coordination, phrases;
- ``product``: what the site runs (``whoosh_index.PRODUCT``).

``reference_ranks.json`` holds the product's ranks as they were before the
current round of ranking work (the commit is named in it), so ``make eval``
can bootstrap the change against it on the very same queries.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from indexer.indexing.run import run_index
from indexer.model import BASELINE, FOUNDATION, PRODUCT, RankingConfig
from indexer.search.service import SearchService
from indexer.sources import document_id
from tests.eval import qa_pages
from tests.eval.bootstrap import paired_bootstrap, reciprocal_rank
from tests.eval.naive_pipeline import NaiveIndex

HERE = Path(__file__).resolve().parent
QUERY_FILES = {"dev": HERE / "dev.jsonl", "test": HERE / "test.jsonl"}
HELPDESK = HERE / "helpdesk.jsonl"
REFERENCE = HERE / "reference_ranks.json"
REPO = HERE.parent.parent
REALDOCS = REPO.parent / "shared" / "realdocs"
NAIVE_CACHE = REPO / "var" / "eval-cache" / "naive"
KINDS = ("keyword", "question", "compound", "abbreviation", "typo", "accents", "inflection", "helpdesk", "qa")
SPLITS = ("dev", "test")
INDEXED = {"naive": None, "baseline": BASELINE, "foundation": FOUNDATION, "product": PRODUCT}


@dataclass
class EvalQuery:
    id: str
    kind: str
    query: str
    expect: list[str] = field(default_factory=list)
    needs: str | None = None  # "realdocs": runs only when ../shared/realdocs is there
    split: str = "dev"
    doc: str | None = None  # the answering document (the Q&A check matches on it)
    collection: str = "corpus"  # "corpus" (demo + realdocs) or "qa" (answer pages + realdocs)


def _read(path: Path, split: str | None) -> list[EvalQuery]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            if split is not None:
                data["split"] = split
            out.append(EvalQuery(**data))
    return out


def load_queries(with_realdocs: bool = True, splits: tuple[str, ...] = SPLITS) -> list[EvalQuery]:
    """The corpus queries of the given parts (dev, test and help-desk)."""
    out = []
    for split, path in QUERY_FILES.items():
        if path.is_file():
            out += _read(path, split)
    if HELPDESK.is_file():
        out += _read(HELPDESK, None)
    return [q for q in out if q.split in splits and (with_realdocs or q.needs != "realdocs")]


def qa_queries(realdocs: Path = REALDOCS) -> list[EvalQuery]:
    return [
        EvalQuery(
            f"qa-{item.id[:12]}",
            "qa",
            item.question,
            split=item.split,
            doc=document_id(item.path),
            collection="qa",
            needs="realdocs",
        )
        for item in qa_pages.load_items(realdocs / "qa")
    ]


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def first_good_rank(hits, q: EvalQuery) -> int | None:
    """Rank (from 1) of the first hit that answers ``q``, or None."""
    wanted = [_norm(e) for e in q.expect]
    for rank, hit in enumerate(hits, start=1):
        if wanted:
            text = _norm(f"{hit.heading or ''} {hit.text}")
            if any(w in text for w in wanted):
                return rank
        elif q.doc is not None and hit.doc_id == q.doc:
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
        self.mrr10 += reciprocal_rank(rank)

    def final(self) -> dict[str, float]:
        return {
            "n": self.n,
            "success@5": self.success5 / self.n if self.n else 0.0,
            "mrr@10": self.mrr10 / self.n if self.n else 0.0,
        }


def table_of(queries: list[EvalQuery], ranks: dict[str, int | None]) -> dict[str, dict[str, float]]:
    """Scores per kind and overall for the queries that have a rank."""
    per_kind: dict[str, Scores] = defaultdict(Scores)
    overall = Scores()
    for q in queries:
        if q.id in ranks:
            per_kind[q.kind].add(ranks[q.id])
            overall.add(ranks[q.id])
    table = {kind: per_kind[kind].final() for kind in KINDS if kind in per_kind}
    table["overall"] = overall.final()
    return table


def product_ranks(service: SearchService, queries: list[EvalQuery], config: RankingConfig) -> dict[str, int | None]:
    return {
        q.id: first_good_rank(service.search(q.query, k=10, mode="passages", config=config).hits, q) for q in queries
    }


def naive_ranks(index: NaiveIndex, queries: list[EvalQuery]) -> dict[str, int | None]:
    return {q.id: first_good_rank(index.search(q.query, k=10), q) for q in queries}


def gather_sources(workdir: Path, source: Path | None, realdocs: Path | None, name: str = "bron") -> Path:
    """One source folder: the demo corpus (when given), plus the realdocs under realdocs/."""
    target = workdir / name
    if source is not None:
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("tools"))
    target.mkdir(parents=True, exist_ok=True)
    if realdocs is not None:
        for sub in ("pdf", "html"):
            shutil.copytree(realdocs / sub, target / "realdocs" / sub)
    return target


QUESTION_KINDS = ("question", "helpdesk", "qa")


def _score_collection(
    source: Path,
    work: Path,
    queries: list[EvalQuery],
    configs: tuple[str, ...],
    naive: bool,
    answered: dict[str, bool] | None = None,
    unanswerable: list[EvalQuery] | None = None,
    semantic: bool = False,
    opensearch: bool = False,
) -> dict[str, dict[str, int | None]]:
    """Build the indexes one collection needs and rank its queries in each
    configuration. With ``answered``, record for the product whether the
    vraagbaak says it has a good answer: to its questions, and to the
    ``unanswerable`` ones (keyed ``"none:" + id``)."""
    cache = work / "extract-cache"
    out: dict[str, dict[str, int | None]] = {}
    roots = {}
    if any(c in configs for c in ("foundation", "product")):
        roots["dutch"] = work / "dutch"
        run_index(source, roots["dutch"], profile="dutch", cache_dir=cache)
    if "baseline" in configs:
        roots["plain"] = work / "plain"
        run_index(source, roots["plain"], profile="plain", cache_dir=cache)
    for name in configs:
        if name == "naive":
            continue
        service = SearchService(roots["plain" if name == "baseline" else "dutch"])
        out[name] = product_ranks(service, queries, INDEXED[name])
        if name == "product" and answered is not None:
            for q in queries:
                if q.kind in QUESTION_KINDS:
                    answered[q.id] = bool(service.ask(q.query, k=5).answered)
            for q in unanswerable or []:
                answered["none:" + q.id] = bool(service.ask(q.query, k=5).answered)
        service.close()
    if opensearch and "product" in configs:
        out["opensearch"] = _opensearch_ranks(source, work / "opensearch", cache, queries)
    if semantic and "product" in configs:
        from tests.eval import dense_eval

        out.update(dense_eval.dense_ranks(roots["dutch"], queries, first_good_rank))
    if naive:
        index = NaiveIndex.build(source, work / "naive", NAIVE_CACHE)
        out["naive"] = naive_ranks(index, queries)
        index.close()
    return out


def _opensearch_ranks(source: Path, root: Path, cache: Path, queries: list[EvalQuery]) -> dict[str, int | None]:
    """The product's ranking on the OpenSearch engine (the cluster that
    ``EXPERTISEBANK_OPENSEARCH_URL`` names), from the same extracted text."""
    from indexer.engine.backend import backend_class
    from indexer.indexing.run import Pipeline

    engine = backend_class("opensearch")
    run_index(source, root, profile="dutch", cache_dir=cache, pipeline=Pipeline(backend=engine))
    service = SearchService(root, backend=engine)
    try:
        return product_ranks(service, queries, PRODUCT)
    finally:
        service.close()


def run(
    source: Path = REPO / "corpus",
    workdir: Path | None = None,
    realdocs: Path | None = REALDOCS,
    splits: tuple[str, ...] = SPLITS,
    qa: bool = True,
    naive: bool = True,
    configs: tuple[str, ...] = ("baseline", "foundation", "product"),
    semantic: bool = False,
    opensearch: bool = False,
) -> dict:
    """Build the indexes and rank every query in every configuration.

    Returns ``{"realdocs": bool, "queries": [...], "ranks": {config: {query id: rank}}}``."""
    use_realdocs = realdocs is not None and realdocs.is_dir()
    queries = load_queries(with_realdocs=use_realdocs, splits=splits)
    qa_set = [q for q in qa_queries(realdocs) if q.split in splits] if qa and use_realdocs else []
    ranks: dict[str, dict[str, int | None]] = defaultdict(dict)
    answered: dict[str, bool] = {}
    with tempfile.TemporaryDirectory(prefix="eval-") as tmp:
        work = Path(workdir or tmp)
        corpus = gather_sources(work / "corpus", source, realdocs if use_realdocs else None)
        # the government questions have no answer in the demo corpus + realdocs
        for name, found in _score_collection(
            corpus, work / "corpus", queries, configs, naive, answered if qa else None, qa_set, semantic, opensearch
        ).items():
            ranks[name].update(found)
        if qa_set:
            qa_source = gather_sources(work / "qa", None, realdocs)
            qa_pages.write_pages(qa_pages.load_items(realdocs / "qa"), qa_source)
            qa_configs = tuple(c for c in configs if c != "baseline")
            for name, found in _score_collection(
                qa_source, work / "qa", qa_set, qa_configs, naive, answered, semantic=semantic, opensearch=opensearch
            ).items():
                ranks[name].update(found)
    return {"realdocs": use_realdocs, "queries": queries + qa_set, "ranks": dict(ranks), "answered": answered}


# -- the reference run --------------------------------------------------------------


def save_reference(results: dict, path: Path = REFERENCE) -> None:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "indexer"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    data = {"commit": commit + ("+uncommitted indexer changes" if dirty else ""), "ranks": results["ranks"]["product"]}
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def load_reference(path: Path = REFERENCE) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


# -- the report ----------------------------------------------------------------------


def _part(queries: list[EvalQuery], split: str, collection: str) -> list[EvalQuery]:
    return [q for q in queries if q.split == split and q.collection == collection]


def _table_lines(title: str, queries: list[EvalQuery], results: dict, names: list[str]) -> list[str]:
    tables = {n: table_of(queries, results["ranks"][n]) for n in names}
    lines = [title, f"  {'kind':<13}{'n':>4}  " + "".join(f"{n[:10] + ' S@5':>15}{n[:10] + ' MRR':>15}" for n in names)]
    for kind in tables[names[-1]]:
        cells = "".join(
            f"{tables[n][kind]['success@5']:>15.3f}{tables[n][kind]['mrr@10']:>15.3f}"
            if kind in tables[n]
            else f"{'':>30}"
            for n in names
        )
        lines.append(f"  {kind:<13}{tables[names[-1]][kind]['n']:>4}  {cells}")
    return lines


def differences(results: dict, queries: list[EvalQuery], reference: dict | None) -> list[tuple[str, str, object]]:
    """(part, comparison, PairedDifference) of the product's MRR@10 against the
    naive pipeline and against the reference ranks, per reported part."""
    out = []
    product = results["ranks"]["product"]
    for label, part in (("test", _part(queries, "test", "corpus")), ("Q&A test", _part(queries, "test", "qa"))):
        if not part:
            continue
        mine = [reciprocal_rank(product[q.id]) for q in part]
        if "naive" in results["ranks"]:
            naive = [reciprocal_rank(results["ranks"]["naive"][q.id]) for q in part]
            out.append((label, "product - naive", paired_bootstrap(mine, naive)))
        if reference is not None:
            known = [q for q in part if q.id in reference["ranks"]]
            if known:
                before = [reciprocal_rank(reference["ranks"][q.id]) for q in known]
                now = [reciprocal_rank(product[q.id]) for q in known]
                out.append((label, f"product - reference ({reference['commit']})", paired_bootstrap(now, before)))
    return out


def answer_check(results: dict, split: str) -> dict[str, float] | None:
    """How well the vraagbaak tells when it has a good answer, on one part:
    questions whose top five hold a right passage should be answered, the
    government questions asked where no answer exists should not."""
    answered = results.get("answered") or {}
    product = results["ranks"]["product"]
    good = [
        answered[q.id]
        for q in results["queries"]
        if q.split == split and q.id in answered and (product.get(q.id) or 99) <= 5
    ]
    missed = [
        answered[q.id]
        for q in results["queries"]
        if q.split == split and q.id in answered and (product.get(q.id) or 99) > 5
    ]
    none = [answered["none:" + q.id] for q in results["queries"] if q.split == split and "none:" + q.id in answered]
    if not good or not none:
        return None
    found = sum(good) / len(good)
    quiet = 1 - sum(none) / len(none)
    return {
        "answerable": len(good),
        "answered": found,
        "without_answer": len(none),
        "said_none": quiet,
        "missed_answered": (sum(missed) / len(missed)) if missed else 0.0,
        "missed": len(missed),
        "balanced": (found + quiet) / 2,
    }


def _answer_lines(results: dict) -> list[str]:
    lines = []
    for split in SPLITS:
        check = answer_check(results, split)
        if check is None:
            continue
        lines.append(
            f"Vraagbaak 'Geen goed antwoord', {split}: answered {check['answered']:.0%} of "
            f"{check['answerable']} questions with a right passage in the top 5; said none for "
            f"{check['said_none']:.0%} of {check['without_answer']} questions without an answer in the "
            f"collection; balanced accuracy {check['balanced']:.3f} (answered {check['missed_answered']:.0%} "
            f"of the {check['missed']} whose top 5 holds no right passage)"
        )
    return lines + ([""] if lines else [])


def semantic_lines(results: dict) -> list[str]:
    """Lexical, dense and hybrid side by side (MRR@10 and Success@5) on dev,
    test and the Q&A halves; the hybrid share chosen on dev; bootstrap
    intervals on the test parts."""
    ranks = results["ranks"]
    if "dense" not in ranks:
        return []
    queries = results["queries"]
    hybrids = sorted(n for n in ranks if n.startswith("hybrid-"))
    dev = _part(queries, "dev", "corpus") + _part(queries, "dev", "qa")
    best = max(hybrids, key=lambda n: (round(table_of(dev, ranks[n])["overall"]["mrr@10"], 6), -float(n[7:])))
    lines = ["RETRIEVAL BY MEANING (vraagbaak ranking: lexical pool of 50 re-ranked by fused scores)"]
    names = ["product", "dense", "rrf", *hybrids]
    parts = [(f"{label}", _part(queries, split, coll)) for split in SPLITS
             for coll, label in (("corpus", split), ("qa", f"Q&A {split}"))]  # fmt: skip
    lines.append(f"  {'config':<12}" + "".join(f"{label + ' MRR':>15}{label[:5] + ' S@5':>11}" for label, _ in parts))
    for name in names:
        cells = ""
        for _label, part in parts:
            t = table_of(part, ranks[name])["overall"] if part else {"mrr@10": 0.0, "success@5": 0.0}
            cells += f"{t['mrr@10']:>15.3f}{t['success@5']:>11.3f}"
        lines.append(f"  {name + (' *' if name == best else ''):<12}{cells}")
    lines.append(f"  * the dense share with the best dev MRR (dev and Q&A dev together): {best[7:]}")
    rrf_dev = table_of(dev, ranks["rrf"])["overall"]["mrr@10"]
    best_dev = table_of(dev, ranks[best])["overall"]["mrr@10"]
    lines.append(f"  dev MRR: weighted fusion {best_dev:.3f}, reciprocal rank fusion (k=60) {rrf_dev:.3f}")
    for label, part in (("test", _part(queries, "test", "corpus")), ("Q&A test", _part(queries, "test", "qa"))):
        if not part:
            continue
        lexical = [reciprocal_rank(ranks["product"][q.id]) for q in part]
        for name in ("dense", best):
            d = paired_bootstrap([reciprocal_rank(ranks[name][q.id]) for q in part], lexical)
            lines.append(f"  {label:<9} {name + ' - lexical':<22} {d}  n={d.n}{'  (gain)' if d.significant else ''}")
    return lines + [""]


def engine_lines(results: dict) -> list[str]:
    """The product's ranking on Whoosh and on OpenSearch, per part, with the
    paired bootstrap of the difference (OpenSearch - Whoosh)."""
    if "opensearch" not in results["ranks"]:
        return []
    whoosh, other = results["ranks"]["product"], results["ranks"]["opensearch"]
    lines = ["ENGINES: the product's ranking on Whoosh and on OpenSearch (same text, same queries)"]
    header = f"  {'part':<10}{'n':>4}  {'Whoosh S@5':>11}{'MRR':>7}  {'OpenSearch S@5':>15}{'MRR':>7}"
    lines.append(header + "  OpenSearch - Whoosh (MRR)")
    for split in SPLITS:
        for collection, label in (("corpus", split), ("qa", f"Q&A {split}")):
            part = [q for q in _part(results["queries"], split, collection) if q.id in other]
            if not part:
                continue
            a = table_of(part, whoosh)["overall"]
            b = table_of(part, other)["overall"]
            diff = paired_bootstrap(
                [reciprocal_rank(other[q.id]) for q in part], [reciprocal_rank(whoosh[q.id]) for q in part]
            )
            lines.append(
                f"  {label:<10}{len(part):>4}  {a['success@5']:>11.3f}{a['mrr@10']:>7.3f}  "
                f"{b['success@5']:>15.3f}{b['mrr@10']:>7.3f}  {diff}"
            )
    for split in SPLITS:
        part = [q for q in _part(results["queries"], split, "corpus") if q.id in other]
        if part:
            a, b = table_of(part, whoosh), table_of(part, other)
            kinds = ", ".join(f"{k} {a[k]['mrr@10']:.2f}/{b[k]['mrr@10']:.2f}" for k in a if k != "overall" and k in b)
            lines.append(f"  {split} MRR by kind (Whoosh/OpenSearch): {kinds}")
    return lines + [""]


def format_report(results: dict, reference: dict | None = None) -> str:
    queries = results["queries"]
    names = [n for n in INDEXED if n in results["ranks"]]
    corpus = "demo corpus + realdocs" if results.get("realdocs") else "demo corpus only (../shared/realdocs absent)"
    lines = [f"Indexed: {corpus}", ""]
    for split, title in (("dev", "DEV (tune on these)"), ("test", "TEST (report only; never tune on these)")):
        part = _part(queries, split, "corpus")
        if part:
            lines += _table_lines(title, part, results, names) + [""]
    qa_names = [n for n in names if n != "baseline"]
    for split in SPLITS:
        part = _part(queries, split, "qa")
        if part:
            lines += _table_lines(
                f"REAL Q&A CHECK, {split} half (179 answers as pages + realdocs)", part, results, qa_names
            ) + [""]
    if reference is not None:
        for split in SPLITS:
            for collection, label in (("corpus", split), ("qa", f"Q&A {split}")):
                part = [q for q in _part(queries, split, collection) if q.id in reference["ranks"]]
                if part:
                    ref = table_of(part, reference["ranks"])["overall"]
                    now = table_of(part, results["ranks"]["product"])["overall"]
                    lines.append(
                        f"  reference {label:<9} S@5 {ref['success@5']:.3f} MRR {ref['mrr@10']:.3f}"
                        f"   ->  now S@5 {now['success@5']:.3f} MRR {now['mrr@10']:.3f}"
                    )
        lines.append("")
    diffs = differences(results, queries, reference)
    if diffs:
        lines.append(
            "Paired bootstrap of MRR@10 (95% interval, 10,000 resamples; a gain counts when the interval is above 0):"
        )
        lines += [
            f"  {label:<9} {name:<45} {d}  n={d.n}{'  (gain)' if d.significant else ''}" for label, name, d in diffs
        ]
        lines.append("")
    lines += _answer_lines(results)
    lines += semantic_lines(results)
    lines += engine_lines(results)
    misses = [
        q
        for q in _part(queries, "dev", "corpus") + _part(queries, "dev", "qa")
        if (results["ranks"]["product"].get(q.id) or 99) > 5
    ]
    if misses:
        lines.append("Dev queries not in the product's top 5:")
        lines += [f"  {q.id:<28} rank {results['ranks']['product'][q.id]}  {q.query}" for q in misses]
    return "\n".join(lines)
