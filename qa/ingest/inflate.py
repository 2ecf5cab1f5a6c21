"""Decompression with a cap on what actually comes out, whatever a file's headers say: the streams of a PDF (every
filter pdfminer applies, whatever the zlib window or the filter chain) and the members of a DOCX (whatever sizes its
zip directory declares). A file over the cap is refused with ``InflateLimit`` having cost at most the cap in memory.

pdfminer inflates each stream whole, in memory, and keeps it; so while a PDF is read (``pdf_budget``) its decoders
are replaced by bounded ones that count every byte they produce against one budget for the whole file.
"""
from __future__ import annotations

import io
import struct
import threading
import zipfile
import zlib
from contextlib import contextmanager
from typing import Iterator

CHUNK = 1 << 16  # bytes a decoder may produce before the budget is checked again


class InflateLimit(Exception):
    """A file's compressed parts inflate to more than the cap; ``limit`` is the cap in bytes."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"inflates to more than {limit} bytes")
        self.limit = limit


class Budget:
    """How many bytes the decoders may still produce for one file."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit
        self.exceeded = False

    def take(self, size: int) -> None:
        """Count ``size`` more bytes; ``InflateLimit`` once the total passes the limit (and for ever after)."""
        self.left -= size
        if self.left < 0 or self.exceeded:
            self.exceeded = True
            raise InflateLimit(self.limit)


_local = threading.local()
# A stream decoded by pdfminer outside ``pdf_budget`` (another caller in this process) gets a budget of its own.
DEFAULT_STREAM_LIMIT = 100_000_000


def _budget() -> Budget:
    budget = getattr(_local, "budget", None)
    return budget if budget is not None else Budget(DEFAULT_STREAM_LIMIT)


def inflated_pieces(data: bytes, budget: Budget, wbits: int = zlib.MAX_WBITS) -> Iterator[bytes]:
    """``data`` inflated a chunk at a time (zlib by default, any window size its header declares; ``-MAX_WBITS`` for
    raw deflate), each chunk counted against ``budget`` before it is given; ``zlib.error`` where the data is damaged."""
    inflater = zlib.decompressobj(wbits)
    pending = data
    while pending and not inflater.eof:
        piece = inflater.decompress(pending, CHUNK)
        budget.take(len(piece))
        yield piece
        pending = inflater.unconsumed_tail
        if not piece and not pending:
            break


def inflate(data: bytes, budget: Budget) -> bytes:
    """``data`` (zlib) inflated within ``budget``. A damaged or truncated stream gives what inflated before the
    damage, as pdfminer's own fallback does."""
    out: list[bytes] = []
    try:
        for piece in inflated_pieces(data, budget):
            out.append(piece)
    except zlib.error:
        pass
    return b"".join(out)


def run_length_decode(data: bytes, budget: Budget) -> bytes:
    """PDF's RunLengthDecode (a length byte, then 1-128 literal bytes or one byte repeated 2-128 times; 128 ends),
    counted against ``budget``."""
    out = bytearray()
    i = 0
    while i < len(data):
        length = data[i]
        if length == 128:
            break
        if length < 128:
            piece = data[i + 1 : i + 2 + length]
            i += 2 + length
        else:
            piece = data[i + 1 : i + 2] * (257 - length)
            i += 2
        budget.take(len(piece))
        out += piece
    return bytes(out)


def _bounded_lzw(data: bytes) -> bytes:
    from pdfminer.lzw import LZWDecoder

    budget = _budget()
    out: list[bytes] = []
    for piece in LZWDecoder(io.BytesIO(data)).run():
        budget.take(len(piece))
        out.append(piece)
    return b"".join(out)


def _bounded_ascii85(data: bytes) -> bytes:
    from pdfminer.ascii85 import ascii85decode

    _budget().take(4 * data.count(b"z") + len(data))  # 'z' stands for four zero bytes; five characters for four more
    return ascii85decode(data)


def _bounded_asciihex(data: bytes) -> bytes:
    from pdfminer.ascii85 import asciihexdecode

    _budget().take(len(data) // 2 + 1)
    return asciihexdecode(data)


def _bounded_ccitt(data: bytes, params: dict) -> bytes:
    from pdfminer.ccitt import ccittfaxdecode
    from pdfminer.pdftypes import int_value

    columns, rows = (int_value(params.get(key) or 1) for key in ("Columns", "Rows"))
    _budget().take(max(columns, 1) * max(rows, 1) // 8 + 1)  # a bit a pixel, before anything is decoded
    return ccittfaxdecode(data, params)


class _BoundedZlib:
    """Stands for the ``zlib`` module inside pdfminer.pdftypes: ``decompress`` counts against the current budget."""

    error = zlib.error

    @staticmethod
    def decompress(data: bytes, *args: object) -> bytes:
        return inflate(data, _budget())

    def __getattr__(self, name: str) -> object:
        return getattr(zlib, name)


_installed = False
_install_lock = threading.Lock()


def _install() -> None:
    """Replace the decoders pdfminer.pdftypes calls by the bounded ones (once per process)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        from pdfminer import pdftypes

        pdftypes.zlib = _BoundedZlib()  # type: ignore[assignment]
        pdftypes.decompress_corrupted = lambda data: inflate(data, _budget())
        pdftypes.lzwdecode = _bounded_lzw
        pdftypes.rldecode = lambda data: run_length_decode(data, _budget())
        pdftypes.ascii85decode = _bounded_ascii85
        pdftypes.asciihexdecode = _bounded_asciihex
        pdftypes.ccittfaxdecode = _bounded_ccitt
        _installed = True


@contextmanager
def pdf_budget(limit: int) -> Iterator[Budget]:
    """While in this block, everything pdfminer decodes in this thread counts against one budget of ``limit`` bytes;
    the first byte past it raises ``InflateLimit`` (and the budget stays ``exceeded``, in case pdfminer swallows it)."""
    _install()
    budget = Budget(limit)
    previous = getattr(_local, "budget", None)
    _local.budget = budget
    try:
        yield budget
    finally:
        _local.budget = previous


_LOCAL_HEADER = struct.Struct("<4s5H3L2H")


def zip_inflated_size(data: bytes, limit: int) -> int:
    """What the members of the zip archive ``data`` really inflate to, together, measured a chunk at a time and thrown
    away: ``InflateLimit`` past ``limit``; ``zipfile.BadZipFile`` when a member inflates to more than its header says
    (which zipfile would inflate whole before noticing), uses a compression other than stored or deflate, or is
    damaged."""
    budget = Budget(limit)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            header = data[info.header_offset : info.header_offset + _LOCAL_HEADER.size]
            if len(header) < _LOCAL_HEADER.size:
                raise zipfile.BadZipFile(f"{info.filename}: its header is cut off")
            fields = _LOCAL_HEADER.unpack(header)
            if fields[0] != b"PK\x03\x04":
                raise zipfile.BadZipFile(f"{info.filename}: no local header where the directory points")
            start = info.header_offset + _LOCAL_HEADER.size + fields[9] + fields[10]
            raw = data[start : start + info.compress_size]
            if info.compress_type == zipfile.ZIP_STORED:
                size = len(raw)
                budget.take(size)
            elif info.compress_type == zipfile.ZIP_DEFLATED:
                size = _counted_raw_inflate(raw, budget)
            else:
                raise zipfile.BadZipFile(f"{info.filename}: compression {info.compress_type} is not used by Word files")
            if size > info.file_size:
                raise zipfile.BadZipFile(f"{info.filename}: inflates to more than the {info.file_size} bytes it declares")
    return limit - budget.left


def _counted_raw_inflate(raw: bytes, budget: Budget) -> int:
    """The size ``raw`` (a raw deflate stream) inflates to, counted against ``budget``; nothing is kept."""
    try:
        return sum(len(piece) for piece in inflated_pieces(raw, budget, -zlib.MAX_WBITS))
    except zlib.error as exc:
        raise zipfile.BadZipFile(f"a member is damaged ({exc})") from None
