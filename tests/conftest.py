"""Session fixtures: the real encoder, the real WordNet, and a tiny real index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from wsd_service import BuildConfig, Disambiguator, Encoder, Inventory
from wsd_service.build import IndexBuilder

from .corpora import TINY_LEMMAS, write_corpus

TINY_SENTENCES = [
    (
        "She deposited the cheque at the bank .",
        {"bank": "bank%1:14:00::", "deposited": "deposit%2:40:00::"},
    ),
    ("The bank raised its interest rates .", {"bank": "bank%1:14:00::"}),
    (
        "They fished from the bank of the river .",
        {"bank": "bank%1:17:01::", "river": "river%1:17:00::"},
    ),
    ("Grass grew on the muddy bank of the stream .", {"bank": "bank%1:17:01::"}),
]


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    return Encoder()


@pytest.fixture(scope="session")
def inventory() -> Inventory:
    return Inventory()


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus") / "tiny", TINY_SENTENCES)


@pytest.fixture(scope="session")
def tiny_index(
    tmp_path_factory: pytest.TempPathFactory,
    encoder: Encoder,
    inventory: Inventory,
    tiny_corpus: Path,
) -> Path:
    out = tmp_path_factory.mktemp("index") / "tiny"
    config = BuildConfig(corpora=(tiny_corpus,), lemmas=TINY_LEMMAS, progress=False)
    IndexBuilder(encoder, inventory, config).build(out)
    return out


@pytest.fixture(scope="session")
def wordnet_index(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder, inventory: Inventory) -> Path:
    """WordNet alone (the default index's kind), a few families of related lemmas."""
    out = tmp_path_factory.mktemp("index") / "wordnet"
    lemmas = TINY_LEMMAS | {"dog", "canine", "domestic_animal", "cat", "feline", "storm", "rate", "interest"}
    IndexBuilder(encoder, inventory, BuildConfig(lemmas=lemmas, progress=False)).build(out)
    return out


@pytest.fixture(scope="session")
def disambiguator(tiny_index: Path, encoder: Encoder) -> Iterator[Disambiguator]:
    yield Disambiguator.load(tiny_index, encoder=encoder)
