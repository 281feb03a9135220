from __future__ import annotations

import json
import signal
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import pytest

from wsd_service import (
    BuildConfig,
    CorpusError,
    Disambiguator,
    Encoder,
    EncoderConfig,
    Inventory,
    ScoringConfig,
    SenseIndexError,
)
from wsd_service._core.hashing import sha256_file
from wsd_service._core.manifest import (
    CONTEXT_NUMBERS_FILE,
    CONTEXT_VECTORS_FILE,
    GLOSS_VECTORS_FILE,
    MANIFEST_FILE,
    NEIGHBOURHOODS_FILE,
    OCCURRENCE_RANGES_FILE,
    OCCURRENCES_FILE,
    resolve_index_dir,
)
from wsd_service._core.sense import SenseRow
from wsd_service._engine.store.mapped_arrays import as_float32
from wsd_service._engine.store.occurrence_store import OccurrenceIndex
from wsd_service._engine.store.sense_table import SenseTable
from wsd_service._engine.store.sense_vectors import SenseVectors
from wsd_service.build import IndexBuilder, load_index

from .corpora import build_index_command, write_corpus
from .waiting import wait_until


def test_manifest_records_the_build(tiny_index: Path, encoder: Encoder) -> None:
    index = load_index(tiny_index, encoder.signature)
    manifest = index.manifest
    assert manifest.dimension == 2 * encoder.dimension
    assert manifest.encoder.weights_sha256 == encoder.weights_sha256
    assert manifest.senses["corpus"] == 4  # bank x2, deposit, river
    assert manifest.senses["total"] == len(index)
    assert manifest.corpora[0]["occurrences"] == 6
    assert len(manifest.corpora[0]["data_sha256"]) == 64
    assert {"context_vectors.npy", "gloss_vectors.npy", "senses.tsv", "occurrences.npy"} <= set(
        manifest.files
    )
    on_disk = json.loads((resolve_index_dir(tiny_index) / "manifest.json").read_text())
    assert on_disk["scoring"] == asdict(ScoringConfig())


def test_every_sense_of_the_selected_lemmas_has_a_row(tiny_index: Path, inventory: Inventory) -> None:
    index = load_index(tiny_index)
    expected = {
        s.key for lemma in ("bank", "river") for pos in ("NOUN", "VERB") for s in inventory.senses(lemma, pos)
    }
    assert expected <= {row.key for row in index.rows}
    start, end = index.candidate_range("bank", "NOUN") or (0, 0)
    assert end - start == 10
    assert {row.source for row in index.rows} == {"corpus", "gloss", "propagated"}


def test_candidate_ranges_are_the_lemmas_own(tiny_index: Path) -> None:
    index = load_index(tiny_index)
    start, end = index.candidate_range("bank", "NOUN") or (0, 0)
    assert all(index.rows[n].lemma == "bank" for n in range(start, end))
    assert index.candidate_range("xyzzyq", "NOUN") is None


def test_the_sense_table_reads_back_every_row_and_finds_each_key(tiny_index: Path, tmp_path: Path) -> None:
    table = load_index(tiny_index).rows
    rows = list(table)
    assert all(table.row_number(row.key) == number for number, row in enumerate(rows))
    assert table.row_number("bank%9:99:99::") is None
    assert [table[-1]] == rows[-1:] and table.lemma_pos(0) == (rows[0].lemma, rows[0].pos)
    table.write(tmp_path / "senses.tsv")
    assert list(SenseTable.read(tmp_path / "senses.tsv")) == rows


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("bank%1:14:00::\tbank\tNOUN\t08420278-n\tmany\tcorpus", "senses.tsv:2: malformed row"),
        ("bank%1:14:00::\tbank\tNOUN\t08420278-n\t1", "senses.tsv:2: malformed row"),
        ("bank%1:14:00::\tbank\tNOUNS\t08420278-n\t1\tcorpus", "senses.tsv:2: .*POS 'NOUNS' is not one"),
    ],
)
def test_a_malformed_sense_table_is_named_with_its_line(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "senses.tsv"
    path.write_text(f"key\tlemma\tpos\tsynset_id\tcount\tsource\n{line}\n", encoding="utf-8")
    with pytest.raises(SenseIndexError, match=problem):
        SenseTable.read(path)


def test_occurrences_are_read_in_place_from_aligned_rows(tiny_index: Path) -> None:
    """numpy multiplies unaligned rows element by element, several times slower than by BLAS."""
    matrix = load_index(tiny_index).occurrences._matrix  # type: ignore[union-attr]
    assert matrix.flags.aligned and matrix.ctypes.data % 64 == 0 and not matrix.flags.writeable


@pytest.mark.parametrize(
    ("stored", "ranges", "problem"),
    [
        (np.zeros((3, 4), np.float16), "bank%1:14:00::\t0\t3\n", "a float16 array of shape \\(3, 4\\)"),
        (np.zeros(12, np.float32), "bank%1:14:00::\t0\t3\n", "a float32 array of shape \\(12,\\)"),
        (np.zeros((3, 4), np.float32), "bank%1:14:00::\t0\t4\n", "ranges exceed the 3 occurrences"),
        (np.zeros((3, 4), np.float32), "bank%1:14:00::\t0\tthree\n", "occurrences.tsv:1: malformed row"),
    ],
)
def test_a_malformed_occurrence_store_is_named(
    tmp_path: Path, stored: np.ndarray, ranges: str, problem: str
) -> None:
    np.save(tmp_path / OCCURRENCES_FILE, stored)
    (tmp_path / OCCURRENCE_RANGES_FILE).write_text(ranges, encoding="utf-8")
    with pytest.raises(SenseIndexError, match=problem):
        OccurrenceIndex.load(tmp_path)


def test_a_lemmas_rows_must_be_contiguous() -> None:
    row = SenseRow("bank%1:14:00::", "bank", "NOUN", "08420278-n", 1, "corpus")
    other = SenseRow("river%1:17:00::", "river", "NOUN", "09411430-n", 1, "corpus")
    with pytest.raises(SenseIndexError, match="bank/NOUN are not contiguous"):
        SenseTable([row, other, row])


def test_a_sense_table_finds_lemmas_and_keys_whose_hashes_collide(monkeypatch: pytest.MonkeyPatch) -> None:
    # Lookups go by hash, then confirm the string: two lemmas and two keys sharing one hash must
    # still find their own rows.
    import builtins

    monkeypatch.setattr(builtins, "hash", lambda text: 7)
    rows = [
        SenseRow("bank%1:14:00::", "bank", "NOUN", "08420278-n", 1, "corpus"),
        SenseRow("bank%1:17:01::", "bank", "NOUN", "09213565-n", 1, "corpus"),
        SenseRow("river%1:17:00::", "river", "NOUN", "09411430-n", 1, "corpus"),
    ]
    table = SenseTable(rows)
    assert (table.candidate_range("bank", "NOUN"), table.candidate_range("river", "NOUN")) == ((0, 2), (2, 3))
    assert [table.row_number(row.key) for row in rows] == [0, 1, 2]
    assert (table.candidate_range("bank", "VERB"), table.candidate_range("lake", "NOUN")) == (None, None)
    assert table.row_number("lake%1:17:00::") is None


def test_fp16_vectors_rank_like_fp32(tmp_path: Path, encoder: Encoder, inventory: Inventory) -> None:
    engines = {}
    for storage in ("fp16", "fp32"):
        config = BuildConfig(
            lemmas=frozenset({"bank"}), use_examples=False, vector_storage=storage, progress=False
        )
        IndexBuilder(encoder, inventory, config).build(tmp_path / storage)
        engines[storage] = Disambiguator.load(tmp_path / storage, encoder=encoder)
        assert engines[storage].pipeline.index.manifest.build["options"]["vector_storage"] == storage
    for name in ("gloss_vectors.npy", "neighbourhoods.npy"):  # the rows and their neighbourhoods
        sizes = {s: (resolve_index_dir(tmp_path / s) / name).stat().st_size for s in engines}
        assert sizes["fp16"] < 0.6 * sizes["fp32"], name
    [half, full] = (
        e.disambiguate("We sat on the grassy bank of the river.", top_k=10) for e in engines.values()
    )
    assert [s.key for s in half[0].senses] == [s.key for s in full[0].senses]
    for a, b in zip(half[0].senses, full[0].senses, strict=True):
        assert a.score == pytest.approx(b.score, abs=2e-3)


def test_equal_neighbourhoods_are_stored_once(tmp_path: Path, encoder: Encoder, inventory: Inventory) -> None:
    """Ludian, Veps and Ingrian (the languages) relate, within this index, to Baltic-Finnic
    alone: one stored vector serves the three."""
    lemmas = frozenset({"ludian", "veps", "ingrian", "baltic-finnic"})
    IndexBuilder(encoder, inventory, BuildConfig(lemmas=lemmas, use_examples=False, progress=False)).build(
        tmp_path / "index"
    )
    index = Disambiguator.load(tmp_path / "index", encoder=encoder).pipeline.index
    stored, slots = index.neighbourhoods.vectors, index.neighbourhoods.slots
    assert len(np.unique(stored, axis=0)) == len(stored)
    languages = [index.row_number(f"{lemma}%1:10:00::") for lemma in ("ludian", "veps", "ingrian")]
    assert None not in languages
    assert len({int(slots[row]) for row in languages}) == 1
    assert slots[languages[0]] >= 0


def test_stored_halves_read_as_float32_bit_for_bit() -> None:
    """Every finite float16 (zeros, subnormals, the largest) converts as numpy's astype does."""
    halves = np.arange(2**16, dtype=np.uint16).view(np.float16)
    rows = halves[np.isfinite(halves)].reshape(2, -1)
    converted = as_float32(rows[:, ::-1])  # a strided view, as an index's row selection can be
    assert converted.dtype == np.float32
    assert np.array_equal(converted.view(np.uint32), rows[:, ::-1].astype(np.float32).view(np.uint32))


def test_index_built_with_other_layers_is_refused(
    tmp_path: Path, encoder: Encoder, inventory: Inventory
) -> None:
    second_layer = Encoder(EncoderConfig(layers=(-2,)))
    config = BuildConfig(lemmas=frozenset({"river"}), use_examples=False, progress=False)
    IndexBuilder(second_layer, inventory, config).build(tmp_path / "index")
    with pytest.raises(
        SenseIndexError, match="another encoder configuration: layers is 'mean:5' in the index"
    ):
        Disambiguator.load(tmp_path / "index", encoder=encoder)
    # Without an explicit encoder, the index's own layers are used.
    engine = Disambiguator.load(tmp_path / "index")
    assert engine.encoder.layers == (5,)
    assert [r.lemma for r in engine.disambiguate("the river")] == ["river"]


def test_corrupt_or_missing_files_are_refused(tmp_path: Path, tiny_index: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(resolve_index_dir(tiny_index), copy)
    vectors = copy / "gloss_vectors.npy"
    intact = vectors.read_bytes()
    vectors.write_bytes(intact[:200] + bytes([intact[200] ^ 0xFF]) + intact[201:])
    with pytest.raises(SenseIndexError, match=r"gloss_vectors\.npy is corrupt"):
        load_index(copy)
    vectors.write_bytes(intact)
    (copy / "senses.tsv").unlink()
    with pytest.raises(SenseIndexError, match=r"senses\.tsv is missing"):
        load_index(copy)
    with pytest.raises(SenseIndexError, match="holds no sense index"):
        load_index(tmp_path / "empty")


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        (NEIGHBOURHOODS_FILE, np.int32),
        (OCCURRENCES_FILE, np.int32),
        (CONTEXT_VECTORS_FILE, np.int32),
        (GLOSS_VECTORS_FILE, np.int32),
        (CONTEXT_NUMBERS_FILE, np.int64),
    ],
)
def test_an_array_of_the_wrong_type_is_refused_naming_it(
    name: str, stored: type[np.integer[Any]], tmp_path: Path, tiny_index: Path
) -> None:
    """Intact (its checksum matches) but not what it should hold: refused at load, not misread later."""
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(resolve_index_dir(tiny_index), copy)
    np.save(copy / name, np.load(copy / name).astype(stored))
    manifest = json.loads((copy / MANIFEST_FILE).read_text())
    manifest["files"][name] = sha256_file(copy / name)
    (copy / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(SenseIndexError, match=rf"{name}: a {np.dtype(stored)} array"):
        load_index(copy)


def test_unknown_gold_keys_are_counted_not_fatal(
    tmp_path: Path, encoder: Encoder, inventory: Inventory
) -> None:
    prefix = write_corpus(tmp_path / "bad", [("the bank", {"bank": "bank%1:99:99::"})])
    config = BuildConfig(corpora=(prefix,), lemmas=frozenset({"bank"}), use_examples=False, progress=False)
    report = IndexBuilder(encoder, inventory, config).build(tmp_path / "out")
    assert report.unknown_keys == {"bank%1:99:99::": 1}
    assert report.manifest.corpora[0]["unknown_keys"] == 1


def test_malformed_corpus_stops_the_build_and_keeps_the_old_index(
    tmp_path: Path, encoder: Encoder, inventory: Inventory, tiny_index: Path
) -> None:
    prefix = tmp_path / "broken"
    Path(f"{prefix}.data.xml").write_text(
        "<corpus><text><sentence id='s'><wf lemma='a'>a</wf>", encoding="utf-8"
    )
    Path(f"{prefix}.gold.key.txt").write_text("", encoding="utf-8")
    config = BuildConfig(corpora=(prefix,), lemmas=frozenset({"bank"}), progress=False)
    with pytest.raises(CorpusError, match=r"broken\.data\.xml:1: <wf> has no pos"):
        IndexBuilder(encoder, inventory, config).build(tiny_index)
    assert len(load_index(tiny_index)) > 0


def test_killed_build_leaves_the_previous_index_intact(tmp_path: Path) -> None:
    out = tmp_path / "index"
    subprocess.run(build_index_command(out, "bank"), check=True, capture_output=True)
    before = load_index(out)
    # A bigger build, killed (kill -9) while its progress bar says it encodes: the old index
    # must still load unchanged.
    lemmas = "go,make,take,get,run,set,put,give,break,cut,turn,play,hold,line,head,point"
    log = tmp_path / "build.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(build_index_command(out, lemmas, quiet=False), stderr=stderr)
    try:
        wait_until(
            lambda: "encoding glosses" in log.read_text() or process.poll() is not None,
            "the build to start encoding glosses",
        )
        assert process.poll() is None, f"the build ended before it could be killed:\n{log.read_text()}"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    after = load_index(out)
    assert after.directory == before.directory
    assert [r.key for r in after.rows] == [r.key for r in before.rows]
    # The next successful build replaces it.
    subprocess.run(build_index_command(out, "river"), check=True, capture_output=True)
    assert {r.lemma for r in load_index(out).rows} == {"river"}
    assert len([p for p in out.iterdir() if p.name.startswith("wsd-index-")]) == 1


_RESIDENT_AFTER_LOAD = """
import sys
from pathlib import Path
from wsd_service.build import load_index
index = load_index(Path(sys.argv[1]))
name = None
for line in Path("/proc/self/smaps").read_text().splitlines():
    fields = line.split()
    if "-" in fields[0]:  # a mapping's header, its file last; an anonymous one has none
        name = Path(fields[5]).name if len(fields) >= 6 else None
    elif name and fields[0] in ("Size:", "Rss:"):
        print(name, fields[0], fields[1])
"""


def test_loading_maps_every_page_ranking_reads(tiny_index: Path) -> None:
    """The first calls pay no page faults: what ranking reads is in the page tables at load
    (a fresh process, so that no earlier load in this one touched the files)."""
    printed = subprocess.run(
        [sys.executable, "-c", _RESIDENT_AFTER_LOAD, str(tiny_index)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    pages: dict[str, dict[str, int]] = {}
    for line in printed.splitlines():
        name, field, kilobytes = line.split()
        pages.setdefault(name, {}).setdefault(field, 0)
        pages[name][field] += int(kilobytes)
    ranked = ("context_vectors.npy", "context_numbers.npy", "gloss_vectors.npy", "occurrences.npy",
              "neighbourhoods.npy", "neighbourhood_slots.npy", "gloss_spans.npy", "glosses.bin")  # fmt: skip
    for name in ranked:
        assert name in pages, f"{name} is not mapped: {sorted(pages)}"
        assert pages[name]["Rss:"] == pages[name]["Size:"] > 0, f"{name}: {pages[name]}"


def test_shared_context_halves_are_stored_once_and_read_back_bit_for_bit(tmp_path: Path) -> None:
    matrix = np.random.default_rng(3).standard_normal((6, 8)).astype(np.float32)
    matrix[[3, 5], :4] = matrix[1, :4]  # three rows borrow one context
    for storage in ("fp16", "fp32"):
        expected = matrix
        if storage == "fp16":  # FAISS's fp16 rounding, as an index stores its rows
            quantizer = faiss.ScalarQuantizer(8, faiss.ScalarQuantizer.QT_fp16)
            expected = quantizer.decode(quantizer.compute_codes(matrix))
        SenseVectors.store(matrix, storage).save(tmp_path)
        assert np.load(tmp_path / CONTEXT_VECTORS_FILE).shape == (4, 4)
        loaded = SenseVectors.load(tmp_path)
        assert loaded.dimension == 8 and len(loaded) == 6
        assert np.array_equal(loaded.rows(np.arange(6)), expected)
        context, gloss = loaded.halves(np.array([5, 0]))
        assert np.array_equal(context, expected[[5, 0], :4]) and np.array_equal(gloss, expected[[5, 0], 4:])
    np.save(tmp_path / CONTEXT_NUMBERS_FILE, np.array([0, 1, 2, 1, 9, 1], dtype=np.int32))
    with pytest.raises(SenseIndexError, match="numbers outside the 4 context halves"):
        SenseVectors.load(tmp_path)
    np.save(tmp_path / CONTEXT_VECTORS_FILE, np.zeros((4, 3), dtype=np.float32))
    with pytest.raises(SenseIndexError, match="are not two halves of one row"):
        SenseVectors.load(tmp_path)
