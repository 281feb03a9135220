"""Malformed and hostile requests over the wire: each gets its status code and a message that
names the problem; none crashes the server or gets INTERNAL; valid work alongside still answers."""

from __future__ import annotations

import concurrent.futures
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import json_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wsd_service import LimitsConfig, ServerConfig
from wsd_service._proto.wsd.v1 import wsd_service_pb2 as pb
from wsd_service._proto.wsd.v1 import wsd_service_pb2_grpc as pb_grpc
from wsd_service._serving.http_status import HTTP_STATUS

from .http_calls import call
from .server_thread import ServerThread

LIMITS = LimitsConfig(max_documents=16, max_words=2000, max_chars=20_000, max_top_k=50)
MAX_MESSAGE = 2 * 1024 * 1024
OK = grpc.StatusCode.OK
INVALID = grpc.StatusCode.INVALID_ARGUMENT
EXHAUSTED = grpc.StatusCode.RESOURCE_EXHAUSTED


@pytest.fixture(scope="module")
def server(tiny_index: Path) -> Iterator[ServerThread]:
    config = ServerConfig(index=tiny_index, port=0, http_port=0, limits=LIMITS, max_message_bytes=MAX_MESSAGE)
    thread = ServerThread(config).start()
    yield thread
    thread.stop()


@pytest.fixture(scope="module")
def channel(server: ServerThread) -> Iterator[grpc.Channel]:
    options = [("grpc.max_send_message_length", 8 * MAX_MESSAGE)]
    with grpc.insecure_channel(server.address, options=options) as opened:
        yield opened


# 1,500 words x 384 dimensions x 4 bytes x 2 (static too): 4.6 MB, over the 2 MiB limit
EMBED_TOO_BIG = pb.EmbedRequest(text="bank " * 1500, include_static=True)


def _text(*texts: str, top_k: int = 1, targets: tuple[int, ...] = ()) -> pb.DisambiguateRequest:
    return pb.DisambiguateRequest(
        documents=[pb.Document(text=t, target_indexes=list(targets)) for t in texts],
        options=pb.DisambiguateOptions(top_k=top_k),
    )


# 1,900 targets x the 10 senses of "bank" with glosses: about 2.4 MB
SENSES_TOO_BIG = pb.DisambiguateRequest(
    documents=[pb.Document(text="bank " * 1900)],
    options=pb.DisambiguateOptions(top_k=50, include_glosses=True),
)


def _nearest(text: str, top_k: int = 0) -> pb.NearestSensesRequest:
    return pb.NearestSensesRequest(document=pb.Document(text=text), top_k=top_k, include_glosses=True)


# 1,000 target words x 50 senses, each bounded by the index's widest gloss: over 2 MiB
NEAREST_TOO_BIG = _nearest("bank " * 1000, top_k=50)


def _tokens(*tokens: pb.Token, targets: tuple[int, ...] = ()) -> pb.DisambiguateRequest:
    document = pb.Document(tokens=pb.TokenList(tokens=list(tokens)), target_indexes=list(targets))
    return pb.DisambiguateRequest(documents=[document])


def _pos(value: int) -> pb.Token:
    token = pb.Token(text="bank", lemma="bank")
    token.pos = value  # type: ignore[assignment]  # an enum value this server does not know
    return token


def _lookup_pos(value: int) -> pb.LookupSensesRequest:
    request = pb.LookupSensesRequest(lemma="bank")
    request.pos = value  # type: ignore[assignment]
    return request


def _varint(value: int) -> bytes:
    out = bytearray()
    value &= (1 << 64) - 1
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _negative_top_k() -> bytes:
    """top_k = -1 as an int64 varint would be sent by a client with another schema."""
    options = b"\x08" + _varint(-1)
    document = b"\x0a" + _varint(8) + b"the bank"
    return b"\x0a" + _varint(len(document)) + document + b"\x12" + _varint(len(options)) + options


def _invalid_utf8() -> bytes:
    document = b"\x0a\x04b\xffnk"
    return b"\x0a" + _varint(len(document)) + document


def _unknown_field() -> bytes:
    known: bytes = _text("the bank").SerializeToString()
    return known + b"\xf8\x06\x01"  # field 111, varint 1


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    request: Any  # a message, or raw bytes sent as they are
    code: grpc.StatusCode
    words: str = ""  # the error message must contain these


RIVER = "the river bank"
CASES = [
    Case("no documents", "Disambiguate", pb.DisambiguateRequest(), INVALID, "documents"),
    Case("empty text", "Disambiguate", _text(""), INVALID, "document 0: text is empty"),
    Case("whitespace-only text", "Disambiguate", _text(" \t\n\u3000 "), INVALID, "text is empty"),
    Case(
        "document without content",
        "Disambiguate",
        pb.DisambiguateRequest(documents=[pb.Document()]),
        INVALID,
        "documents[0]",
    ),
    Case("1 MB text", "Disambiguate", _text("bank " * 200_000), EXHAUSTED, "characters"),
    Case(
        "10,000 words in one sentence", "Disambiguate", _text("x " * 10_000), EXHAUSTED, "the limit is 2000"
    ),
    Case("3,000 documents", "Disambiguate", _text(*["bank"] * 3000), EXHAUSTED, "the limit is 16"),
    Case("message over the size limit", "Disambiguate", _text("b" * (MAX_MESSAGE + 10)), EXHAUSTED),
    Case("control characters", "Disambiguate", _text("the\x00 river\x07 bank\x1b[31m"), OK),
    Case("zero-width characters", "Disambiguate", _text("the ri\u200bver \u200d\ufeffbank"), OK),
    Case("combining characters", "Disambiguate", _text("the rive\u0301r ba\u0308nk"), OK),
    Case("emoji", "Disambiguate", _text("🏦 the river bank 💰👩‍👩‍👧"), OK),
    Case(
        "right-to-left text",
        "Disambiguate",
        _text("\u202e\u0627\u0644\u0628\u0646\u0643 the river bank \u05d1\u05e0\u05e7"),
        OK,
    ),
    Case("non-Latin scripts only", "Disambiguate", _text("银行 банк बैंक"), OK),
    Case("one 19,000-character word", "Disambiguate", _text("b" * 19_000), OK),
    Case("invalid UTF-8", "Disambiguate", _invalid_utf8(), INVALID, "not a valid DisambiguateRequest"),
    Case("bytes that are not protobuf", "Disambiguate", b"\xff\xff\xff\xff", INVALID, "not a valid"),
    Case("unknown field", "Disambiguate", _unknown_field(), OK),
    Case(
        "token with lemma but no text",
        "Disambiguate",
        _tokens(pb.Token(lemma="bank")),
        INVALID,
        "documents[0].tokens.tokens[0].text",
    ),
    Case(
        "token of whitespace only",
        "Disambiguate",
        _tokens(pb.Token(text="  ")),
        INVALID,
        "documents[0].tokens.tokens[0].text",
    ),
    Case("empty token list", "Disambiguate", _tokens(), INVALID, "tokens are empty"),
    Case("10,000 tokens", "Disambiguate", _tokens(*[pb.Token(text="x")] * 10_000), EXHAUSTED, "2000"),
    Case("target index out of range", "Disambiguate", _text(RIVER, targets=(9,)), INVALID, "target index 9"),
    Case(
        "target index repeated",
        "Disambiguate",
        _text(RIVER, targets=(2, 2)),
        INVALID,
        "target index 2 is repeated",
    ),
    Case(
        "token target out of range",
        "Disambiguate",
        _tokens(pb.Token(text="bank"), targets=(1,)),
        INVALID,
        "target index 1",
    ),
    Case("unknown POS value", "Disambiguate", _tokens(_pos(99)), INVALID, "unknown PartOfSpeech value 99"),
    Case(
        "a POS the lemma lacks, as a target (answered: no senses)",
        "Disambiguate",
        _tokens(pb.Token(text="bank", lemma="bank", pos=pb.PART_OF_SPEECH_ADV, target=True)),
        OK,
    ),
    Case("unknown lemma as a target", "Disambiguate", _tokens(pb.Token(text="xyzzyq", target=True)), OK),
    Case("top_k 0 means 1", "Disambiguate", _text(RIVER, top_k=0), OK),
    Case("top_k over the limit", "Disambiguate", _text(RIVER, top_k=51), INVALID, "top_k"),
    Case("top_k huge", "Disambiguate", _text(RIVER, top_k=2**32 - 1), INVALID, "top_k"),
    Case("top_k negative (another schema)", "Disambiguate", _negative_top_k(), INVALID, "top_k"),
    Case(
        "unknown lemma",
        "LookupSenses",
        pb.LookupSensesRequest(lemma="xyzzyq"),
        grpc.StatusCode.NOT_FOUND,
        "xyzzyq",
    ),
    Case("empty lemma", "LookupSenses", pb.LookupSensesRequest(lemma=" "), INVALID, "lemma"),
    Case(
        "10,000-character lemma",
        "LookupSenses",
        pb.LookupSensesRequest(lemma="q" * 10_000),
        grpc.StatusCode.NOT_FOUND,
        "qqq",
    ),
    Case("unknown POS in LookupSenses", "LookupSenses", _lookup_pos(42), INVALID, "pos"),
    Case("embed without content", "Embed", pb.EmbedRequest(), INVALID, "content"),
    Case("embed layer out of range", "Embed", pb.EmbedRequest(text="bank", layers=[7]), INVALID, "layer 7"),
    Case("embed 10,000 words", "Embed", pb.EmbedRequest(text="x " * 10_000), EXHAUSTED, "2000"),
    Case("embed whitespace only", "Embed", pb.EmbedRequest(text="\n\n"), INVALID, "empty"),
    Case(
        "one token hiding 20,000 words",
        "Disambiguate",
        _tokens(pb.Token(text="x " * 20_000)),
        EXHAUSTED,
        "20000 words (token texts split at spaces); the limit is 2000",
    ),
    Case("embed answer over the message limit", "Embed", EMBED_TOO_BIG, EXHAUSTED, "send fewer words"),
    Case("ranked senses over the message limit", "Disambiguate", SENSES_TOO_BIG, EXHAUSTED, "smaller top_k"),
    Case("nearest without a document", "NearestSenses", pb.NearestSensesRequest(), INVALID, "document"),
    Case("nearest top_k over the limit", "NearestSenses", _nearest("bank", top_k=51), INVALID, "top_k"),
    Case("nearest empty text", "NearestSenses", _nearest(" "), INVALID, "text is empty"),
    Case("nearest 10,000 words", "NearestSenses", _nearest("x " * 10_000), EXHAUSTED, "the limit is 2000"),
    Case("nearest unknown word", "NearestSenses", _nearest("xyzzyq"), OK),
    Case("nearest punctuation only", "NearestSenses", _nearest("?!"), OK),
    Case("nearest answer over the limit", "NearestSenses", NEAREST_TOO_BIG, EXHAUSTED, "smaller top_k"),
]


def _caller(channel: grpc.Channel, method: str, raw: bool) -> Callable[..., Any]:
    responses: dict[str, Any] = {
        "Disambiguate": pb.DisambiguateResponse,
        "LookupSenses": pb.LookupSensesResponse,
        "Embed": pb.EmbedResponse,
        "NearestSenses": pb.NearestSensesResponse,
    }
    serialise = (lambda b: b) if raw else (lambda m: m.SerializeToString())
    call: Callable[..., Any] = channel.unary_unary(
        f"/wsd.v1.WsdService/{method}",
        request_serializer=serialise,
        response_deserializer=responses[method].FromString,
    )
    return call


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_matrix(channel: grpc.Channel, case: Case) -> None:
    call = _caller(channel, case.method, isinstance(case.request, bytes))
    try:
        call(case.request, timeout=60)
        code, details = OK, ""
    except grpc.RpcError as error:
        code, details = error.code(), error.details() or ""
    assert (code, case.words in details) == (case.code, True), details[:300]
    assert len(details) < 1000  # a message names the problem; it does not echo the input


def test_matrix_has_thirty_cases() -> None:
    assert len(CASES) >= 30


def test_answers_over_the_message_limit_are_refused_before_encoding(
    server: ServerThread, channel: grpc.Channel
) -> None:
    assert server.server is not None
    registry = server.server.metrics.registry
    batches = registry.get_sample_value("wsd_encoder_batch_sentences_count")
    for method, request in (
        ("Disambiguate", SENSES_TOO_BIG),
        ("Embed", EMBED_TOO_BIG),
        ("NearestSenses", NEAREST_TOO_BIG),
    ):
        with pytest.raises(grpc.RpcError) as refused:
            _caller(channel, method, raw=False)(request, timeout=60)
        assert refused.value.code() == EXHAUSTED
    assert registry.get_sample_value("wsd_encoder_batch_sentences_count") == batches  # nothing encoded
    fits = pb.DisambiguateRequest(
        documents=[pb.Document(text="bank " * 300)], options=pb.DisambiguateOptions(top_k=50)
    )
    response = _caller(channel, "Disambiguate", raw=False)(fits, timeout=60)
    assert len(response.documents[0].targets) == 300


def test_bad_requests_do_not_disturb_valid_ones_in_the_same_batch(channel: grpc.Channel) -> None:
    stub = pb_grpc.WsdServiceStub(channel)
    good = [_text(f"the river bank number {n}") for n in range(12)]
    bad = [c.request for c in CASES if c.code != OK and not isinstance(c.request, bytes)][:12]

    def send(request: pb.DisambiguateRequest | Any) -> grpc.StatusCode:
        try:
            stub.Disambiguate(request, timeout=60)
            return OK
        except grpc.RpcError as error:
            return error.code()

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        codes = list(pool.map(send, [r for pair in zip(good, bad, strict=False) for r in pair]))
    assert codes[0::2] == [OK] * len(good)


_tokens_strategy = st.lists(
    st.builds(
        pb.Token,
        text=st.text(max_size=12),
        lemma=st.text(max_size=8),
        pos=st.sampled_from([0, 1, 2, 3, 4]),
        target=st.booleans(),
    ),
    max_size=6,
)
_documents = st.one_of(
    st.builds(lambda t, ix: pb.Document(text=t, target_indexes=ix), st.text(max_size=60),
              st.lists(st.integers(0, 12), max_size=3)),
    st.builds(lambda ts, ix: pb.Document(tokens=pb.TokenList(tokens=ts), target_indexes=ix), _tokens_strategy,
              st.lists(st.integers(0, 8), max_size=3)),
)  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    documents=st.lists(_documents, max_size=4),
    top_k=st.integers(0, 2**32 - 1),
    glosses=st.booleans(),
)
def test_fuzzed_requests_never_get_internal(
    channel: grpc.Channel, documents: list[pb.Document], top_k: int, glosses: bool
) -> None:
    request = pb.DisambiguateRequest(
        documents=documents, options=pb.DisambiguateOptions(top_k=top_k, include_glosses=glosses)
    )
    try:
        pb_grpc.WsdServiceStub(channel).Disambiguate(request, timeout=60)
    except grpc.RpcError as error:
        assert error.code() in (INVALID, EXHAUSTED), (error.code(), error.details())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200))
def test_fuzzed_bytes_never_get_internal(channel: grpc.Channel, raw: bytes) -> None:
    try:
        _caller(channel, "Disambiguate", raw=True)(raw, timeout=60)
    except grpc.RpcError as error:
        assert error.code() in (INVALID, EXHAUSTED), (error.code(), error.details())


# -- the same matrix and fuzzing over HTTP/JSON ---------------------------------------------

_ROUTES = {"Disambiguate": "/v1/disambiguate", "Embed": "/v1/embed", "NearestSenses": "/v1/nearest-senses"}


def _http(
    server: ServerThread, method: str, path: str, body: bytes | None = None
) -> tuple[int, dict[str, Any]]:
    assert server.server is not None
    headers = {"Content-Type": "application/json"} if body is not None else {}
    answer = call(f"http://127.0.0.1:{server.server.http_port}", method, path, body, headers)
    return answer.status, answer.json()


def _over_http(server: ServerThread, case: Case) -> tuple[int, dict[str, Any]]:
    if case.method == "LookupSenses":
        query = json_format.MessageToDict(case.request)
        lemma = urllib.parse.quote(query.pop("lemma", ""), safe="")
        return _http(server, "GET", f"/v1/senses/{lemma}?{urllib.parse.urlencode(query)}")
    body = (
        case.request if isinstance(case.request, bytes) else json_format.MessageToJson(case.request).encode()
    )
    return _http(server, "POST", _ROUTES[case.method], body)


def _http_status(case: Case) -> int:
    # A request over the message limit is refused by gRPC's transport; over HTTP it is a 413.
    if case.code == EXHAUSTED and len(_bytes(case)) > MAX_MESSAGE:
        return 413
    return HTTP_STATUS[case.code.name]


def _bytes(case: Case) -> bytes:
    return case.request if isinstance(case.request, bytes) else case.request.SerializeToString()


# Raw bytes are a gRPC framing matter; over HTTP they are a body that is not JSON (tested below).
HTTP_CASES = [c for c in CASES if not isinstance(c.request, bytes)]


@pytest.mark.parametrize("case", HTTP_CASES, ids=[c.name for c in HTTP_CASES])
def test_bad_input_matrix_over_http(server: ServerThread, case: Case) -> None:
    status, answer = _over_http(server, case)
    assert status == _http_status(case), answer
    if status != 200:
        assert case.words in answer["message"] and len(answer["message"]) < 1000, answer


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(documents=st.lists(_documents, max_size=4), top_k=st.integers(0, 2**32 - 1), glosses=st.booleans())
def test_fuzzed_json_never_gets_internal(
    server: ServerThread, documents: list[pb.Document], top_k: int, glosses: bool
) -> None:
    request = pb.DisambiguateRequest(
        documents=documents, options=pb.DisambiguateOptions(top_k=top_k, include_glosses=glosses)
    )
    status, answer = _http(server, "POST", "/v1/disambiguate", json_format.MessageToJson(request).encode())
    assert status in (200, 400, 429), answer


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200))
def test_fuzzed_bodies_never_get_internal(server: ServerThread, raw: bytes) -> None:
    status, answer = _http(server, "POST", "/v1/disambiguate", raw)
    assert status in (200, 400, 429), answer
