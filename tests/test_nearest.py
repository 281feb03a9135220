"""NearestSenses end to end: the real encoder, a tiny real index with its graph, a real gRPC server
on loopback; and an index built before the graph existed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import faiss
import grpc
import numpy as np
import pytest

from wsd_service import (
    Disambiguator,
    Document,
    Encoder,
    LimitExceededError,
    LimitsConfig,
    ScoringConfig,
    SenseIndexError,
    ServerConfig,
)
from wsd_service._core.manifest import MANIFEST_FILE, NEAREST_FILE, resolve_index_dir
from wsd_service._engine.query.pipeline import Pipeline
from wsd_service._proto.wsd.v1 import wsd_service_pb2 as pb
from wsd_service._proto.wsd.v1 import wsd_service_pb2_grpc as pb_grpc
from wsd_service.cli import main

from .resident import resident_kb
from .server_thread import ServerThread


@pytest.fixture(scope="module")
def server(tiny_index: Path) -> Iterator[ServerThread]:
    thread = ServerThread(ServerConfig(index=tiny_index, port=0)).start()
    yield thread
    thread.stop()


@pytest.fixture(scope="module")
def stub(server: ServerThread) -> Iterator[pb_grpc.WsdServiceStub]:
    with grpc.insecure_channel(server.address) as channel:
        yield pb_grpc.WsdServiceStub(channel)


def _request(text: str, top_k: int = 0, glosses: bool = True) -> pb.NearestSensesRequest:
    return pb.NearestSensesRequest(document=pb.Document(text=text), top_k=top_k, include_glosses=glosses)


def test_a_word_without_wordnet_senses_gets_nearest_senses(stub: pb_grpc.WsdServiceStub) -> None:
    response = stub.NearestSenses(_request("the vibecoding app", top_k=5))
    assert [t.text for t in response.targets] == ["vibecoding", "app"]  # "the" is a stopword
    word = response.targets[0]
    assert (word.token_index, word.char_start, word.char_end) == (1, 4, 14)
    assert word.lemma == "vibecoding" and word.pos == pb.PART_OF_SPEECH_UNSPECIFIED
    assert len(word.senses) == 5 and all(s.gloss and s.sense_key and s.synset_id for s in word.senses)
    scores = [s.score for s in word.senses]
    assert scores == sorted(scores, reverse=True)


def test_k_is_respected_and_zero_means_ten(stub: pb_grpc.WsdServiceStub) -> None:
    assert [len(t.senses) for t in stub.NearestSenses(_request("river bank", top_k=3)).targets] == [3, 3]
    [target] = stub.NearestSenses(_request("picnic")).targets
    assert len(target.senses) == 10
    quiet = stub.NearestSenses(_request("picnic", glosses=False)).targets[0].senses
    assert [s.sense_key for s in quiet] == [s.sense_key for s in target.senses] and not quiet[0].gloss


def test_senses_of_other_lemmas_are_found(stub: pb_grpc.WsdServiceStub) -> None:
    """Not only the word's own candidates: "money" is no lemma of the tiny index."""
    [money] = stub.NearestSenses(_request("money", top_k=20)).targets
    assert money.lemma == "money" and {s.sense_key.split("%")[0] for s in money.senses} >= {"bank", "cash"}


def test_explicit_targets_choose_the_words(stub: pb_grpc.WsdServiceStub) -> None:
    document = pb.Document(text="the vibecoding app", target_indexes=[0])
    [target] = stub.NearestSenses(pb.NearestSensesRequest(document=document, top_k=2)).targets
    assert target.text == "the" and len(target.senses) == 2


def test_approximate_equals_exact_search_on_a_tiny_index(disambiguator: Disambiguator) -> None:
    text = "She paid the vibecoding startup in cash at the river bank"
    document = Document(text=text)
    found = disambiguator.nearest_senses(document, top_k=10)
    pending = disambiguator.pipeline.nearest(document, 10, True)
    [matrix] = disambiguator.encoder.encode(pending.words)
    index = disambiguator.pipeline.index
    exact = faiss.IndexFlatIP(index.dimension)
    exact.add(index.vectors(0, len(index)))
    gloss_weight = index.manifest.scoring["gloss_weight"]
    vectors = matrix[[t.token_index for t in found]]
    scores, rows = exact.search(np.concatenate([vectors, gloss_weight * vectors], axis=1), 10)
    assert len(found) == 6  # paid vibecoding startup cash river bank
    for target, best, numbers in zip(found, scores, rows, strict=True):
        assert [s.key for s in target.senses] == [index.rows[n].key for n in numbers]
        assert np.allclose([s.score for s in target.senses], best, atol=1e-5)


def test_the_graph_is_not_held_in_memory_until_searched(tiny_index: Path, encoder: Encoder) -> None:
    # FAISS reads through the graph's links when it loads them; Disambiguate never needs them,
    # so a loaded process lets those pages go (they come back from the file when searched).
    graph = (resolve_index_dir(tiny_index) / NEAREST_FILE).resolve()
    engine = Disambiguator.load(tiny_index, encoder=encoder)
    assert resident_kb(graph) == 0
    document = Document(text="She paid in cash at the river bank")
    found = engine.nearest_senses(document, top_k=3)
    assert resident_kb(graph) > 0
    assert [[s.key for s in t.senses] for t in found] == [
        [s.key for s in t.senses]
        for t in Disambiguator.load(tiny_index, encoder=encoder).nearest_senses(document, top_k=3)
    ]


def test_scores_are_disambiguations_without_the_prior(disambiguator: Disambiguator) -> None:
    pipeline = disambiguator.pipeline
    plain = Disambiguator(  # nor kNN, nor try-again: the sense rows alone
        pipeline.with_scoring(
            ScoringConfig(
                prior_weight=0.0,
                gloss_weight=pipeline.scoring.gloss_weight,
                occurrence_weight=0.0,
                try_again_weight=0.0,
            )
        )
    )
    [bank] = [t for t in plain.disambiguate("the river bank", top_k=10) if t.lemma == "bank"]
    [nearest] = [t for t in disambiguator.nearest_senses("the river bank", top_k=50) if t.text == "bank"]
    own = {s.key: s.score for s in nearest.senses if s.key.startswith("bank%1")}
    assert own and all(abs(own[s.key] - s.score) < 1e-5 for s in bank.senses if s.key in own)


def test_bad_input_names_the_field(stub: pb_grpc.WsdServiceStub) -> None:
    cases = [
        (pb.NearestSensesRequest(), "document: set either text or tokens"),
        (_request("bank", top_k=101), "top_k"),
        (_request("   "), "text is empty"),
        (pb.NearestSensesRequest(document=pb.Document(text="bank", target_indexes=[4])), "target index 4"),
        (
            pb.NearestSensesRequest(document=pb.Document(tokens=pb.TokenList(tokens=[pb.Token(lemma="x")]))),
            "document.tokens.tokens[0].text",
        ),
    ]
    for request, words in cases:
        with pytest.raises(grpc.RpcError) as caught:
            stub.NearestSenses(request)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, words
        assert words in (caught.value.details() or "")


def test_deadlines_go_through_admission_like_disambiguate(stub: pb_grpc.WsdServiceStub) -> None:
    stub.NearestSenses(_request("The bank by the river held money."), timeout=30)  # rate measured
    with pytest.raises(grpc.RpcError) as caught:
        stub.NearestSenses(_request(" ".join(["The bank by the river held money."] * 200)), timeout=0.01)
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "the deadline cannot be met" in (caught.value.details() or "")


def test_an_index_without_the_graph_is_refused_naming_it(
    tiny_index: Path, encoder: Encoder, tmp_path: Path
) -> None:
    lacking = tmp_path / "index"
    shutil.copytree(resolve_index_dir(tiny_index), lacking)
    (lacking / NEAREST_FILE).unlink()
    manifest = json.loads((lacking / MANIFEST_FILE).read_text())
    del manifest["files"][NEAREST_FILE]
    (lacking / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(SenseIndexError, match=f"manifest lists no {NEAREST_FILE}"):
        Disambiguator.load(lacking, encoder=encoder)


def test_cli_prints_nearest_senses_locally_and_remotely(
    tiny_index: Path, server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["nearest", "--index", str(tiny_index), "--top-k", "2", "the vibecoding app"]) == 0
    table = capsys.readouterr().out
    assert "vibecoding" in table and "%" in table and len(table.splitlines()) == 5  # header + 2 x 2
    assert main(["nearest", "--server", server.address, "--json", "--top-k", "3", "vibecoding"]) == 0
    [target] = json.loads(capsys.readouterr().out)
    assert target["text"] == "vibecoding" and len(target["senses"]) == 3 and target["senses"][0]["gloss"]


def test_answers_over_the_size_limit_are_refused(disambiguator: Disambiguator) -> None:
    """Without glosses before encoding (any sense may be found), with them once found."""
    limits = LimitsConfig(max_answer_bytes=4000)
    source = disambiguator.pipeline
    engine = Disambiguator(Pipeline(source.index, source.encoder, source.inventory, limits=limits))
    assert len(engine.nearest_senses("bank river cash", top_k=20, include_glosses=False)) == 3
    with pytest.raises(LimitExceededError, match="include_glosses=false"):
        engine.nearest_senses("bank river cash", top_k=20)
    with pytest.raises(LimitExceededError, match="smaller top_k"):
        engine.nearest_senses("bank river cash", top_k=100, include_glosses=False)
