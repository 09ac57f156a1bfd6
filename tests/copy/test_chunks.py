"""Chunk planning, pacing, progress and the resume journal: pure rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from azlab.copy.chunks import MAX_CHUNK, PAGE, chunk_ranges, covered, merge_ranges
from azlab.copy.journal import ChunkJournal
from azlab.copy.pacing import Pacer
from azlab.copy.progress import CopyProgress

MiB = 1024 * 1024


def test_chunks_are_aligned_and_never_cross_a_4mib_boundary() -> None:
    chunks = chunk_ranges([(3 * MiB, 9 * MiB + 512)])
    assert [(c.offset, c.length) for c in chunks] == [
        (3 * MiB, 1 * MiB),
        (4 * MiB, 4 * MiB),
        (8 * MiB, 1 * MiB + 512),
    ]


def test_empty_space_between_ranges_is_never_copied() -> None:
    chunks = chunk_ranges([(0, 512), (10 * MiB, 10 * MiB + 1024)])
    assert sum(c.length for c in chunks) == 1536


def test_unaligned_range_is_refused() -> None:
    with pytest.raises(ValueError, match="aligned"):
        chunk_ranges([(100, 612)])


page_ranges = st.lists(
    st.tuples(st.integers(0, 4096), st.integers(1, 9000)).map(
        lambda t: (t[0] * PAGE, (t[0] + t[1]) * PAGE)
    ),
    max_size=20,
)


@given(page_ranges)
def test_chunks_cover_exactly_the_allocated_bytes(ranges: list[tuple[int, int]]) -> None:
    chunks = chunk_ranges(ranges)
    merged = merge_ranges(ranges)
    assert sum(c.length for c in chunks) == sum(e - s for s, e in merged)
    assert covered(merged, [(c.offset, c.end) for c in chunks])
    assert covered([(c.offset, c.end) for c in chunks], merged)
    for c in chunks:
        assert 0 < c.length <= MAX_CHUNK
        assert c.offset // MAX_CHUNK == (c.end - 1) // MAX_CHUNK


def test_covered_detects_a_missing_range() -> None:
    assert not covered([(0, 1024)], [(0, 512), (2048, 2560)])


def test_pacer_cuts_on_throttle_and_grows_when_quiet() -> None:
    pacer = Pacer(limit=16, ceiling=16)
    pacer.on_throttle(now=1.0)
    assert pacer.window == 10  # 16 * 0.65
    pacer.on_throttle(now=1.01)  # same burst: one signal
    assert pacer.window == 10
    pacer.on_throttle(now=2.0)
    assert pacer.window == 6
    pacer.on_success(now=2.5)  # not quiet long enough
    assert pacer.window == 6
    pacer.on_success(now=3.1)
    assert pacer.window == 7
    assert pacer.throttled == 3


def test_pacer_honours_retry_after() -> None:
    pacer = Pacer()
    pacer.on_throttle(now=10.0, retry_after=3)
    assert pacer.wait_time(11.0) == pytest.approx(2.0)
    assert pacer.wait_time(13.5) == 0.0


def test_progress_counts_against_allocated_bytes() -> None:
    progress = CopyProgress(total=60 * MiB, started=0.0)
    progress.add(1.0, 15 * MiB)
    progress.add(2.0, 15 * MiB)
    event = progress.as_event(2.0)
    assert event["percent"] == 50.0
    assert event["rate_bytes_per_s"] == pytest.approx(15 * MiB)
    assert event["eta_s"] == pytest.approx(2.0)


def test_journal_resumes_only_for_the_same_source_etag(tmp_path: Path) -> None:
    path = tmp_path / "copy.json"
    journal = ChunkJournal(path, source_etag='"0x1"', destination="acct/vhds/a.vhd")
    journal.mark(0)
    journal.mark(4 * MiB)
    journal.save()
    again = ChunkJournal(path, source_etag='"0x1"', destination="acct/vhds/a.vhd")
    assert again.done == {0, 4 * MiB}
    changed = ChunkJournal(path, source_etag='"0x2"', destination="acct/vhds/a.vhd")
    assert changed.done == set()


def test_blob_urls_split_into_account_container_and_blob() -> None:
    from azlab.copy.endpoints import split_blob_url

    assert split_blob_url("http://127.0.0.1:10000/acct/vhds/a%20b.vhd") == (
        "acct",
        "vhds",
        "a b.vhd",
    )
    assert split_blob_url("https://acct.blob.core.windows.net/vhds/dir/a.vhd?sv=1&sig=x") == (
        "acct",
        "vhds",
        "dir/a.vhd",
    )
