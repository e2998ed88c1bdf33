"""MinHash signatures: estimates track exact Jaccard; vectorization is exact."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.prep.minhash import EMPTY_SIGNATURE_VALUE, MinHasher, jaccard_estimate
from accord.prep.shingles import shingle_hashes


def _offsets(*sizes: int) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


sets = st.sets(st.integers(0, 2**32 - 1), min_size=1, max_size=300)


@settings(max_examples=60, deadline=None)
@given(sets, sets, st.integers(0, 2**31))
def test_estimate_is_within_tolerance_of_exact_jaccard(a: set[int], b: set[int], seed: int) -> None:
    hasher = MinHasher(num_perm=512, seed=seed)
    sig = hasher.signatures(
        np.array(sorted(a) + sorted(b), dtype=np.uint32), _offsets(len(a), len(b))
    )
    exact = len(a & b) / len(a | b)
    # standard error sqrt(J(1-J)/512) <= 0.022; allow 6 of them
    assert abs(jaccard_estimate(sig[0], sig[1]) - exact) <= 0.13


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 2**32 - 1), max_size=40), min_size=1, max_size=12),
    st.integers(1, 50),
)
def test_block_size_does_not_change_signatures(docs: list[list[int]], block: int) -> None:
    flat = np.array([x for d in docs for x in d], dtype=np.uint32)
    offsets = _offsets(*map(len, docs))
    big = MinHasher(64, seed=3).signatures(flat, offsets)
    small = MinHasher(64, seed=3, block_size=block).signatures(flat, offsets)
    assert np.array_equal(big, small)
    for d, doc in enumerate(docs):
        alone = MinHasher(64, seed=3).signatures(np.array(doc, dtype=np.uint32), _offsets(len(doc)))
        assert np.array_equal(alone[0], big[d])
        if not doc:
            assert (big[d] == EMPTY_SIGNATURE_VALUE).all()


def test_order_and_duplicates_inside_a_document_do_not_matter() -> None:
    hasher = MinHasher(128, seed=1)
    sig = hasher.signatures(np.array([5, 1, 9, 9, 1, 5, 9], dtype=np.uint32), _offsets(3, 4))
    assert np.array_equal(sig[0], sig[1])


def test_seed_changes_the_functions() -> None:
    h, off = shingle_hashes(["one two three four"], n=2)
    assert not np.array_equal(
        MinHasher(64, seed=1).signatures(h, off), MinHasher(64, seed=2).signatures(h, off)
    )


def test_shingles_are_case_and_punctuation_insensitive() -> None:
    h, off = shingle_hashes(["Hello, World — again!", "hello world again"], n=2)
    assert sorted(h[off[0] : off[1]]) == sorted(h[off[1] : off[2]])
    h, off = shingle_hashes(["Hello  World", "hello world"], unit="char", n=3)
    assert sorted(h[off[0] : off[1]]) == sorted(h[off[1] : off[2]])


def test_short_and_empty_texts() -> None:
    _, off = shingle_hashes(["", "one", "one two", "  "], n=3)
    assert off.tolist() == [0, 0, 1, 2, 2]
    _, off = shingle_hashes(["ab", ""], unit="char", n=5)
    assert off.tolist() == [0, 1, 1]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.text(max_size=60), max_size=8), st.sampled_from(["word", "char"]), st.integers(1, 5)
)
def test_batched_shingles_equal_one_text_at_a_time(texts: list[str], unit: str, n: int) -> None:
    h, off = shingle_hashes(texts, unit=unit, n=n)  # type: ignore[arg-type]
    for d, text in enumerate(texts):
        alone, _ = shingle_hashes([text], unit=unit, n=n)  # type: ignore[arg-type]
        assert h[off[d] : off[d + 1]].tolist() == alone.tolist()
