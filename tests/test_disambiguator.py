from __future__ import annotations

import pytest

from wsd_service import Disambiguator, Document, InputError, InputToken, LimitExceededError


def test_raw_text_finds_targets_spans_and_senses(disambiguator: Disambiguator) -> None:
    text = "I went to the bank and withdrew some cash."
    results = disambiguator.disambiguate(text, top_k=3)
    by_word = {r.text: r for r in results}
    assert set(by_word) == {"went", "bank", "withdrew", "cash"}  # no "I" (iodine), no "to"
    bank = by_word["bank"]
    assert text[bank.start or 0 : bank.end] == "bank"
    assert (bank.lemma, bank.pos) == ("bank", "NOUN")
    assert bank.best is not None and bank.best.key == "bank%1:14:00::"
    assert len(bank.senses) == 3
    assert bank.best.gloss.startswith("a financial institution")
    assert bank.best.source == "corpus"
    assert by_word["went"].lemma == "go"


def test_river_bank(disambiguator: Disambiguator) -> None:
    [bank] = [
        r for r in disambiguator.disambiguate("We had a picnic on the grassy river bank.") if r.text == "bank"
    ]
    assert bank.best is not None and bank.best.key == "bank%1:17:01::"


def test_multiword_expressions_are_one_token(disambiguator: Disambiguator) -> None:
    text = "The meeting took place at the river."
    words = [w.text for w in disambiguator.embed(text).words]
    assert words == ["The", "meeting", "took place", "at", "the", "river", "."]
    [river] = [r for r in disambiguator.disambiguate(text) if r.lemma == "river"]
    assert river.token_index == 5 and text[river.start or 0 : river.end] == "river"


def test_tokens_with_lemma_and_pos(disambiguator: Disambiguator) -> None:
    tokens = [
        InputToken("They"),
        InputToken("banked", "bank", "VERB"),
        InputToken("cash", target=False),
    ]
    [result] = disambiguator.disambiguate(tokens)
    assert (result.lemma, result.pos) == ("bank", "VERB")
    assert result.best is not None and result.best.key.startswith("bank%2:")


def test_unknown_lemma_is_an_empty_candidate_list(disambiguator: Disambiguator) -> None:
    [result] = disambiguator.disambiguate([InputToken("blorf", "blorf", "NOUN", target=True)])
    assert result.senses == []
    assert disambiguator.disambiguate("Of the and to, by.") == []


def test_explicit_targets(disambiguator: Disambiguator) -> None:
    results = disambiguator.disambiguate(Document("the bank of the river", targets=[1]))
    assert [r.text for r in results] == ["bank"]
    with pytest.raises(InputError, match="target index 7 is out of range"):
        disambiguator.disambiguate(Document("the bank", targets=[7]))


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (Document(text=""), "text is empty"),
        (Document(text=" \n\t "), "text is empty"),
        (Document(), "give either text or tokens"),
        (Document(text="x", tokens=[InputToken("x")]), "give either text or tokens"),
        (Document(tokens=[]), "tokens are empty"),
        (Document(tokens=[InputToken("")]), "token 0 has no text"),
    ],
)
def test_bad_documents(disambiguator: Disambiguator, document: Document, message: str) -> None:
    with pytest.raises(InputError, match=message):
        disambiguator.disambiguate_batch([document])


def test_limits(disambiguator: Disambiguator) -> None:
    with pytest.raises(LimitExceededError, match="the limit is 10000"):
        disambiguator.disambiguate("bank " * 10_001)
    with pytest.raises(LimitExceededError, match="characters"):
        disambiguator.disambiguate("x" * 1_000_001)
    for top_k in (0, -1, 101):
        with pytest.raises(InputError, match="top_k must be between 1 and 100"):
            disambiguator.disambiguate("bank", top_k=top_k)


def test_batch_answers_each_document(disambiguator: Disambiguator) -> None:
    answers = disambiguator.disambiguate_batch([Document(text="the bank"), Document(text="a river")])
    assert [[r.lemma for r in doc] for doc in answers] == [["bank"], ["river"]]
