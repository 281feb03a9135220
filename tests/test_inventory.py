from __future__ import annotations

import gc
import itertools
import tracemalloc
from pathlib import Path

import pytest

from wsd_service import Inventory, InventoryError
from wsd_service._core.environment import DEFAULT_WORDNET_DIR
from wsd_service._core.sense import POS_TAGS
from wsd_service._engine.lexicon.custom_senses import CustomSense
from wsd_service._engine.lexicon.wordnet import WordNetDatabase


def test_earth_keys_come_from_wordnet_not_nltk(inventory: Inventory) -> None:
    senses = inventory.senses("earth", "NOUN")
    assert senses[0].key == "earth%1:17:00::"  # NLTK's Lemma.key() says earth%1:17:02::
    assert senses[0].synset_id == "09270894-n"
    assert senses[0].sense_number == 1
    assert [s.key for s in senses[:3]] == ["earth%1:17:00::", "earth%1:27:00::", "earth%1:17:01::"]


def test_sense_fields(inventory: Inventory) -> None:
    bank = inventory.senses("bank", "NOUN")
    assert len(bank) == 10
    first = bank[0]
    assert first.key == "bank%1:17:01::"
    assert first.gloss.startswith("sloping land")
    assert first.examples and "bank" in first.examples[0]
    assert first.lexname == "noun.object"
    assert first.tag_count > 0
    assert inventory.senses("bank", "VERB")[0].key.startswith("bank%2:")


def test_adjective_satellites_name_their_head(inventory: Inventory) -> None:
    keys = [s.key for s in inventory.senses("fat", "ADJ")]
    assert keys[:2] == ["fat%3:00:01::", "fat%5:00:00:thick:01"]


def test_morphology_and_collocations(inventory: Inventory) -> None:
    assert inventory.lemmatise("went", "VERB") == ["go"]
    assert inventory.lemmatise("rivers", "NOUN") == ["river"]
    assert inventory.lemmatise("banks", "NOUN") == ["banks", "bank"]  # Banks, the explorer
    assert inventory.lemmatise("took place", "VERB") == ["take_place"]
    assert inventory.lemmatise("attorneys general", "NOUN") == ["attorney_general"]
    assert inventory.lemmatise("xyzzyq", "NOUN") == []
    assert inventory.lemmatise("bank\ud800", "NOUN") == []  # a lone surrogate, as JSON allows


def test_runs_of_words_find_inflected_expressions_at_any_position(inventory: Inventory) -> None:
    assert inventory.lemmatise("ice creams", "NOUN") == ["ice_cream"]  # the last word inflected
    assert inventory.lemmatise("kicked the bucket", "VERB") == ["kick_the_bucket"]
    assert inventory.lemmatise("New_York", "n") == ["new_york"]
    assert inventory.lemmatise("the river bank", "NOUN") == []  # no expression: nothing looked up


def test_a_run_starts_an_expression_only_if_its_first_two_words_do(inventory: Inventory) -> None:
    for run in ("took place", "attorneys general", "ice creams", "Kicked the", "New York", "new_york city"):
        assert inventory.may_start_expression(run), run
    for run in ("the river bank", "bank and", "xyzzy place"):
        assert not inventory.may_start_expression(run), run
    # An irregular form whose base is two words ("comics": comic_strip) shifts the lemma's words.
    strip = CustomSense("acme:strip-artist", "comic_strip_artist", "NOUN", "draws comic strips", ())
    custom = Inventory(inventory.wordnet, [strip])
    assert custom.lemmatise("comics artist", "NOUN") == ["comic_strip_artist"]
    assert custom.may_start_expression("comics artist") and custom.may_start_expression("the comics")
    # Never a run whose lemma the inventory finds: each WordNet multi-word lemma (every 40th),
    # its first or second word given each regular and irregular inflection morphy undoes.
    checked = 0
    for tag, letter in POS_TAGS.items():
        irregular = inventory.wordnet.inflected_forms(letter)
        for lemma in itertools.islice((w for w in inventory.wordnet.lemmas(letter) if "_" in w), 0, None, 40):
            words = lemma.split("_")
            for position in (0, 1):
                word = words[position]
                for form in [
                    word,
                    *irregular.get(word, ()),
                    *(word + ending for ending in ("s", "es", "ed", "ing")),
                ]:
                    run = " ".join([*words[:position], form, *words[position + 1 :]])
                    if lemma in inventory.lemmatise(run, tag):
                        checked += 1
                        assert inventory.may_start_expression(run), (run, lemma)
    assert checked > 2000


def test_a_form_is_lemmatised_under_every_pos_at_once(inventory: Inventory) -> None:
    assert inventory.lemmas_by_pos("banks") == (("NOUN", ("banks", "bank")), ("VERB", ("bank",)))
    assert inventory.lemmas_by_pos("took place") == (("VERB", ("take_place",)),)
    assert inventory.lemmas_by_pos("xyzzyq") == ()
    for form in ("banks", "went", "better", "took place"):
        found = dict(inventory.lemmas_by_pos(form))
        assert all(inventory.lemmatise(form, tag) == list(found.get(tag, ())) for tag in POS_TAGS), form


def test_only_single_words_are_kept_in_the_lemma_cache(inventory: Inventory) -> None:
    # The expression finder asks about thousands of new runs per thousand sentences; kept, they
    # would fill the cache and push out the words that recur.
    fresh = Inventory(inventory.wordnet)
    for number in range(50):
        assert fresh.lemmatise(f"rivers bank{number}", "NOUN") == []
    assert fresh.lemmatise("rivers", "NOUN") == ["river"]
    assert fresh.lemmatise("rivers", "NOUN") == ["river"]
    kept = fresh._word_lemmas.cache_info()
    assert (kept.currsize, kept.hits) == (1, 1)


def test_custom_multi_word_lemmas_are_found_inflected(inventory: Inventory) -> None:
    sense = CustomSense("acme:widget-pack", "widget_pack", "NOUN", "a pack of widgets", ())
    custom = Inventory(inventory.wordnet, [sense])
    assert custom.lemmatise("widget packs", "NOUN") == ["widget_pack"]
    assert custom.lemmatise("widgets pack", "NOUN") == ["widget_pack"]


def test_unknown_lemma_and_pos_give_no_candidates(inventory: Inventory) -> None:
    assert inventory.senses("xyzzyq", "NOUN") == ()
    assert inventory.senses("bank", "DET") == ()


def test_lookup_by_key(inventory: Inventory) -> None:
    sense = inventory.by_key("bank%1:14:00::")
    assert sense is not None and sense.gloss.startswith("a financial institution")
    assert inventory.by_key("bank%1:99:99::") is None


def test_missing_wordnet_is_a_clear_error(tmp_path: object) -> None:
    with pytest.raises(InventoryError, match="wordnet-base"):
        WordNetDatabase(tmp_path)  # type: ignore[arg-type]


def test_wordnet_lines_are_read_from_the_mapped_files(tmp_path: Path) -> None:
    wordnet = WordNetDatabase()
    assert wordnet.exceptions("geese", "n") == ["goose"] and wordnet.exceptions("axes", "n") == ["ax", "axis"]
    assert wordnet.exceptions("river", "n") == []
    assert wordnet.tag_count("bank%1:14:00::") == 20 and wordnet.tag_count("bank%1:99:99::") == 0
    gc.collect()
    tracemalloc.start()
    kept = WordNetDatabase()
    ours = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(True, "*/wsd_service/*")])
    tracemalloc.stop()
    held = sum(stat.size for stat in ours.statistics("filename"))  # not what Python's own caches grew
    assert kept.tag_count("bank%1:14:00::") == 20
    assert held < 3 * 2**20, f"{held / 2**20:.1f} MB held (parsed lines cost about 6)"
    # An empty exception list and no tag counts (cntlist.rev is optional) read as none.
    for name in ("index", "data"):
        for part in ("noun", "verb", "adj", "adv"):
            (tmp_path / f"{name}.{part}").symlink_to(DEFAULT_WORDNET_DIR / f"{name}.{part}")
    for part in ("noun", "verb", "adj", "adv"):
        (tmp_path / f"{part}.exc").write_text("")
    bare = WordNetDatabase(tmp_path)
    assert bare.exceptions("geese", "n") == [] and bare.tag_count("bank%1:14:00::") == 0
    # A key given twice reads as its later line, as a dict built from the file; the last line
    # needs no newline; a line of one field has no bases.
    (tmp_path / "noun.exc").write_text("aurar eyir\naurar eyrir\nlonely\ngeese goose")
    (tmp_path / "cntlist.rev").write_text("bank%1:14:00:: 2 20")
    files = WordNetDatabase(tmp_path)
    assert files.exceptions("aurar", "n") == ["eyrir"] and files.exceptions("lonely", "n") == []
    assert files.exceptions("geese", "n") == ["goose"] and files.tag_count("bank%1:14:00::") == 20
    assert [s.key for s in bare.senses("bank", "n")][:1] == ["bank%1:17:01::"]
