"""The real gRPC server on a loopback port, the real encoder and a tiny real index."""

from __future__ import annotations

import concurrent.futures
import json
import shutil
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import grpc
import numpy as np
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from wsd_service import BatcherConfig, LimitsConfig, ServerConfig
from wsd_service._core.manifest import FORMAT_VERSION, MANIFEST_FILE, resolve_index_dir
from wsd_service._proto.wsd.v1 import wsd_service_pb2 as pb
from wsd_service._proto.wsd.v1 import wsd_service_pb2_grpc as pb_grpc

from .server_thread import ServerThread

LIMITS = LimitsConfig(max_documents=16, max_words=2000, max_chars=20_000, max_top_k=50)


@pytest.fixture(scope="module")
def server(tiny_index: Path) -> Iterator[ServerThread]:
    config = ServerConfig(
        index=tiny_index,
        port=0,
        limits=LIMITS,
        batcher=BatcherConfig(max_batch_sentences=64, max_wait=0.05, max_queue_sentences=256),
        max_message_bytes=256 * 1024,
    )
    thread = ServerThread(config).start()
    yield thread
    thread.stop()


@pytest.fixture(scope="module")
def channel(server: ServerThread) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.address) as opened:
        yield opened


@pytest.fixture(scope="module")
def stub(channel: grpc.Channel) -> pb_grpc.WsdServiceStub:
    return pb_grpc.WsdServiceStub(channel)


def _text_request(*texts: str, top_k: int = 1, glosses: bool = True) -> pb.DisambiguateRequest:
    return pb.DisambiguateRequest(
        documents=[pb.Document(text=t) for t in texts],
        options=pb.DisambiguateOptions(top_k=top_k, include_glosses=glosses),
    )


def _unknown_pos_token() -> pb.Token:
    token = pb.Token(text="bank")
    token.pos = 99  # type: ignore[assignment]  # a client newer than this server
    return token


def _error(call: object, *args: object, **kwargs: object) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return caught.value


def test_health_is_serving_and_reflection_lists_the_service(channel: grpc.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", "wsd.v1.WsdService"):
        answer = health.Check(health_pb2.HealthCheckRequest(service=service))
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
    reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
    [answer] = reflection.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")])
    )
    names = {s.name for s in answer.list_services_response.service}
    assert {"wsd.v1.WsdService", "grpc.health.v1.Health"} <= names


def test_disambiguate_text(stub: pb_grpc.WsdServiceStub) -> None:
    text = "I went to the bank and withdrew some cash."
    response = stub.Disambiguate(_text_request(text, top_k=3))
    [document] = response.documents
    bank = next(t for t in document.targets if t.text == "bank")
    assert text[bank.char_start : bank.char_end] == "bank"
    assert bank.lemma == "bank" and bank.pos == pb.PART_OF_SPEECH_NOUN
    assert len(bank.senses) == 3
    assert bank.senses[0].sense_key == "bank%1:14:00::"
    assert bank.senses[0].gloss.startswith("a financial institution")
    assert bank.senses[0].source == pb.VECTOR_SOURCE_CORPUS
    assert bank.senses[0].synset_id.endswith("-n")
    quiet = stub.Disambiguate(_text_request(text, glosses=False)).documents[0].targets[0].senses[0]
    assert quiet.gloss == ""


def test_every_answer_lists_scores_that_never_increase(stub: pb_grpc.WsdServiceStub) -> None:
    texts = [
        "I went to the bank and withdrew some cash.",
        "We had a picnic on the grassy river bank.",
        "They deposited the earth on the bank and went home.",
    ]
    response = stub.Disambiguate(_text_request(*texts, top_k=10))
    targets = [target for document in response.documents for target in document.targets]
    assert len(targets) >= 6
    for target in targets:
        scores = [sense.score for sense in target.senses]
        assert scores == sorted(scores, reverse=True), target.text


def test_disambiguate_tokens_and_targets(stub: pb_grpc.WsdServiceStub) -> None:
    tokens = pb.TokenList(
        tokens=[
            pb.Token(text="They"),
            pb.Token(text="banked", lemma="bank", pos=pb.PART_OF_SPEECH_VERB),
            pb.Token(text="the"),
            pb.Token(text="cash"),
        ]
    )
    request = pb.DisambiguateRequest(documents=[pb.Document(tokens=tokens, target_indexes=[1])])
    [target] = stub.Disambiguate(request).documents[0].targets
    assert target.token_index == 1 and target.pos == pb.PART_OF_SPEECH_VERB
    assert target.senses[0].sense_key.startswith("bank%2:")


def test_embed_gives_contextual_and_static_vectors(stub: pb_grpc.WsdServiceStub) -> None:
    money = stub.Embed(pb.EmbedRequest(text="I deposited money at the bank", include_static=True))
    river = stub.Embed(pb.EmbedRequest(text="We sat on the grassy river bank", include_static=True))
    assert money.dimension == 384 and list(money.layers) == [6]
    a, b = (np.array(r.words[-1].contextual) for r in (money, river))
    assert float(a @ b) < 0.95  # the same word, different contexts, different vectors
    static_a, static_b = (np.array(r.words[-1].static) for r in (money, river))
    assert np.allclose(static_a, static_b, atol=1e-5)  # static vectors ignore context
    layered = stub.Embed(pb.EmbedRequest(text="the bank", layers=[0, -1]))
    assert list(layered.layers) == [0, 6]
    assert not np.allclose(np.array(layered.words[1].contextual), np.array(money.words[-1].contextual))


def test_lookup_senses(stub: pb_grpc.WsdServiceStub) -> None:
    answer = stub.LookupSenses(pb.LookupSensesRequest(lemma="bank", pos=pb.PART_OF_SPEECH_NOUN))
    keys = [s.sense_key for s in answer.senses]
    assert keys[0] == "bank%1:17:01::" and len(keys) == 10
    inflected = stub.LookupSenses(pb.LookupSensesRequest(lemma="rivers", pos=pb.PART_OF_SPEECH_NOUN))
    assert [s.sense_key for s in inflected.senses] == ["river%1:17:00::"]
    money = next(s for s in answer.senses if s.sense_key == "bank%1:14:00::")
    assert money.source == pb.VECTOR_SOURCE_CORPUS and not money.vector
    assert money.gloss.startswith("a financial institution") and money.examples
    every_pos = stub.LookupSenses(pb.LookupSensesRequest(lemma="bank"))
    assert {s.pos for s in every_pos.senses} == {pb.PART_OF_SPEECH_NOUN, pb.PART_OF_SPEECH_VERB}
    error = _error(stub.LookupSenses, pb.LookupSensesRequest(lemma="xyzzyq"))
    assert error.code() == grpc.StatusCode.NOT_FOUND and "xyzzyq" in (error.details() or "")


def test_index_info(stub: pb_grpc.WsdServiceStub) -> None:
    info = stub.GetIndexInfo(pb.GetIndexInfoRequest())
    assert info.dimension == 768 and list(info.layers) == [6]
    assert info.sense_count == sum(info.sense_count_by_source.values()) > 0
    assert json.loads(info.manifest_json)["encoder"]["weights_sha256"] == info.encoder_weights_sha256


def test_stream_reports_item_errors_and_goes_on(stub: pb_grpc.WsdServiceStub) -> None:
    requests = [
        pb.DisambiguateStreamRequest(id="a", document=pb.Document(text="the river bank")),
        pb.DisambiguateStreamRequest(id="b", document=pb.Document(text="   ")),
        pb.DisambiguateStreamRequest(id="c", document=pb.Document(text="cash")),
    ]
    answers = list(stub.DisambiguateStream(iter(requests)))
    assert [a.id for a in answers] == ["a", "b", "c"]
    assert answers[1].error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert "text is empty" in answers[1].error.message
    info = error_details_pb2.ErrorInfo()
    assert answers[1].error.details[0].Unpack(info) and (info.domain, info.reason) == (
        "wsd.v1",
        "INVALID_INPUT",
    )
    assert answers[2].result.targets[0].lemma == "cash"


def test_a_streams_undecodable_item_is_answered_in_its_place(channel: grpc.Channel) -> None:
    """Raw bytes on the stream: the item that is not a DisambiguateStreamRequest gets its error
    and the items around it their answers."""
    raw = channel.stream_stream(
        "/wsd.v1.WsdService/DisambiguateStream",
        request_serializer=None,
        response_deserializer=pb.DisambiguateStreamResponse.FromString,
    )
    good = [
        pb.DisambiguateStreamRequest(id=i, document=pb.Document(text="the river bank")).SerializeToString()
        for i in ("a", "c")
    ]
    answers = list(raw(iter([good[0], b"\xff\xff\xff\xff", good[1]])))
    assert [a.WhichOneof("outcome") for a in answers] == ["result", "error", "result"]
    assert [a.id for a in answers] == ["a", "", "c"]
    assert answers[1].error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert "not a valid DisambiguateStreamRequest" in answers[1].error.message


def test_concurrent_clients_are_batched(server: ServerThread, stub: pb_grpc.WsdServiceStub) -> None:
    assert server.server is not None
    metrics = server.server.metrics
    count_before = metrics.batch_size._sum.get()
    texts = [f"The bank near river number {i} was flooded." for i in range(32)]
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda t: stub.Disambiguate(_text_request(t)), texts))
    assert all(a.documents[0].targets for a in answers)
    stats = server.server.data_plane.batcher.stats  # type: ignore[union-attr]
    assert max(stats.sizes) > 1
    samples = {s.name: s.value for m in metrics.registry.collect() for s in m.samples}
    assert samples["wsd_encoder_batch_sentences_sum"] - count_before >= 32
    assert samples["wsd_encoder_batch_sentences_sum"] / samples["wsd_encoder_batch_sentences_count"] > 1


def test_deadline_shorter_than_the_work(stub: pb_grpc.WsdServiceStub) -> None:
    stub.Disambiguate(_text_request("The bank by the river held money."), timeout=30)  # rate measured
    text = " ".join(["The bank by the river held money."] * 200)
    error = _error(stub.Disambiguate, _text_request(text), timeout=0.01)
    # refused at once by admission, with how long the work would take and a retry hint
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "the deadline cannot be met" in (error.details() or "") and "1400 in this call" in (
        error.details() or ""
    )
    error = _error(stub.Embed, pb.EmbedRequest(text=text), timeout=0.001)  # no admission: expires
    assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED


def test_a_call_over_the_word_limit_is_refused_by_the_limit_whatever_its_deadline(
    stub: pb_grpc.WsdServiceStub,
) -> None:
    stub.Disambiguate(_text_request("The bank by the river held money."), timeout=30)  # rate measured
    over = " ".join(["bank"] * (LIMITS.max_words + 1))
    error = _error(stub.Disambiguate, _text_request(over), timeout=0.01)
    # a retry hint would send the caller back for a call that can never pass
    assert "the limit is 2000" in (error.details() or "")
    assert "deadline" not in (error.details() or "")


@pytest.mark.parametrize(
    ("request_", "code", "words"),
    [
        (pb.DisambiguateRequest(), grpc.StatusCode.INVALID_ARGUMENT, "documents"),
        (pb.DisambiguateRequest(documents=[pb.Document()]), grpc.StatusCode.INVALID_ARGUMENT, "documents[0]"),
        (_text_request(""), grpc.StatusCode.INVALID_ARGUMENT, "text is empty"),
        (_text_request("bank", top_k=51), grpc.StatusCode.INVALID_ARGUMENT, "top_k"),
        (
            pb.DisambiguateRequest(
                documents=[pb.Document(tokens=pb.TokenList(tokens=[_unknown_pos_token()]))]
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "documents[0].tokens.tokens[0].pos",
        ),
        (
            pb.DisambiguateRequest(
                documents=[pb.Document(tokens=pb.TokenList(tokens=[pb.Token(lemma="bank")]))]
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "documents[0].tokens.tokens[0].text",
        ),
        (_text_request("the bank", top_k=1), None, ""),
        (_text_request(*(["bank"] * 17)), grpc.StatusCode.RESOURCE_EXHAUSTED, "the limit is 16"),
        (_text_request("bank " * 2001), grpc.StatusCode.RESOURCE_EXHAUSTED, "the limit is 2000"),
        (_text_request("x" * 300_000), grpc.StatusCode.RESOURCE_EXHAUSTED, ""),  # over max message size
    ],
)
def test_error_codes(stub: pb_grpc.WsdServiceStub, request_: object, code: object, words: str) -> None:
    if code is None:
        assert stub.Disambiguate(request_).documents
        return
    error = _error(stub.Disambiguate, request_)
    assert error.code() == code
    assert words in (error.details() or "")


def test_bad_target_index_and_embed_layers(stub: pb_grpc.WsdServiceStub) -> None:
    request = pb.DisambiguateRequest(documents=[pb.Document(text="the bank", target_indexes=[9])])
    error = _error(stub.Disambiguate, request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "target index 9" in (error.details() or "")
    error = _error(stub.Embed, pb.EmbedRequest(text="bank", layers=[12]))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "layer 12" in (error.details() or "")
    error = _error(stub.Embed, pb.EmbedRequest())
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_full_queue_is_resource_exhausted(tiny_index: Path) -> None:
    config = ServerConfig(index=tiny_index, port=0, batcher=BatcherConfig(max_queue_sentences=2))
    thread = ServerThread(config).start()
    try:
        with grpc.insecure_channel(thread.address) as channel:
            error = _error(
                pb_grpc.WsdServiceStub(channel).Disambiguate, _text_request("bank", "river", "cash")
            )
            assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "queue is full" in (
                error.details() or ""
            )
    finally:
        thread.stop()


def test_unavailable_and_not_serving_without_an_index(tmp_path: Path) -> None:
    thread = ServerThread(ServerConfig(index=tmp_path / "none", port=0)).start(wait_ready=False)
    try:
        assert thread.server is not None
        with pytest.raises(Exception, match="holds no sense index"):
            thread.call(thread.server.wait_ready)
        with grpc.insecure_channel(thread.address) as channel:
            status = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""))
            assert status.status == health_pb2.HealthCheckResponse.NOT_SERVING
            error = _error(pb_grpc.WsdServiceStub(channel).Disambiguate, _text_request("bank"))
            assert error.code() == grpc.StatusCode.UNAVAILABLE and "loading" in (error.details() or "")
    finally:
        thread.stop()


def test_a_served_index_of_an_older_format_is_named_and_left_as_it_is(
    tmp_path: Path, tiny_index: Path
) -> None:
    old = tmp_path / "old"
    shutil.copytree(resolve_index_dir(tiny_index), old)
    manifest = json.loads((old / MANIFEST_FILE).read_text()) | {"format_version": FORMAT_VERSION - 1}
    (old / MANIFEST_FILE).write_text(json.dumps(manifest))
    files = {path.name: path.stat().st_mtime_ns for path in old.iterdir()}
    thread = ServerThread(ServerConfig(index=old, port=0)).start(wait_ready=False)
    try:
        assert thread.server is not None
        refused = f"index format {FORMAT_VERSION - 1}, this version reads {FORMAT_VERSION}; rebuild it"
        with pytest.raises(Exception, match=refused):
            thread.call(thread.server.wait_ready)
        with grpc.insecure_channel(thread.address) as channel:
            status = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""))
            assert status.status == health_pb2.HealthCheckResponse.NOT_SERVING
    finally:
        thread.stop()
    assert {path.name: path.stat().st_mtime_ns for path in old.iterdir()} == files  # not rebuilt


def test_shutdown_turns_health_not_serving(tiny_index: Path) -> None:
    thread = ServerThread(ServerConfig(index=tiny_index, port=0)).start()
    assert thread.server is not None
    server = thread.server
    thread.call(server.health.enter_graceful_shutdown)
    with grpc.insecure_channel(thread.address) as channel:
        status = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="wsd.v1.WsdService")
        )
        assert status.status == health_pb2.HealthCheckResponse.NOT_SERVING
    thread.stop()


def test_metrics_endpoint(tiny_index: Path) -> None:
    thread = ServerThread(ServerConfig(index=tiny_index, port=0, metrics_port=0)).start()
    try:
        assert thread.server is not None and thread.server.metrics_port
        with grpc.insecure_channel(thread.address) as channel:
            pb_grpc.WsdServiceStub(channel).Disambiguate(_text_request("the bank"))
            _error(pb_grpc.WsdServiceStub(channel).Disambiguate, _text_request(""))
        url = f"http://127.0.0.1:{thread.server.metrics_port}/metrics"
        text = ""
        deadline = time.time() + 10
        # The server counts an RPC just after its status is sent: poll briefly.
        while "INVALID_ARGUMENT" not in text and time.time() < deadline:
            with urllib.request.urlopen(url, timeout=10) as page:
                text = page.read().decode()
    finally:
        thread.stop()
    assert 'wsd_requests_total{code="OK",method="Disambiguate",transport="grpc"} 1.0' in text
    assert 'wsd_requests_total{code="INVALID_ARGUMENT",method="Disambiguate",transport="grpc"} 1.0' in text
    assert "wsd_encoder_batch_sentences_count 1.0" in text
    assert "wsd_queue_sentences 0.0" in text
    assert "wsd_request_latency_seconds_bucket" in text


def test_stream_items_share_batches_and_keep_their_order(
    server: ServerThread, stub: pb_grpc.WsdServiceStub
) -> None:
    assert server.server is not None and server.server.data_plane.batcher is not None
    stats = server.server.data_plane.batcher.stats
    batches_before, sentences_before = stats.batches, stats.sentences
    requests = [
        pb.DisambiguateStreamRequest(id=str(i), document=pb.Document(text=f"The river bank {i} flooded."))
        for i in range(40)
    ]
    answers = list(stub.DisambiguateStream(iter(requests)))
    assert [a.id for a in answers] == [str(i) for i in range(40)]
    assert all(a.result.targets for a in answers)
    assert stats.sentences - sentences_before == 40
    assert stats.batches - batches_before < 40  # items were merged into shared encoder batches
