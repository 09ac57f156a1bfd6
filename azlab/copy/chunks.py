"""Cut a page blob's allocated ranges into aligned chunks of at most 4 MiB.

Chunks never cross a 4 MiB boundary of the blob, so the same blob always
yields the same chunks: a resumed copy can tell which ones are done by offset.
Empty ranges are never copied.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

PAGE = 512
MAX_CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True, order=True)
class Chunk:
    offset: int
    length: int

    @property
    def end(self) -> int:
        """One past the last byte."""
        return self.offset + self.length


def merge_ranges(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Half-open (start, end) ranges, sorted, with touching or overlapping ones joined."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def chunk_ranges(ranges: Iterable[tuple[int, int]], *, chunk_size: int = MAX_CHUNK) -> list[Chunk]:
    """Aligned chunks covering exactly the given half-open ranges."""
    if chunk_size <= 0 or chunk_size % PAGE:
        raise ValueError(f"chunk size must be a positive multiple of {PAGE}")
    chunks: list[Chunk] = []
    for start, end in merge_ranges(ranges):
        if start % PAGE or end % PAGE:
            raise ValueError(f"range {start}-{end} is not aligned to {PAGE}-byte pages")
        position = start
        while position < end:
            boundary = (position // chunk_size + 1) * chunk_size
            stop = min(end, boundary)
            chunks.append(Chunk(position, stop - position))
            position = stop
    return chunks


def covered(outer: Iterable[tuple[int, int]], inner: Iterable[tuple[int, int]]) -> bool:
    """True when every byte of `inner` lies in some range of `outer`."""
    spans = merge_ranges(outer)
    return all(any(s <= start and end <= e for s, e in spans) for start, end in merge_ranges(inner))
