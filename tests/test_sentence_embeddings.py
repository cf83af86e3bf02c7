"""The numpy sentence encoder against PyTorch's: the same tokens, the same vectors.

`fixtures/minilm_reference.json` was written by transformers + PyTorch from the same weights
(the recipe is in the file); these tests need the weights package and skip without it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from briefing.reconcile import embeddings

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "minilm_reference.json").read_text())


@pytest.fixture(scope="module")
def encoder() -> Any:
    if not embeddings.available():
        pytest.skip(f"the sentence encoder is not installed ({embeddings.INSTALL_HINT})")
    return embeddings.encoder()


def test_the_encoder_matches_the_pytorch_reference(encoder: Any) -> None:
    vectors = encoder.embed(REFERENCE["sentences"])

    assert vectors.shape == (len(REFERENCE["sentences"]), 384)
    assert np.abs(vectors - np.array(REFERENCE["embeddings"])).max() < 1e-5
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_paraphrases_score_higher_than_unrelated_sentences(encoder: Any) -> None:
    double, twofold, football = encoder.embed([REFERENCE["sentences"][i] for i in (0, 1, 5)])
    assert double @ twofold > 0.7 > 0.1 > double @ football


def test_a_text_longer_than_the_window_is_truncated_not_refused(encoder: Any) -> None:
    long = " ".join(["The council voted to fund the new rail line."] * 200)

    (vector,) = encoder.embed([long])

    assert np.isfinite(vector).all()


def test_the_weights_are_unpacked_once_into_the_cache_and_read_from_there(
    encoder: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    embeddings.release()
    embeddings.encoder(tmp_path)
    unpacked = embeddings.unpacked_weights(tmp_path)
    assert unpacked.stat().st_size > 80_000_000

    def unpacking(*args: object) -> None:
        raise AssertionError("the weights were unpacked from the zip again")

    embeddings.release()
    monkeypatch.setattr(embeddings, "_read_member", unpacking)
    vectors = embeddings.encoder(tmp_path).embed(REFERENCE["sentences"])
    assert np.abs(vectors - np.array(REFERENCE["embeddings"])).max() < 1e-5
    embeddings.release()


def test_a_damaged_unpacked_copy_is_not_used_but_replaced(encoder: Any, tmp_path: Path) -> None:
    unpacked = embeddings.unpacked_weights(tmp_path)
    unpacked.parent.mkdir(parents=True)
    unpacked.write_bytes(b"not the weights")
    embeddings.release()

    vectors = embeddings.encoder(tmp_path).embed(REFERENCE["sentences"])

    assert np.abs(vectors - np.array(REFERENCE["embeddings"])).max() < 1e-5
    assert unpacked.stat().st_size > 80_000_000
    embeddings.release()


def test_remembered_vectors_are_encoded_once() -> None:
    asked: list[list[str]] = []

    def embed(texts: Sequence[str]) -> np.ndarray:
        asked.append(list(texts))
        return np.ones((len(texts), 384), dtype=np.float32)

    remembered = embeddings.Remembered(embed)
    remembered.embed(["a", "b", "a"])
    assert remembered.embed(["b", "c", "a"]).shape == (3, 384)
    assert asked == [["a", "b"], ["c"]]


def test_stored_vectors_are_read_back_exactly_for_the_same_list_of_texts(tmp_path: Path) -> None:
    asked: list[list[str]] = []

    def embed(texts: Sequence[str]) -> np.ndarray:
        asked.append(list(texts))
        rows = np.random.default_rng(len(asked)).standard_normal((len(texts), 384))
        return rows.astype(np.float32)

    def stored() -> embeddings.StoredVectors:  # a fresh store on the same folder: a re-run
        return embeddings.StoredVectors(embed, embeddings.vector_files(tmp_path))

    first = stored().embed(["a", "b"])
    again = stored().embed(["a", "b"])
    assert asked == [["a", "b"]] and again.dtype == np.float32
    assert np.array_equal(first, again)  # to the bit
    stored().embed(["a"])  # another list: its own batch, its own vectors
    stored().embed(["b", "a"])
    assert asked == [["a", "b"], ["a"], ["b", "a"]]


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(b"not a numpy file"),
        lambda path: np.save(path, np.zeros((3, 384), dtype=np.float32)),  # wrong count
        lambda path: np.save(path, np.zeros((2, 384), dtype=np.float64)),
        lambda path: np.save(path, np.array([{"a": 1}, {}], dtype=object), allow_pickle=True),
    ],
)
def test_a_damaged_store_of_vectors_is_encoded_again_and_replaced(
    tmp_path: Path, damage: Any
) -> None:
    calls = 0

    def embed(texts: Sequence[str]) -> np.ndarray:
        nonlocal calls
        calls += 1
        return np.full((len(texts), 384), calls, dtype=np.float32)

    store = embeddings.StoredVectors(embed, embeddings.vector_files(tmp_path))
    store.embed(["a", "b"])
    (kept,) = tmp_path.glob("??/*.npy")
    damage(kept)
    assert store.embed(["a", "b"])[0, 0] == 2.0
    assert store.embed(["a", "b"])[0, 0] == 2.0 and calls == 2


def test_an_unwritable_store_of_vectors_costs_speed_not_results(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = embeddings.StoredVectors(
        lambda texts: np.ones((len(texts), 384), dtype=np.float32), embeddings.vector_files(blocker)
    )
    assert store.embed(["a"]).shape == (1, 384)


def test_encoding_ahead_takes_the_texts_added_while_it_runs_in_order() -> None:
    asked: list[list[str]] = []
    added = threading.Event()

    def embed(texts: Sequence[str]) -> np.ndarray:
        added.wait(5)  # the claims are added while the sentences are being encoded
        asked.append(list(texts))
        return np.ones((len(texts), 384), dtype=np.float32)

    remembered = embeddings.Remembered(embed)
    with embeddings.Ahead(remembered, ["s1", "s2", "s1"]) as ahead:
        ahead.add(["claim"])
        ahead.add([])
        added.set()
        deadline = time.monotonic() + 5
        while len(asked) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert asked == [["s1", "s2"], ["claim"]]


def test_encoding_ahead_finishes_its_slices_when_the_reading_ends() -> None:
    asked: list[list[str]] = []

    def embed(texts: Sequence[str]) -> np.ndarray:
        asked.append(list(texts))
        return np.ones((len(texts), 384), dtype=np.float32)

    many = [f"text {n}" for n in range(embeddings.AHEAD_SLICE + 1)]
    with embeddings.Ahead(embeddings.Remembered(embed), many) as ahead:
        ahead.add(["claim"])
    # The same slices however far the thread had come when the reading ended.
    assert asked == [many[: embeddings.AHEAD_SLICE], many[embeddings.AHEAD_SLICE :], ["claim"]]


def test_encoding_ahead_begins_slices_only_while_the_cores_are_free_until_the_end() -> None:
    asked: list[list[str]] = []
    free = threading.Event()
    first_slice = threading.Event()

    def embed(texts: Sequence[str]) -> np.ndarray:
        asked.append(list(texts))
        free.clear()  # the model's server comes up while the first slice is encoded
        first_slice.set()
        return np.ones((len(texts), 384), dtype=np.float32)

    many = [f"text {n}" for n in range(2 * embeddings.AHEAD_SLICE + 1)]
    with embeddings.Ahead(embeddings.Remembered(embed), many, free) as ahead:
        time.sleep(0.3)
        assert asked == []  # the server has not begun to start
        free.set()
        first_slice.wait(5)
        ahead.add(["claim"])
        time.sleep(0.3)  # ample time to encode the rest, were the cores free
        assert asked == [many[: embeddings.AHEAD_SLICE]]
    slices = [many[: embeddings.AHEAD_SLICE], many[embeddings.AHEAD_SLICE : -1], many[-1:]]
    assert asked == [*slices, ["claim"]]


def _blas_threads() -> int:
    from threadpoolctl import threadpool_info

    pools = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return max(pools, default=1)  # a BLAS threadpoolctl cannot see runs as one thread here


def test_encoding_ahead_on_one_core_runs_the_slices_begun_while_one_is_free_on_one_thread() -> None:
    if _blas_threads() < 2:
        pytest.skip("numpy's BLAS runs on one thread here already")
    threads: list[int] = []
    free = threading.Event()
    free.set()  # the model's server is starting: one core is free

    def embed(texts: Sequence[str]) -> np.ndarray:
        threads.append(_blas_threads())
        free.clear()  # the server answers while the first slice is encoded
        return np.ones((len(texts), 384), dtype=np.float32)

    many = [f"text {n}" for n in range(embeddings.AHEAD_SLICE + 1)]
    with embeddings.Ahead(embeddings.Remembered(embed), many, free, one_core=True):
        deadline = time.monotonic() + 5
        while not threads and time.monotonic() < deadline:
            time.sleep(0.01)
    all_threads = _blas_threads()
    assert threads == [1, all_threads]  # the rest, after the reading, on every core


def test_the_vectors_are_the_same_on_one_blas_thread_as_on_all(encoder: Any) -> None:
    # Products large enough for OpenBLAS to split among threads.
    texts = [f"{sentence} (case {n})" for n in range(16) for sentence in REFERENCE["sentences"]]
    on_all = encoder.embed(texts)
    with embeddings.one_blas_thread():
        on_one = encoder.embed(texts)
    assert np.array_equal(on_one, on_all)


def test_encoding_ahead_stops_when_the_reading_fails_and_leaves_the_rest() -> None:
    asked: list[list[str]] = []
    started, release = threading.Event(), threading.Event()

    def embed(texts: Sequence[str]) -> np.ndarray:
        started.set()
        release.wait(5)
        asked.append(list(texts))
        return np.ones((len(texts), 384), dtype=np.float32)

    many = [f"text {n}" for n in range(embeddings.AHEAD_SLICE + 1)]
    with pytest.raises(KeyboardInterrupt), embeddings.Ahead(embeddings.Remembered(embed), many):
        started.wait(5)
        threading.Timer(0.5, release.set).start()  # the first slice ends after the failure
        raise KeyboardInterrupt
    assert asked == [many[: embeddings.AHEAD_SLICE]]


def test_a_failure_while_encoding_ahead_is_left_to_the_reading_that_follows() -> None:
    def broken(texts: Sequence[str]) -> np.ndarray:
        raise MemoryError("no room")

    with embeddings.Ahead(embeddings.Remembered(broken), ["a"]) as ahead:  # no raise
        ahead.add(["b"])
