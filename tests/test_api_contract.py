"""/api/openapi.json is the truth: Schemathesis (every check, fixed seed)
against the app served by gunicorn finds nothing, and the cases it once
found are pinned here one by one."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from search_app import create_app
from search_app.wsgi_server import ACCESS_LOG_FORMAT, gunicorn_options
from tests.served_site import SiteDidNotStart, served_site

CONFIG = Path(__file__).parent / "contract" / "schemathesis.toml"


@pytest.fixture
def client(demo_index):
    return create_app(
        {"INDEX_DIR": str(demo_index), "TESTING": True, "API_RATE_LIMIT": "off", "QUERY_LOG": "off"}
    ).test_client()


@pytest.fixture(scope="module")
def served(demo_index):
    try:
        with served_site(demo_index, {"EXPERTISEBANK_API_RATE_LIMIT": "off", "EXPERTISEBANK_QUERY_LOG": "off"}) as base:
            yield base
    except SiteDidNotStart as exc:
        pytest.fail(str(exc))


def test_schemathesis_finds_no_failures(served, tmp_path):
    cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if cli is None:
        pytest.skip("schemathesis is not installed (pip install -e '.[dev]')")
    run = subprocess.run(
        [
            cli,
            "--config-file",
            str(CONFIG),
            "run",
            f"{served}/api/openapi.json",
            "--checks",
            "all",
            "--seed",
            "20261201",
            "--max-examples",
            "60",
            "--workers",
            "1",
            "--generation-deterministic",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    tail = run.stdout[-3000:]
    assert run.returncode == 0, tail  # non-zero on any failure
    generated = re.search(r"(\d+) generated", tail)
    assert generated and int(generated.group(1)) >= 100, tail
    assert not re.search(r"\d+ failures?\b", tail.split("SUMMARY")[-1]), tail


def test_an_empty_q_is_valid_and_finds_nothing(client):
    for path in ("/api/search", "/api/ask"):
        response = client.get(path, query_string={"q": "  "})
        assert response.status_code == 200
        body = response.get_json()
        assert body["total"] == 0 and body["hits"] == [] and body["message"]
    assert client.get("/api/ask?q=").get_json()["answered"] is False


def test_a_missing_q_or_an_empty_choice_is_refused(client):
    assert client.get("/api/search").status_code == 400
    assert "'q'" in client.get("/api/ask").get_json()["error"]
    for bad in ("k=", "mode=", "type=", "sector=", "year="):
        response = client.get(f"/api/search?q=school&{bad}")
        assert response.status_code == 400, bad
        assert "mag niet leeg zijn" in response.get_json()["error"]
    assert client.get("/zoeken?q=school&type=&sector=").status_code == 200  # the form's "alle"


def test_405_says_what_is_allowed(client):
    for method, path in (
        ("post", "/api/search"),
        ("delete", "/healthz"),
        ("put", "/zoeken"),
        ("trace", "/api/documents/x"),
    ):
        response = getattr(client, method)(path) if method != "trace" else client.open(path, method="TRACE")
        assert response.status_code == 405
        assert "GET" in response.headers["Allow"].split(", ")


def test_every_status_the_api_gives_is_documented(client):
    spec = client.get("/api/openapi.json").get_json()
    for path in ("/api/search", "/api/ask", "/api/suggest", "/api/documents/{id}"):
        documented = spec["paths"][path]["get"]["responses"]
        assert {"414", "429", "503"} <= set(documented), path
    assert "message" in spec["components"]["schemas"]["Results"]["properties"]


def test_the_server_refuses_long_addresses_with_the_documented_414():
    assert gunicorn_options()["limit_request_line"] == 8190


def test_the_access_log_names_no_visitor():
    assert gunicorn_options()["access_log_format"] == ACCESS_LOG_FORMAT
    for atom in ("%(h)s", "%(a)s", "%(q)s", "%(r)s", "%(u)s", "%(f)s", "{x-forwarded-for}i"):
        assert atom not in ACCESS_LOG_FORMAT
