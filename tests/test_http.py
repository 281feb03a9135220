"""HTTP/JSON beside gRPC: the routes, their errors as google.rpc.Status JSON with the HTTP status
of google/rpc/code.proto, tokens and probes, against the real server on loopback."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import grpc
import pytest
from aiohttp import web
from google.protobuf import json_format

from wsd_service import ServerConfig, WsdServer
from wsd_service._proto.wsd.v1 import wsd_service_pb2 as pb
from wsd_service._proto.wsd.v1 import wsd_service_pb2_grpc as pb_grpc
from wsd_service._serving.http_server import HttpServer

from .http_calls import Answer, call
from .server_thread import ServerThread
from .waiting import wait_until

TOKEN = "http-test-token"
BANK = "I went to the bank and withdrew some cash."
RIVER = "We had a picnic on the grassy river bank."


def _post(base: str, path: str, payload: Any, **headers: str) -> Answer:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return call(base, "POST", path, body, {"Content-Type": "application/json", **headers})


@pytest.fixture(scope="module")
def served(tiny_index: Path) -> Iterator[ServerThread]:
    thread = ServerThread(
        ServerConfig(index=tiny_index, port=0, http_port=0, max_message_bytes=200_000)
    ).start()
    yield thread
    thread.stop()


@pytest.fixture(scope="module")
def base(served: ServerThread) -> str:
    assert served.server is not None and served.server.http_port
    return f"http://127.0.0.1:{served.server.http_port}"


def test_disambiguate_answers_each_bank(base: str) -> None:
    answer = _post(base, "/v1/disambiguate", {"documents": [{"text": BANK}, {"text": RIVER}]})
    assert answer.status == 200 and answer.headers["Content-Type"].startswith("application/json")
    first, second = answer.json()["documents"]
    assert [t["senses"][0]["senseKey"] for t in first["targets"] if t["text"] == "bank"] == ["bank%1:14:00::"]
    assert [t["senses"][0]["senseKey"] for t in second["targets"] if t["text"] == "bank"] == [
        "bank%1:17:01::"
    ]


def test_curl_as_typed_is_answered(base: str) -> None:
    body = json.dumps({"documents": [{"text": BANK}]}).encode()
    for content_type in ("application/x-www-form-urlencoded", None):  # curl -d's default; none
        headers = {"Content-Type": content_type} if content_type else {}
        answer = call(base, "POST", "/v1/disambiguate", body, headers)
        assert answer.status == 200 and b"bank%1:14:00::" in answer.body


def test_the_json_is_the_proto3_mapping_of_the_grpc_answer(base: str, served: ServerThread) -> None:
    request = {"documents": [{"text": BANK}], "options": {"topK": 3, "includeGlosses": False}}
    over_http = _post(base, "/v1/disambiguate", request).json()
    with grpc.insecure_channel(served.address) as channel:
        message = pb_grpc.WsdServiceStub(channel).Disambiguate(
            pb.DisambiguateRequest(
                documents=[pb.Document(text=BANK)],
                options=pb.DisambiguateOptions(top_k=3, include_glosses=False),
            )
        )
    assert over_http == json_format.MessageToDict(message)


def test_every_other_route(base: str) -> None:
    embedded = _post(base, "/v1/embed", {"text": "the bank", "includeStatic": True}).json()
    assert [w["text"] for w in embedded["words"]] == ["the", "bank"] and embedded["layers"] == [6]
    nearest = _post(
        base, "/v1/nearest-senses", {"document": {"text": "the vibecoding app"}, "topK": 2}
    ).json()
    assert [t["text"] for t in nearest["targets"]] == ["vibecoding", "app"]
    senses = call(base, "GET", "/v1/senses/bank?pos=NOUN&include_vectors=true").json()
    assert len(senses["senses"][0]["vector"]) == 768
    assert senses["lemma"] == "bank" and senses["senses"][0]["senseKey"] == "bank%1:17:01::"
    index = call(base, "GET", "/v1/index").json()
    assert json.loads(index["manifestJson"])["dimension"] == 768


def test_the_stream_answers_in_order_and_goes_on_after_a_bad_line(base: str) -> None:
    lines = [
        json.dumps({"id": "a", "document": {"text": BANK}}),
        "{not json",
        json.dumps({"id": "c", "document": {"text": "   "}}),
        json.dumps({"id": "d", "document": {"text": RIVER}}),
    ]
    body = ("\n".join(lines) + "\n").encode()
    answer = call(base, "POST", "/v1/disambiguate:stream", body, {"Content-Type": "application/x-ndjson"})
    assert answer.status == 200 and answer.headers["Content-Type"] == "application/x-ndjson"
    items = [json.loads(line) for line in answer.body.decode().splitlines()]
    assert [item.get("id", "") for item in items] == ["a", "", "c", "d"]
    assert "result" in items[0] and "result" in items[3]
    assert items[1]["error"]["code"] == 3 and "line 2" in items[1]["error"]["message"]
    assert items[2]["error"]["code"] == 3 and "text is empty" in items[2]["error"]["message"]


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "code", "says"),
    [
        ("/v1/disambiguate", b"{not json", {}, 400, 3, "not a valid DisambiguateRequest"),
        ("/v1/disambiguate", b'{"documentz": []}', {}, 400, 3, "documentz"),
        ("/v1/disambiguate", b'{"documents": [{"text": "\xff\xfe"}]}', {}, 400, 3, "not UTF-8"),
        (
            "/v1/disambiguate",
            b'{"documents": [{"text": "x"}]}',
            {"Content-Type": "text/plain"},
            400,
            3,
            "Content-Type",
        ),
        ("/v1/disambiguate", b'{"documents": []}', {}, 400, 3, "at least one document"),
        (
            "/v1/disambiguate",
            json.dumps({"documents": [{"text": BANK}], "options": {"topK": 101}}).encode(),
            {},
            400,
            3,
            "top_k",
        ),
        (
            "/v1/disambiguate",
            json.dumps({"documents": [{"text": "bank " * 50_000}]}).encode(),
            {},
            413,
            8,
            "message limit",
        ),
        (
            "/v1/disambiguate",
            json.dumps({"documents": [{"text": "bank " * 10_001}]}).encode(),
            {},
            429,
            8,
            "words",
        ),
        (
            "/v1/disambiguate",
            json.dumps({"documents": [{"text": BANK}]}).encode(),
            {"X-Request-Timeout": "soon"},
            400,
            3,
            "X-Request-Timeout",
        ),
        (
            "/v1/disambiguate",
            json.dumps({"documents": [{"text": BANK}]}).encode(),
            {"grpc-timeout": "5 s"},
            400,
            3,
            "grpc-timeout",
        ),
        ("/v1/nowhere", b"{}", {}, 404, 5, "no route"),
    ],
)
def test_bad_requests_get_a_status_that_names_the_problem(
    base: str, path: str, body: bytes, headers: dict[str, str], status: int, code: int, says: str
) -> None:
    answer = call(base, "POST", path, body, {"Content-Type": "application/json", **headers})
    assert answer.status == status, answer.body
    error = answer.json()
    assert error["code"] == code and says in error["message"], error
    assert answer.headers["Content-Type"].startswith("application/json")


def test_a_field_error_carries_its_bad_request_detail(base: str) -> None:
    payload = {"documents": [{"text": BANK}], "options": {"topK": 101}}
    details = _post(base, "/v1/disambiguate", payload).json()["details"]
    types = {d["@type"].rsplit("/", 1)[-1]: d for d in details}
    assert types["google.rpc.ErrorInfo"]["reason"] == "INVALID_INPUT"
    assert types["google.rpc.BadRequest"]["fieldViolations"][0]["field"] == "top_k"


def test_unknown_lemma_is_404_and_a_wrong_method_405(base: str) -> None:
    missing = call(base, "GET", "/v1/senses/xyzzyq")
    assert missing.status == 404 and missing.json()["code"] == 5
    wrong = call(base, "GET", "/v1/disambiguate")
    assert wrong.status == 405 and wrong.json()["code"] == 12


def test_a_deadline_that_cannot_be_met_is_refused_at_once_with_retry_after(base: str) -> None:
    _post(base, "/v1/disambiguate", {"documents": [{"text": BANK}]})  # the encoder's rate measured
    payload = {"documents": [{"text": " ".join([RIVER] * 150)}]}
    answer = _post(base, "/v1/disambiguate", payload, **{"X-Request-Timeout": "0.001"})
    assert answer.status in (429, 504), answer.body
    if answer.status == 429:
        assert int(answer.headers["Retry-After"]) >= 1


def test_probes_and_metrics_label_the_transport(base: str, served: ServerThread) -> None:
    assert call(base, "GET", "/healthz").status == 200
    assert call(base, "GET", "/readyz").json() == {"status": "SERVING"}
    assert served.server is not None
    [family] = served.server.metrics.requests.collect()
    samples = list(family.samples)
    assert any(s.labels["transport"] == "http" and s.labels["method"] == "Disambiguate" for s in samples)


@pytest.fixture(scope="module")
def guarded(tiny_index: Path) -> Iterator[ServerThread]:
    config = ServerConfig(index=tiny_index, port=0, http_port=0, tokens=frozenset({TOKEN}))
    thread = ServerThread(config).start()
    yield thread
    thread.stop()


def test_a_token_protected_server_refuses_http_without_the_token(guarded: ServerThread) -> None:
    assert guarded.server is not None
    base = f"http://127.0.0.1:{guarded.server.http_port}"
    refused = call(base, "GET", "/v1/index")
    assert refused.status == 401 and refused.json()["code"] == 16
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert call(base, "GET", "/v1/index", headers={"Authorization": "Bearer wrong"}).status == 401
    for scheme in ("Bearer", "bearer", "BEARER"):
        assert call(base, "GET", "/v1/index", headers={"Authorization": f"{scheme} {TOKEN}"}).status == 200
    assert call(base, "GET", "/healthz").status == 200 and call(base, "GET", "/readyz").status == 200


def test_grpc_takes_the_scheme_name_in_any_case_too(guarded: ServerThread) -> None:
    with grpc.insecure_channel(guarded.address) as channel:
        stub = pb_grpc.WsdServiceStub(channel)
        info = stub.GetIndexInfo(pb.GetIndexInfoRequest(), metadata=(("authorization", f"bearer {TOKEN}"),))
    assert json.loads(info.manifest_json)["dimension"] == 768


def test_readiness_fails_first_when_draining(tiny_index: Path) -> None:
    thread = ServerThread(ServerConfig(index=tiny_index, port=0, http_port=0)).start()
    try:
        assert thread.server is not None
        server = thread.server
        base = f"http://127.0.0.1:{server.http_port}"
        assert call(base, "GET", "/readyz").status == 200
        thread.call(server.begin_drain)
        not_ready = call(base, "GET", "/readyz")
        assert not_ready.status == 503 and not_ready.headers["Retry-After"] == "1"
        assert call(base, "GET", "/healthz").status == 200
        # Still answering calls until stopped: the balancer stops routing here first.
        assert _post(base, "/v1/disambiguate", {"documents": [{"text": BANK}]}).status == 200
    finally:
        thread.stop()


def test_a_loading_server_is_503_and_a_deadline_that_runs_out_504(tiny_index: Path) -> None:
    thread = ServerThread(ServerConfig(index=tiny_index, port=0, http_port=0)).start(wait_ready=False)
    try:
        assert thread.server is not None
        base = f"http://127.0.0.1:{thread.server.http_port}"
        loading = _post(base, "/v1/disambiguate", {"documents": [{"text": BANK}]})
        assert (
            loading.status == 503
            and loading.json()["code"] == 14
            and int(loading.headers["Retry-After"]) >= 1
        )
        assert call(base, "GET", "/readyz").status == 503 and call(base, "GET", "/healthz").status == 200
        thread.call(thread.server.wait_ready)
        # No encoder rate is known yet, so admission lets it in; the deadline then runs out.
        late = _post(
            base, "/v1/disambiguate", {"documents": [{"text": BANK}]}, **{"X-Request-Timeout": "0.000001"}
        )
        assert late.status == 504 and late.json()["code"] == 4, late.body
    finally:
        thread.stop()


def test_a_request_in_flight_finishes_when_the_server_stops(tiny_index: Path) -> None:
    thread = ServerThread(ServerConfig(index=tiny_index, port=0, http_port=0)).start()
    assert thread.server is not None
    server = thread.server
    base = f"http://127.0.0.1:{server.http_port}"
    documents = [{"text": f"{RIVER} {number}"} for number in range(200)]  # several encoder batches
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pending = pool.submit(_post, base, "/v1/disambiguate", {"documents": documents})
        wait_until(lambda: _batches(server) > 0, "the request's first encoder batch")
        thread.stop(grace=30)
        answer = pending.result(60)
    assert answer.status == 200 and len(answer.json()["documents"]) == 200
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(base + "/healthz", timeout=5)


def _batches(server: WsdServer) -> float:
    [family] = server.metrics.batch_size.collect()
    return next(s.value for s in family.samples if s.name.endswith("_count"))


def test_refusals_name_when_to_retry_only_when_a_retry_can_succeed(base: str) -> None:
    too_many_words = _post(base, "/v1/disambiguate", {"documents": [{"text": "bank " * 10_001}]})
    too_big = _post(base, "/v1/disambiguate", {"documents": [{"text": "bank " * 50_000}]})
    assert (too_many_words.status, too_big.status) == (429, 413)
    assert "Retry-After" not in too_many_words.headers and "Retry-After" not in too_big.headers
    wrong_method = call(base, "GET", "/v1/disambiguate")
    assert wrong_method.status == 405 and wrong_method.headers["Allow"] == "POST"
    zero = _post(base, "/v1/disambiguate", {"documents": [{"text": BANK}]}, **{"grpc-timeout": "0m"})
    assert zero.status == 400 and "grpc-timeout" in zero.json()["message"]


def test_a_stream_line_over_the_message_limit_ends_the_stream_with_its_error(base: str) -> None:
    lines = [
        json.dumps({"id": "a", "document": {"text": BANK}}),
        json.dumps({"id": "b", "document": {"text": "x" * 300_000}}),
    ]
    body = ("\n".join(lines) + "\n").encode()
    answer = call(base, "POST", "/v1/disambiguate:stream", body, {"Content-Type": "application/x-ndjson"})
    items = [json.loads(line) for line in answer.body.decode().splitlines()]
    assert answer.status == 200 and "result" in items[0]
    assert items[-1]["error"]["code"] == 3 and "over the message limit" in items[-1]["error"]["message"]


def test_an_authorization_header_that_is_not_utf8_is_401(guarded: ServerThread) -> None:
    assert guarded.server is not None
    with socket.create_connection(("127.0.0.1", guarded.server.http_port), timeout=30) as connection:
        head = b"GET /v1/index HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe\r\n"
        connection.sendall(head + b"Connection: close\r\n\r\n")
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 401"), reply[:200]


def test_stop_gives_a_request_in_flight_only_the_grace() -> None:
    """A handler still running when the grace is over is cut off: stop returns in about the
    grace, not the runner's default shutdown timeout."""

    async def run() -> None:
        started = asyncio.Event()

        async def slow(request: web.Request) -> web.Response:
            started.set()
            await asyncio.sleep(60)
            return web.Response(text="too late")

        app = web.Application()
        app.router.add_get("/slow", slow)
        server = HttpServer(app)
        port = await server.start("127.0.0.1", 0, None)
        async with aiohttp.ClientSession() as session:
            request = asyncio.ensure_future(session.get(f"http://127.0.0.1:{port}/slow"))
            await asyncio.wait_for(started.wait(), 10)
            began = time.monotonic()
            await server.stop(0.2)
            assert time.monotonic() - began < 5
            with pytest.raises(aiohttp.ClientError):
                await request

    asyncio.run(run())
