"""One behavioural suite for ``WsdApi``: the local engine, the blocking client and the asyncio
client (driven through a small synchronous adapter) must answer alike, errors included."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from wsd_service import (
    Disambiguator,
    Document,
    InputError,
    InputToken,
    LimitExceededError,
    Manifest,
    NotFoundError,
    ServerConfig,
    WsdApi,
    WsdError,
)
from wsd_service.client import AsyncWsdApi, AsyncWsdClient, DocumentLike, StreamResult, WsdClient

from .server_thread import ServerThread


class _BlockingAsync:
    """Runs each AsyncWsdClient call to completion on a private loop: the async client's
    behaviour, checked with the same synchronous tests."""

    def __init__(self, address: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._client = self._loop.run_until_complete(self._open(address))

    @staticmethod
    async def _open(address: str) -> AsyncWsdClient:
        return AsyncWsdClient(address)

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            if name == "disambiguate_stream":
                return iter(self._loop.run_until_complete(_collect(method(*args, **kwargs))))
            return self._loop.run_until_complete(method(*args, **kwargs))

        return call

    def close(self) -> None:
        self._loop.run_until_complete(self._client.close())
        self._loop.close()


async def _collect(stream: AsyncIterator[StreamResult]) -> list[StreamResult]:
    return [item async for item in stream]


@pytest.fixture(scope="module")
def server(tiny_index: Path) -> Iterator[ServerThread]:
    thread = ServerThread(ServerConfig(index=tiny_index, port=0)).start()
    yield thread
    thread.stop()


@pytest.fixture(params=["local", "client", "async-client"])
def api(request: pytest.FixtureRequest, disambiguator: Disambiguator, server: ServerThread) -> Iterator[Any]:
    if request.param == "local":
        yield disambiguator
    elif request.param == "client":
        with WsdClient(server.address) as client:
            yield client
    else:
        adapter = _BlockingAsync(server.address)
        yield adapter
        adapter.close()


def test_every_implementation_satisfies_the_protocol(
    disambiguator: Disambiguator, server: ServerThread
) -> None:
    with WsdClient(server.address) as client:
        assert isinstance(disambiguator, WsdApi) and isinstance(client, WsdApi)

    async def satisfies() -> bool:
        async with AsyncWsdClient(server.address) as client:
            return isinstance(client, AsyncWsdApi)

    assert asyncio.run(satisfies())


def test_text_targets_with_offsets(api: WsdApi) -> None:
    [bank] = [t for t in api.disambiguate("Cash is kept in the bank.", top_k=2) if t.lemma == "bank"]
    assert bank.best is not None and bank.best.key == "bank%1:14:00::" and bank.best.source == "corpus"
    assert (bank.start, bank.end) == (20, 24) and len(bank.senses) == 2
    assert bank.best.gloss.startswith("a financial institution")


def test_tokens_have_no_offsets(api: WsdApi) -> None:
    [verb] = api.disambiguate([InputToken("They"), InputToken("banked", "bank", "VERB")])
    assert verb.pos == "VERB" and verb.start is None and verb.end is None


def test_offsets_count_code_points(api: WsdApi) -> None:
    text = "Über 🏦 the bank"
    [bank] = [t for t in api.disambiguate(text) if t.lemma == "bank"]
    assert bank.start is not None and text[bank.start : bank.end] == "bank"


def test_glosses_can_be_left_out(api: WsdApi) -> None:
    [bank] = [t for t in api.disambiguate("the bank", include_glosses=False) if t.lemma == "bank"]
    assert bank.best is not None and bank.best.gloss == ""


def test_batch_and_explicit_targets(api: WsdApi) -> None:
    first, second = api.disambiguate_batch(["the river bank", Document("the bank of the river", targets=[1])])
    assert [t.text for t in second] == ["bank"] and any(t.lemma == "river" for t in first)


def test_stream_answers_in_order_and_goes_on_after_a_bad_document(api: WsdApi) -> None:
    documents: Iterable[DocumentLike] = ["the river bank", "   ", "cash in the bank"]
    results = list(api.disambiguate_stream(documents))
    assert [r.error is None for r in results] == [True, False, True]
    assert isinstance(results[1].error, InputError) and results[1].error.code == "INVALID_ARGUMENT"
    assert "text is empty" in str(results[1].error)
    assert [t.lemma for t in results[2].targets][:1] == ["cash"]


def test_errors_are_the_engines_own(api: WsdApi) -> None:
    with pytest.raises(InputError, match="text is empty") as caught:
        api.disambiguate("   ")
    assert caught.value.code == "INVALID_ARGUMENT"
    with pytest.raises(LimitExceededError) as over:
        api.disambiguate(" ".join(["bank"] * 10_001))
    assert over.value.code == "RESOURCE_EXHAUSTED"
    with pytest.raises(NotFoundError, match="xyzzyq"):
        api.lookup_senses("xyzzyq")


# (call, the exception every implementation raises, the field it names); the same table runs
# against the local engine and both clients.
_REFUSED: list[tuple[str, Callable[[WsdApi], object], type[WsdError], str | None]] = [
    ("top_k 0", lambda api: api.disambiguate("the bank", top_k=0), InputError, "top_k"),
    ("top_k negative", lambda api: api.disambiguate("the bank", top_k=-1), InputError, "top_k"),
    ("top_k over 100", lambda api: api.disambiguate("the bank", top_k=101), InputError, "top_k"),
    ("batch top_k 0", lambda api: api.disambiguate_batch(["the bank"], top_k=0), InputError, "top_k"),
    ("nearest top_k 0", lambda api: api.nearest_senses("the bank", top_k=0), InputError, "top_k"),
    ("nearest top_k negative", lambda api: api.nearest_senses("bank", top_k=-3), InputError, "top_k"),
    ("nearest top_k over 100", lambda api: api.nearest_senses("bank", top_k=101), InputError, "top_k"),
    ("no documents", lambda api: api.disambiguate_batch([]), InputError, "documents"),
    ("empty text", lambda api: api.disambiguate(""), InputError, None),
    ("blank text", lambda api: api.disambiguate("   "), InputError, None),
    ("no tokens", lambda api: api.disambiguate([]), InputError, None),
    ("empty embed", lambda api: api.embed(""), InputError, None),
    ("layer out of range", lambda api: api.embed("bank", layers=[99]), InputError, None),
    ("unknown lemma", lambda api: api.lookup_senses("xyzzyq"), NotFoundError, "lemma"),
    ("empty lemma", lambda api: api.lookup_senses(" "), InputError, "lemma"),
    (
        "over the word limit",
        lambda api: api.disambiguate(" ".join(["bank"] * 10_001)),
        LimitExceededError,
        None,
    ),
]


@pytest.mark.parametrize(
    ("call", "refused", "field"), [case[1:] for case in _REFUSED], ids=[c[0] for c in _REFUSED]
)
def test_local_and_remote_refuse_alike(
    api: WsdApi, call: Callable[[WsdApi], object], refused: type[WsdError], field: str | None
) -> None:
    with pytest.raises(WsdError) as caught:
        call(api)
    assert type(caught.value) is refused
    assert caught.value.field == field


@pytest.mark.parametrize("top_k", [0, -1, 101])
def test_a_stream_answers_a_bad_top_k_on_every_item(api: WsdApi, top_k: int) -> None:
    results = list(api.disambiguate_stream(["the river bank", "cash"], top_k=top_k))
    assert len(results) == 2
    assert all(isinstance(r.error, InputError) and r.error.field == "top_k" for r in results)


def test_embed_returns_numpy_vectors(api: WsdApi) -> None:
    embedding = api.embed("the bank", include_static=True)
    assert embedding.layers == (6,) and [w.text for w in embedding.words] == ["the", "bank"]
    bank = embedding.words[1]
    assert isinstance(bank.contextual, np.ndarray) and bank.contextual.shape == (384,)
    assert bank.static is not None and bank.static.shape == (384,) and bank.start == 4
    assert abs(float(np.linalg.norm(bank.contextual)) - 1) < 1e-4
    assert api.embed("the bank", layers=[-2]).layers == (5,)
    assert api.embed([InputToken("bank")]).words[0].start is None


def test_lookup_senses(api: WsdApi) -> None:
    senses = api.lookup_senses("bank", "NOUN", include_vectors=True)
    first = senses[0]
    assert first.sense.key == "bank%1:17:01::" and first.sense.lemma == "bank" and first.sense.pos == "NOUN"
    assert first.sense.gloss.startswith("sloping land") and first.has_corpus_vector
    assert first.vector is not None and first.vector.shape == (768,)
    assert api.lookup_senses("bank", "NOUN")[0].vector is None


def test_index_info_is_the_manifest(api: WsdApi, disambiguator: Disambiguator) -> None:
    info = api.index_info()
    assert isinstance(info, Manifest) and info == disambiguator.pipeline.index.manifest
    assert info.dimension == 768 and info.encoder.layer_indexes == (6,)


def test_nearest_senses(api: WsdApi) -> None:
    word, app = api.nearest_senses("the vibecoding app")
    assert app.text == "app"
    assert (word.text, word.lemma, word.pos, word.start, word.end) == ("vibecoding", "vibecoding", "", 4, 14)
    assert len(word.senses) == 10 and word.best is not None and word.best.gloss
    assert [s.score for s in word.senses] == sorted((s.score for s in word.senses), reverse=True)
    [bank] = api.nearest_senses([InputToken("the"), InputToken("bank", target=True)], top_k=3)
    assert bank.start is None and bank.lemma == "bank" and len(bank.senses) == 3
    assert all(s.gloss == "" for s in api.nearest_senses("bank", top_k=2, include_glosses=False)[0].senses)
    with pytest.raises(InputError, match="top_k") as caught:
        api.nearest_senses("bank", top_k=101)
    assert caught.value.code == "INVALID_ARGUMENT" and caught.value.field == "top_k"
    with pytest.raises(InputError, match="text is empty"):
        api.nearest_senses(" ")


def _signature(method: Any) -> Sequence[str]:
    import inspect

    return list(inspect.signature(method).parameters)


def test_local_and_remote_signatures_match(disambiguator: Disambiguator) -> None:
    for name in (
        "disambiguate",
        "disambiguate_batch",
        "disambiguate_stream",
        "embed",
        "lookup_senses",
        "index_info",
        "nearest_senses",
    ):
        local = _signature(getattr(disambiguator, name))
        assert (
            local == _signature(getattr(WsdClient, name))[1:] == _signature(getattr(AsyncWsdClient, name))[1:]
        )
