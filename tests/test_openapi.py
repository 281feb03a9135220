"""The OpenAPI document: generated from the proto and the routes, valid, fresh, served."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from wsd_service import ServerConfig
from wsd_service._serving.http_app import OPENAPI, RPC_ROUTES

from .server_thread import ServerThread

ROOT = Path(__file__).resolve().parents[1]


def test_the_document_is_valid_openapi_3_1() -> None:
    document = json.loads(OPENAPI.read_text(encoding="utf-8"))
    validate(document)
    assert document["openapi"] == "3.1.0"


def test_the_document_is_what_the_proto_and_the_routes_generate() -> None:
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_openapi.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr


def test_every_route_is_documented_with_the_proto_comments() -> None:
    paths = json.loads(OPENAPI.read_text(encoding="utf-8"))["paths"]
    for route in RPC_ROUTES:
        operation = paths[route.path][route.method.lower()]
        assert operation["operationId"] == route.rpc and operation["description"]
    schemas = json.loads(OPENAPI.read_text(encoding="utf-8"))["components"]["schemas"]
    top_k = schemas["wsd.v1.DisambiguateOptions"]["properties"]["topK"]
    assert top_k["description"] == "Senses per target; 0 means 1; at most the server's limit."


@pytest.fixture(scope="module")
def served(tiny_index: Path) -> Iterator[ServerThread]:
    thread = ServerThread(ServerConfig(index=tiny_index, port=0, http_port=0)).start()
    yield thread
    thread.stop()


def test_the_server_serves_the_document_and_every_route_it_has_is_in_it(served: ServerThread) -> None:
    assert served.server is not None
    with urllib.request.urlopen(
        f"http://127.0.0.1:{served.server.http_port}/openapi.json", timeout=30
    ) as answer:
        served_document = json.loads(answer.read())
    assert served_document == json.loads(OPENAPI.read_text(encoding="utf-8"))
    documented = {path for path in served_document["paths"]}
    assert {route.path for route in RPC_ROUTES} | {"/healthz", "/readyz"} <= documented
