"""Calls handed from a busy worker to a less busy one.

One connection reaches one worker, and a worker's Python (gRPC, preparation, ranking) runs on
one core at a time. A worker serving more calls than a peer sends the next one to that peer over
the peer's private Unix socket, with the caller's metadata and remaining deadline, and answers
with what the peer answered: one client connection is served by every worker. A peer that cannot
take calls (restarting, loading, draining) answers UNAVAILABLE, and the call is served here.
"""

from __future__ import annotations

from collections.abc import MutableSequence
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.message import Message

from .._core.status import error_from_rpc
from .._proto.wsd.v1 import wsd_service_pb2_grpc as pb_grpc
from .call_board import CallBoard

HANDOFF_HEADER = "wsd-handoff"  # marks a call handed over by a peer: served where it lands
# Metadata gRPC sets itself on every call: not forwarded.
_TRANSPORT_KEYS = frozenset({"user-agent", "content-type", "te", "host"})


def handed_over(context: grpc.aio.ServicerContext) -> bool:
    return any(key == HANDOFF_HEADER for key, _ in context.invocation_metadata() or ())


def _forwarded(context: grpc.aio.ServicerContext) -> tuple[tuple[str, Any], ...]:
    """The caller's metadata (its token among them) with the handoff mark."""
    kept = tuple(
        (key, value)
        for key, value in context.invocation_metadata() or ()
        if key not in _TRANSPORT_KEYS and not key.startswith((":", "grpc-"))
    )
    return (*kept, (HANDOFF_HEADER, "1"))


@dataclass(frozen=True, slots=True)
class Peers:
    """The workers of one ``serve``, as one of them sees them."""

    worker: int  # this one's number
    sockets: tuple[str, ...]  # each worker's private Unix socket, by number
    calls: MutableSequence[int]  # each worker's calls in progress, in shared memory

    @property
    def socket(self) -> str:
        return self.sockets[self.worker]

    def board(self) -> CallBoard:
        return CallBoard(self.calls, self.worker)


class Handoff:
    def __init__(self, board: CallBoard, sockets: tuple[str, ...], max_message_bytes: int) -> None:
        self._board = board
        self._targets = {n: f"unix:{path}" for n, path in enumerate(sockets) if n != board.worker}
        self._options = [
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", max_message_bytes),
        ]
        self._stubs: dict[int, pb_grpc.WsdServiceStub] = {}
        self._channels: list[grpc.aio.Channel] = []
        self._sent = dict.fromkeys(self._targets, 0)  # calls handed to each peer, not yet answered

    def peer(self) -> int | None:
        """The least busy peer when it serves fewer calls than this worker, else None."""
        if not self._targets:
            return None
        best = min(self._targets, key=self._busy)
        return best if self._busy(best) < self._board.load(self._board.worker) else None

    def _busy(self, peer: int) -> int:
        # Calls just handed over reach the peer's count only once it has read them.
        return max(self._board.load(peer), self._sent[peer])

    async def call(
        self, peer: int, method: str, request: Message, context: grpc.aio.ServicerContext
    ) -> Message | None:
        """The peer's answer to ``method`` (a WsdService method name); None when the peer cannot
        take calls now. Its errors are raised as the engine's: they mean what they meant there."""
        self._sent[peer] += 1
        try:
            answer: Message = await getattr(self._stub(peer), method)(
                request, timeout=context.time_remaining(), metadata=_forwarded(context)
            )
            return answer
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.UNAVAILABLE:
                return None
            raise error_from_rpc(error) from None
        finally:
            self._sent[peer] -= 1

    def _stub(self, peer: int) -> pb_grpc.WsdServiceStub:
        stub = self._stubs.get(peer)
        if stub is None:
            channel = grpc.aio.insecure_channel(self._targets[peer], options=self._options)
            self._channels.append(channel)
            stub = self._stubs[peer] = pb_grpc.WsdServiceStub(channel)
        return stub

    async def close(self) -> None:
        for channel in self._channels:
            await channel.close()
