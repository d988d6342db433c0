"""A CSV file's bytes in chunks of whole records, read into reused buffers, for a streamed import."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from slametrics.importers.csv_reader import count_newlines
from slametrics.importers.io import InputFile, is_utf8


class NotStreamable(Exception):
    """The files turned out not to be streamable (not UTF-8): they are read whole instead."""


def record_chunks(f: InputFile, chunk_bytes: int) -> Iterator[tuple[bytearray, int]]:
    """The file's bytes in chunks of whole records (a quoted newline does not end one), each
    with the file line it starts on. Raises NotStreamable on bytes that are not UTF-8.

    A chunk is valid until the one after the next is asked for: the chunks are read, in turn,
    into two buffers, which live as long as the file is read. Fresh memory for each chunk
    (read, then read again up to its last record) cost 380k page faults and 1.3 s of system
    time at 1M tickets, on the thread that parses. The cut record is read again with the
    next chunk. A buffer that something still holds (a view, or Arrow's reader of a chunk with
    malformed rows, let go of a little later) is left to it: a new one takes its place.
    """
    check = f.unread_path is not None  # else decoded already
    # calloc'd: a page is first touched by the read into it
    ring = [bytearray(chunk_bytes), bytearray(chunk_bytes)]
    with _positional_reader(f) as (read_into, pos):
        line, size, turn = 1, chunk_bytes, 0
        while True:
            if not _unheld(ring[turn]):
                ring[turn] = bytearray(chunk_bytes)  # its holder keeps the old one
            block = ring[turn]
            read_into(block, pos, size)
            if not block:
                return
            if len(block) == size:  # not the end of the file: cut after the last record
                cut = last_record_end(block)
                if not cut:
                    size *= 2  # a record longer than a block: read on
                    continue
                del block[cut:]  # a shrink of a few bytes: the buffer keeps its memory
            if check and not is_utf8(block):  # a newline is never inside a character
                raise NotStreamable(f.name)
            yield block, line
            line += count_newlines(block)
            pos, size, turn = pos + len(block), chunk_bytes, 1 - turn


def _unheld(buffer: bytearray) -> bool:
    """Whether nothing holds a view of `buffer` (a held one cannot grow by a byte)."""
    try:
        buffer.append(0)
    except BufferError:
        return False
    del buffer[-1]
    return True


@contextmanager
def _positional_reader(
    f: InputFile,
) -> Iterator[tuple[Callable[[bytearray, int, int], None], int]]:
    """(read `size` bytes at an offset into a buffer, resized to what was read; the offset
    the text starts at: past a UTF-8 BOM)."""
    if f.unread_path is None:  # decoded in memory already (gzip, zip member)
        data = memoryview(f.data)

        def copy_into(buffer: bytearray, pos: int, size: int) -> None:
            buffer[:] = data[pos : pos + size]

        yield copy_into, 0
        return
    with open(f.unread_path, "rb") as fh:
        fd = fh.fileno()
        head = os.pread(fd, 3, 0)
        if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise NotStreamable(f.name)

        def read_into(buffer: bytearray, pos: int, size: int) -> None:
            if len(buffer) < size:
                buffer.extend(bytes(size - len(buffer)))  # the few bytes cut off before
            del buffer[size:]
            done = 0
            with memoryview(buffer) as view:
                while done < size and (n := os.preadv(fd, [view[done:]], pos + done)):
                    done += n
            del buffer[done:]

        yield read_into, 3 if head == b"\xef\xbb\xbf" else 0


def last_record_end(buf: bytes, first: bool = False) -> int:
    """Offset just past the last (or `first`) newline of `buf` that ends a record, else 0.

    `buf` starts at a record's start: a newline ends a record when an even number of quotes
    precede it. Without a quote every newline does; else quotes are counted once over the
    buffer (in numpy, without the GIL), then newlines are tried from the end (the last one
    nearly always ends a record), so no position list of the buffer is built.
    """
    if first:  # the header: found in the first MiB, or else anywhere
        ends = _record_ends(buf[: 1 << 20])
        ends = ends if len(ends) else _record_ends(buf)
        return int(ends[0]) + 1 if len(ends) else 0
    if b'"' not in buf:
        return buf.rfind(b"\n") + 1
    before, end = int(np.count_nonzero(np.frombuffer(buf, dtype=np.uint8) == 0x22)), len(buf)
    while (at := buf.rfind(b"\n", 0, end)) >= 0:
        before -= buf.count(b'"', at, end)
        if before % 2 == 0:
            return at + 1
        end = at
    return 0


def _record_ends(buf: bytes) -> np.ndarray:
    """Offsets of the newlines that end records in `buf` (which starts at a record's start)."""
    data = np.frombuffer(buf, dtype=np.uint8)
    nl = np.flatnonzero(data == 0x0A)
    quotes = np.flatnonzero(data == 0x22)
    return nl[np.searchsorted(quotes, nl) % 2 == 0] if len(quotes) else nl


__all__ = ["NotStreamable", "last_record_end", "record_chunks"]
