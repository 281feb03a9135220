"""The spaCy component, found through its entry point: local and remote, blank and tagged pipelines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import spacy

from wsd_service import BuildConfig, Encoder, Inventory, ServerConfig
from wsd_service._core.config import ClientConfig
from wsd_service.build import IndexBuilder

from .server_thread import ServerThread

TEXT = "She paid with a credit card at the bank, and it took place there."
RIVER = "They fished from the bank of the river."


@pytest.fixture(scope="module")
def index(
    tmp_path_factory: pytest.TempPathFactory, encoder: Encoder, inventory: Inventory, tiny_corpus: Path
) -> Path:
    out = tmp_path_factory.mktemp("spacy") / "index"
    lemmas = frozenset({"bank", "river", "credit_card", "take_place", "pay"})
    config = BuildConfig(corpora=(tiny_corpus,), lemmas=lemmas, use_examples=False, progress=False)
    IndexBuilder(encoder, inventory, config).build(out)
    return out


@pytest.fixture(scope="module")
def server(index: Path) -> Iterator[ServerThread]:
    thread = ServerThread(ServerConfig(index=index, port=0)).start()
    yield thread
    thread.stop()


def _senses(doc: Any) -> dict[str, str | None]:
    found = {f"{t.text}@{t.i}": t._.sense for t in doc if t._.sense}
    found |= {span.text: span._.sense for span in doc.spans["wsd_expressions"]}
    return found


def test_blank_pipeline_with_the_local_engine(index: Path) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("wsd", config={"index": str(index), "top_k": 2})  # found through the entry point
    doc = nlp(TEXT)
    bank = doc[8]
    assert bank.text == "bank" and bank._.sense == "bank%1:14:00::"
    assert len(bank._.senses) == 2 and bank._.senses[0].gloss.startswith("a financial institution")
    river = nlp(RIVER)
    assert river[4].text == "bank" and river[4]._.sense == "bank%1:17:01::"
    expressions = {span.text: span._.sense for span in doc.spans["wsd_expressions"]}
    assert expressions["credit card"].startswith("credit_card%1:")
    assert expressions["took place"].startswith("take_place%2:")
    assert doc[1]._.sense.startswith("pay%2:") and doc[0]._.sense is None  # "She": not a target


def test_pipe_batches_documents(index: Path) -> None:
    nlp = spacy.blank("en")
    component: Any = nlp.add_pipe("wsd", config={"index": str(index), "batch_size": 2})
    calls: list[int] = []
    engine = component._engine
    original = engine.disambiguate_batch

    def counting(documents: Any, *, top_k: int) -> Any:
        calls.append(len(documents))
        return original(documents, top_k=top_k)

    engine.disambiguate_batch = counting
    texts = [TEXT, RIVER, "The bank raised its rates.", "Cash from the bank.", "A river."]
    docs = list(nlp.pipe(texts))
    assert calls == [2, 2, 1]
    assert [_senses(d) for d in docs] == [_senses(nlp(t)) for t in texts]


def test_pipeline_lemma_and_pos_are_used(index: Path) -> None:
    nlp = spacy.blank("en")
    ruler: Any = nlp.add_pipe("attribute_ruler")
    ruler.add(patterns=[[{"LOWER": "banked"}]], attrs={"LEMMA": "bank", "POS": "VERB"})
    ruler.add(patterns=[[{"LOWER": "the"}]], attrs={"POS": "DET"})
    ruler.add(patterns=[[{"LOWER": "river"}]], attrs={"POS": "NOUN", "LEMMA": "river"})
    nlp.add_pipe("wsd", config={"index": str(index)})
    doc = nlp("They banked the cash by the river")
    assert doc[1]._.sense.startswith("bank%2:")  # the lemma and POS from the pipeline
    assert doc[2]._.sense is None  # tagged DET: never a target
    assert doc[6]._.sense == "river%1:17:00::"
    assert list(doc.spans["wsd_expressions"]) == []  # pipeline tokens are kept as they are


def test_remote_server_gives_the_same_senses(index: Path, server: ServerThread) -> None:
    local, remote = spacy.blank("en"), spacy.blank("en")
    local.add_pipe("wsd", config={"index": str(index)})
    remote.add_pipe("wsd", config={"server": server.address})
    for text in (TEXT, RIVER):
        assert _senses(remote(text)) == _senses(local(text))


def test_a_remote_component_waits_the_client_config_timeout() -> None:
    component: Any = spacy.blank("en").add_pipe("wsd", config={"server": "127.0.0.1:1"})  # not called
    assert component._engine.timeout == ClientConfig().timeout
    component._engine.close()
