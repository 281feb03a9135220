"""A busy worker hands calls to a less busy peer over the peer's private socket: two real servers
on loopback, sharing the calls-in-progress board as two workers of one ``serve`` do."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from wsd_service import ServerConfig
from wsd_service._proto.wsd.v1 import wsd_service_pb2 as pb
from wsd_service._proto.wsd.v1 import wsd_service_pb2_grpc as pb_grpc
from wsd_service._serving.handoff import Peers

from .server_thread import ServerThread
from .waiting import wait_until

TOKEN = "handoff-token"
BUSY = 1000  # worker 0's calls in progress, as the board shows them: it always hands calls over
REQUEST = pb.DisambiguateRequest(
    documents=[pb.Document(text="I went to the bank and withdrew some cash")],
    options=pb.DisambiguateOptions(top_k=2, include_glosses=True),
)


def _requests(server: ServerThread, transport: str, method: str = "Disambiguate", code: str = "OK") -> float:
    assert server.server is not None
    labels = {"transport": transport, "method": method, "code": code}
    return server.server.metrics.registry.get_sample_value("wsd_requests_total", labels) or 0.0


@pytest.fixture(scope="module")
def workers(tiny_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[ServerThread]]:
    folder = tmp_path_factory.mktemp("sockets")
    sockets = (str(folder / "0.sock"), str(folder / "1.sock"))
    calls = [BUSY, 0]
    config = ServerConfig(index=tiny_index, port=0, tokens=frozenset({TOKEN}))
    started = [ServerThread(config, Peers(number, sockets, calls)).start() for number in (0, 1)]
    yield started
    for thread in started:
        thread.stop()


@pytest.fixture()
def busy(workers: list[ServerThread]) -> Iterator[pb_grpc.WsdServiceStub]:
    with grpc.insecure_channel(workers[0].address) as channel:
        yield pb_grpc.WsdServiceStub(channel)


AUTH = (("authorization", f"Bearer {TOKEN}"),)


def test_a_busy_worker_hands_calls_over_and_answers_what_the_peer_answered(
    workers: list[ServerThread], busy: pb_grpc.WsdServiceStub
) -> None:
    handed_before = _requests(workers[1], "handoff")
    answer = busy.Disambiguate(REQUEST, metadata=AUTH, timeout=30)
    with grpc.insecure_channel(workers[1].address) as channel:
        direct = pb_grpc.WsdServiceStub(channel).Disambiguate(REQUEST, metadata=AUTH, timeout=30)
    assert answer == direct and answer.documents[0].targets
    wait_until(  # served there, counted as handed over, and as the client's call where it arrived
        lambda: _requests(workers[1], "handoff") == handed_before + 1 and _requests(workers[0], "grpc") >= 1,
        "the call counted by both workers",
    )
    nearest = pb.NearestSensesRequest(document=pb.Document(text="the bank"), top_k=3)
    assert busy.NearestSenses(nearest, metadata=AUTH, timeout=30).targets
    wait_until(lambda: _requests(workers[1], "handoff", "NearestSenses") == 1, "NearestSenses handed over")


def test_errors_come_back_as_the_peer_raised_them(busy: pb_grpc.WsdServiceStub) -> None:
    bad = pb.DisambiguateRequest(
        documents=[pb.Document(text="a bank")], options=pb.DisambiguateOptions(top_k=10_000)
    )
    with pytest.raises(grpc.RpcError) as raised:
        busy.Disambiguate(bad, metadata=AUTH, timeout=30)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "top_k must be between 1 and" in raised.value.details()
    assert any(key == "grpc-status-details-bin" for key, _ in raised.value.trailing_metadata())
    with pytest.raises(grpc.RpcError) as raised:  # checked where the call arrived, before any handoff
        busy.Disambiguate(REQUEST, timeout=30)
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_a_deadline_travels_with_the_call(workers: list[ServerThread], busy: pb_grpc.WsdServiceStub) -> None:
    busy.Disambiguate(REQUEST, metadata=AUTH, timeout=30)  # the peer has measured its encoder
    refused = _requests(workers[1], "handoff", code="RESOURCE_EXHAUSTED")
    # Seconds of encoder work on any machine, under a deadline the refusal easily comes back in.
    long = pb.DisambiguateRequest(documents=[pb.Document(text=" ".join(["the bank"] * 4_000))])
    with pytest.raises(grpc.RpcError) as raised:
        busy.Disambiguate(long, metadata=AUTH, timeout=1.0)
    # The peer's admission judged the call by the caller's deadline, and refused it at once.
    assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, raised.value.details()
    assert "s left" in raised.value.details()
    wait_until(  # counted once the peer's handler has returned, which may be just after the answer
        lambda: _requests(workers[1], "handoff", code="RESOURCE_EXHAUSTED") == refused + 1,
        "the refusal counted by the peer",
    )


def test_calls_are_served_where_they_arrived_when_the_peer_is_gone(workers: list[ServerThread]) -> None:
    workers[1].stop()
    with grpc.insecure_channel(workers[0].address) as channel:
        answer = pb_grpc.WsdServiceStub(channel).Disambiguate(REQUEST, metadata=AUTH, timeout=30)
    assert answer.documents[0].targets
