"""A minimal zip reader/writer working on raw (still compressed) entries.

Why not :mod:`zipfile`: we copy most entries of a workbook unchanged, and
``zipfile`` can only copy by decompressing and recompressing. Here an entry of
the source is copied as its raw compressed bytes (a new local header built from
the central directory + the compressed data), so user parts survive byte for
byte and copying a 500 MB workbook costs a file copy.

New entries are deflated with :mod:`zlib`; a big entry (a streamed worksheet)
is compressed in blocks on worker threads (each block is an independent raw
deflate stream ended by a sync flush, which concatenate into one valid stream,
as pigz does), while the caller's thread generates the next block.

ZIP64 is written when a size or an offset needs it: in the central directory
for big offsets, and also in the local header of an entry whose size may reach
4 GiB (decided from the caller's size bound before the data is written); other
entries keep plain 30-byte local headers. Reading supports ZIP64 too.
"""
from __future__ import annotations

import collections
import os
import struct
import threading
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from ..errors import WorkbookError

if TYPE_CHECKING:
    from .xmlcheck import StreamChecks

# Limits applied to the entries we decompress (never to entries we copy).
MAX_UNCOMPRESSED = 4 << 30  # 4 GiB
MAX_RATIO = 1000  # uncompressed / compressed
RATIO_MIN_SIZE = 1 << 20  # the ratio is only checked above 1 MiB

ZIP64_LIMIT = 0xFFFFFFFF  # values >= this need ZIP64 (module constant so tests can lower it)
ZIP64_COUNT_LIMIT = 0xFFFF

DOS_DATE_1980 = (0 << 9) | (1 << 5) | 1  # 1980-01-01
DOS_TIME_0 = 0

_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_EOCD = struct.Struct("<4sHHHHIIH")
_EOCD64 = struct.Struct("<4sQHHIIQQQQ")
_EOCD64_LOC = struct.Struct("<4sIQI")
_HAVE_PREAD = hasattr(os, "pread")

SIG_LOCAL = b"PK\x03\x04"
SIG_CENTRAL = b"PK\x01\x02"
SIG_EOCD = b"PK\x05\x06"
SIG_EOCD64 = b"PK\x06\x06"
SIG_EOCD64_LOC = b"PK\x06\x07"


@dataclass
class ZipEntry:
    """One central-directory record of a source archive."""

    name: str
    raw_name: bytes
    flags: int
    method: int
    mod_time: int
    mod_date: int
    crc: int
    compressed_size: int
    file_size: int
    header_offset: int
    version_made: int
    version_needed: int
    internal_attr: int
    external_attr: int
    comment: bytes


class ZipReader:
    """Central directory of a zip file plus raw and decompressed access.

    Reads use ``os.pread`` so one reader can serve several threads.
    """

    def __init__(self, path: str | os.PathLike, *, label: str | None = None):
        self.path = os.fspath(path)
        self.label = label or os.path.basename(self.path)
        self._seek_lock = threading.Lock()
        self.renamed = False  # some entry names used backslashes (read as the folders they mean)
        try:
            self._fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        except OSError as e:
            raise WorkbookError(f"{self.label}: cannot open the file: {e.strerror or e}") from None
        try:
            self.size = os.fstat(self._fd).st_size
            self.entries: list[ZipEntry] = self._read_central_directory()
        except BaseException:
            os.close(self._fd)
            self._fd = -1
            raise
        self.by_name: dict[str, ZipEntry] = {}
        for entry in self.entries:
            self.by_name.setdefault(entry.name, entry)
        self._lower: dict[str, str] | None = None

    # -- lifetime
    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __del__(self):  # pragma: no cover - best effort
        try:
            self.close()
        except Exception:
            pass

    def fileno(self) -> int:
        return self._fd

    # -- low level
    def _pread1(self, n: int, offset: int) -> bytes:
        if _HAVE_PREAD:
            return os.pread(self._fd, n, offset)
        with self._seek_lock:  # no pread (Windows): seek + read under a lock
            os.lseek(self._fd, offset, os.SEEK_SET)
            return os.read(self._fd, n)

    def _pread(self, n: int, offset: int) -> bytes:
        out = self._pread1(n, offset)
        if len(out) < n:  # short read: loop (large reads may be split)
            parts = [out]
            got = len(out)
            while got < n:
                more = self._pread1(n - got, offset + got)
                if not more:
                    raise WorkbookError(f"{self.label}: the file is incomplete (it was cut short, as after an "
                                        "interrupted copy or download); copy it again or restore it from a backup")
                parts.append(more)
                got += len(more)
            out = b"".join(parts)
        return out

    def _corrupt(self, what: str) -> WorkbookError:
        return WorkbookError(f"{self.label}: not a valid zip file ({what})")

    def _read_central_directory(self) -> list[ZipEntry]:
        size = self.size
        if size < _EOCD.size:
            raise self._corrupt("too short")
        tail_len = min(size, 0xFFFF + _EOCD.size + _EOCD64_LOC.size)
        tail = self._pread(tail_len, size - tail_len)
        pos = tail.rfind(SIG_EOCD)
        while pos >= 0 and pos + _EOCD.size > len(tail):
            pos = tail.rfind(SIG_EOCD, 0, pos)
        if pos < 0:
            head = self._pread(min(size, 4), 0)
            if head == SIG_LOCAL:  # a zip that starts well and has no end: cut short
                raise WorkbookError(
                    f"{self.label}: the file is incomplete: it stops before the end of the workbook ({size:,} bytes "
                    "are there), as after an interrupted copy, download or save. Copy or download it again, or "
                    "restore it from a backup")
            raise self._corrupt("no end of central directory")
        (_, disk, cd_disk, n_disk, n_total, cd_size, cd_offset, _clen) = _EOCD.unpack_from(tail, pos)
        eocd_abs = size - tail_len + pos
        if disk != 0 or cd_disk != 0 or n_disk != n_total:
            raise self._corrupt("multi-disk archives are not supported")
        if n_total == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
            loc_pos = pos - _EOCD64_LOC.size
            if loc_pos >= 0 and tail[loc_pos:loc_pos + 4] == SIG_EOCD64_LOC:
                _, _, eocd64_off, _ = _EOCD64_LOC.unpack_from(tail, loc_pos)
                rec = self._pread(_EOCD64.size, eocd64_off)
                if rec[:4] != SIG_EOCD64:
                    raise self._corrupt("bad ZIP64 end record")
                (_, _, _, _, _, _, _, n_total, cd_size, cd_offset) = _EOCD64.unpack(rec)
                eocd_abs = eocd64_off
        if cd_offset + cd_size > eocd_abs or cd_size > 1 << 31:
            raise self._corrupt("central directory out of bounds")
        cd = self._pread(cd_size, cd_offset)
        entries = []
        p = 0
        for _ in range(n_total):
            if cd[p:p + 4] != SIG_CENTRAL:
                raise self._corrupt("bad central directory record")
            (_, made, needed, flags, method, mtime, mdate, crc, csize, usize, nlen, elen, clen,
             _disk, iattr, eattr, off) = _CENTRAL.unpack_from(cd, p)
            p += _CENTRAL.size
            raw_name = cd[p:p + nlen]
            extra = cd[p + nlen:p + nlen + elen]
            comment = cd[p + nlen + elen:p + nlen + elen + clen]
            p += nlen + elen + clen
            if usize == 0xFFFFFFFF or csize == 0xFFFFFFFF or off == 0xFFFFFFFF:
                usize, csize, off = _parse_zip64_extra(extra, usize, csize, off)
            if flags & 0x800:
                name = raw_name.decode("utf-8", "replace")
            else:
                try:
                    name = raw_name.decode("ascii")
                except UnicodeDecodeError:
                    name = raw_name.decode("cp437")
            if off + 30 > size:
                raise self._corrupt(f"entry {name!r} out of bounds")
            if "\\" in name:  # 'xl\\workbook.xml': folders written the Windows way; Excel reads them as '/'
                name = name.replace("\\", "/")
                raw_name = raw_name.replace(b"\\", b"/")  # (a copied entry gets the name it means)
                self.renamed = True
            entries.append(ZipEntry(name, raw_name, flags, method, mtime, mdate, crc, csize, usize, off,
                                    made, needed, iattr, eattr, comment))
        return entries

    def data_offset(self, e: ZipEntry) -> int:
        hdr = self._pread(30, e.header_offset)
        if hdr[:4] != SIG_LOCAL:
            raise self._corrupt(f"bad local header for {e.name!r}")
        nlen, elen = struct.unpack_from("<HH", hdr, 26)
        start = e.header_offset + 30 + nlen + elen
        if start + e.compressed_size > self.size:
            raise WorkbookError(f"{self.label}: the file is damaged: its part {e.name!r} is cut short. Copy or "
                                "download it again, or restore it from a backup")
        return start

    # -- lookups
    def get(self, name: str) -> ZipEntry | None:
        e = self.by_name.get(name)
        if e is None:
            if self._lower is None:
                self._lower = {}
                for n in self.by_name:
                    self._lower.setdefault(n.lower(), n)
            real = self._lower.get(name.lower())
            if real is not None:
                e = self.by_name[real]
        return e

    # -- content
    def _check_decompressible(self, e: ZipEntry) -> None:
        if e.flags & 0x1:
            raise WorkbookError(f"{self.label}: zip entry {e.name!r} is encrypted")
        if e.method not in (0, 8):
            raise WorkbookError(f"{self.label}: zip entry {e.name!r} uses unsupported compression method {e.method}")
        if e.file_size > MAX_UNCOMPRESSED:
            raise WorkbookError(f"{self.label}: zip entry {e.name!r} is too large "
                                f"({e.file_size} bytes uncompressed); refusing to decompress it")
        if e.method == 8 and e.file_size > RATIO_MIN_SIZE and e.file_size > MAX_RATIO * max(e.compressed_size, 1):
            raise WorkbookError(f"{self.label}: zip entry {e.name!r} has a suspicious compression ratio "
                                f"({e.file_size} / {e.compressed_size}); refusing to decompress it (zip bomb?)")

    def iter_raw(self, e: ZipEntry, chunk: int = 1 << 20) -> Iterator[bytes]:
        start = self.data_offset(e)
        left = e.compressed_size
        while left:
            n = min(chunk, left)
            yield self._pread(n, start)
            start += n
            left -= n

    def iter_decompressed(self, e: ZipEntry, chunk: int = 1 << 20) -> Iterator[bytes]:
        """Decompressed content in pieces of at most ``chunk`` bytes, CRC-checked."""
        self._check_decompressible(e)
        crc = 0
        total = 0
        limit = e.file_size
        if e.method == 0:
            if e.compressed_size != e.file_size:
                raise self._corrupt(f"stored entry {e.name!r} has inconsistent sizes")
            for piece in self.iter_raw(e, chunk):
                crc = zlib.crc32(piece, crc)
                total += len(piece)
                yield piece
        else:
            d = zlib.decompressobj(-15)
            try:
                for raw in self.iter_raw(e, max(chunk // 4, 1 << 16)):
                    data = raw
                    while data:
                        out = d.decompress(data, chunk)
                        data = d.unconsumed_tail
                        if out:
                            total += len(out)
                            if total > limit:
                                raise WorkbookError(f"{self.label}: zip entry {e.name!r} inflates beyond its declared size")
                            crc = zlib.crc32(out, crc)
                            yield out
                        if d.eof:
                            break
                    if d.eof:
                        break
                while not d.eof:
                    out = d.decompress(b"", chunk)
                    if not out:
                        break
                    total += len(out)
                    if total > limit:
                        raise WorkbookError(f"{self.label}: zip entry {e.name!r} inflates beyond its declared size")
                    crc = zlib.crc32(out, crc)
                    yield out
            except zlib.error as ex:
                raise self._corrupt(f"entry {e.name!r} cannot be decompressed: {ex}") from None
        if total != e.file_size or (crc & 0xFFFFFFFF) != e.crc:
            raise self._corrupt(f"entry {e.name!r} fails its size/CRC check")

    def read(self, e: ZipEntry) -> bytes:
        return b"".join(self.iter_decompressed(e, chunk=max(e.file_size, 1 << 16)))


def _parse_zip64_extra(extra: bytes, usize: int, csize: int, off: int) -> tuple[int, int, int]:
    p = 0
    while p + 4 <= len(extra):
        hid, hlen = struct.unpack_from("<HH", extra, p)
        body = extra[p + 4:p + 4 + hlen]
        p += 4 + hlen
        if hid != 1:
            continue
        q = 0
        if usize == 0xFFFFFFFF:
            usize, = struct.unpack_from("<Q", body, q)
            q += 8
        if csize == 0xFFFFFFFF:
            csize, = struct.unpack_from("<Q", body, q)
            q += 8
        if off == 0xFFFFFFFF:
            off, = struct.unpack_from("<Q", body, q)
            q += 8
        break
    return usize, csize, off


# --------------------------------------------------------------------------
# writing


@dataclass
class _Out:
    raw_name: bytes
    flags: int
    method: int
    mod_time: int
    mod_date: int
    crc: int
    compressed_size: int
    file_size: int
    header_offset: int
    version_made: int
    version_needed: int
    internal_attr: int
    external_attr: int
    comment: bytes
    zip64_local: bool  # the local header carries a ZIP64 extra (then the central record does too)


def _name_bytes(name: str) -> tuple[bytes, int]:
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), 0x800


class ZipWriter:
    """Writes a zip archive to a seekable binary file, entry by entry.

    ``level`` is the zlib level of new entries; ``threads`` the number of
    compression workers used by :meth:`write_stream`.
    """

    BLOCK = 4 << 20  # bytes of input per compression block of a streamed entry

    def __init__(self, f: BinaryIO, *, level: int = 3, threads: int = 2):
        self.f = f
        self.level = level
        self.threads = max(1, threads)
        self.records: list[_Out] = []
        self.names: set[str] = set()
        self.pos = f.tell()
        self._pool: ThreadPoolExecutor | None = None
        #: a :class:`.xmlcheck.StreamChecks` that sees every block of a streamed entry (None: nobody)
        self.stream_checks: StreamChecks | None = None  # set by the writer to check streamed parts

    # -- helpers
    def _register(self, name: str) -> None:
        if name in self.names:
            raise WorkbookError(f"internal error: zip entry {name!r} written twice")
        self.names.add(name)

    def _write(self, data) -> None:
        self.f.write(data)
        self.pos += len(data)

    def _local_header(self, r: _Out) -> bytes:
        if r.zip64_local:
            extra = struct.pack("<HHQQ", 1, 16, r.file_size, r.compressed_size)
            csize = usize = 0xFFFFFFFF
        else:
            extra = b""
            csize, usize = r.compressed_size, r.file_size
        return _LOCAL.pack(SIG_LOCAL, r.version_needed, r.flags, r.method, r.mod_time, r.mod_date,
                           r.crc, csize, usize, len(r.raw_name), len(extra)) + r.raw_name + extra

    # -- entries
    def copy_raw(self, src: ZipReader, e: ZipEntry) -> None:
        """Copy entry ``e`` of ``src`` without decompressing it."""
        self._register(e.name)
        big = e.file_size >= ZIP64_LIMIT or e.compressed_size >= ZIP64_LIMIT
        r = _Out(e.raw_name, e.flags & ~0x8, e.method, e.mod_time, e.mod_date, e.crc, e.compressed_size,
                 e.file_size, self.pos, e.version_made,
                 max(e.version_needed, 45) if big else e.version_needed,
                 e.internal_attr, e.external_attr, e.comment, big)
        start = src.data_offset(e)
        self._write(self._local_header(r))
        self.f.flush()
        left = e.compressed_size
        copied = 0
        if hasattr(os, "copy_file_range") and left > (1 << 20):
            try:
                out_fd = self.f.fileno()
                while left:
                    n = os.copy_file_range(src.fileno(), out_fd, min(left, 1 << 30), start + copied, self.pos + copied)
                    if n <= 0:
                        break
                    copied += n
                    left -= n
                if copied:
                    self.f.seek(self.pos + copied)
            except OSError:
                self.f.seek(self.pos + copied)
        self.pos += copied
        for piece in _iter_slices(src, start + copied, left):
            self._write(piece)
        self.records.append(r)

    def write_bytes(self, name: str, data: bytes, *, level: int | None = None) -> None:
        """Add a new entry holding ``data`` (deflated)."""
        self._register(name)
        raw_name, flag = _name_bytes(name)
        lvl = self.level if level is None else level
        if len(data) >= self.BLOCK * 2 and self.threads > 1:
            self.write_stream(name, [data], size_bound=len(data), _registered=True)
            return
        c = zlib.compressobj(lvl, zlib.DEFLATED, -15)
        comp = c.compress(data) + c.flush()
        big = len(data) >= ZIP64_LIMIT or len(comp) >= ZIP64_LIMIT
        r = _Out(raw_name, flag, 8, DOS_TIME_0, DOS_DATE_1980, zlib.crc32(data) & 0xFFFFFFFF, len(comp), len(data),
                 self.pos, 45 if big else 20, 45 if big else 20, 0, 0, b"", big)
        self._write(self._local_header(r))
        self._write(comp)
        self.records.append(r)

    def _get_pool(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="zipdeflate")
        return self._pool

    def write_stream(self, name: str, chunks: Iterable[bytes], *, size_bound: int,
                     _registered: bool = False) -> None:
        """Add a new entry whose content is the concatenation of ``chunks``.

        ``size_bound`` is an upper bound of the uncompressed size, used to decide
        (before any data is written) whether the local header needs ZIP64.
        Blocks of :attr:`BLOCK` bytes are deflated in parallel.
        """
        if not _registered:
            self._register(name)
        raw_name, flag = _name_bytes(name)
        zip64 = size_bound >= ZIP64_LIMIT
        r = _Out(raw_name, flag, 8, DOS_TIME_0, DOS_DATE_1980, 0, 0, 0, self.pos,
                 45 if zip64 else 20, 45 if zip64 else 20, 0, 0, b"", zip64)
        header = self._local_header(r)
        self._write(header)
        data_start = self.pos
        level = self.level
        crc = 0
        total = 0
        pool = self._get_pool() if self.threads > 1 else None
        pending: collections.deque = collections.deque()
        max_pending = self.threads + 2

        def deflate_block(block: bytes) -> bytes:
            c = zlib.compressobj(level, zlib.DEFLATED, -15)
            return c.compress(block) + c.flush(zlib.Z_SYNC_FLUSH)

        buf: list[bytes] = []
        buf_len = 0
        block_size = self.BLOCK
        sink = self.stream_checks.start(name, size_bound) if self.stream_checks is not None else None

        def submit(block: bytes):
            nonlocal crc, total
            crc = zlib.crc32(block, crc)
            total += len(block)
            if sink is not None:
                sink.feed(block)
            if pool is None:
                self._write(deflate_block(block))
                return
            pending.append(pool.submit(deflate_block, block))
            while len(pending) > max_pending:
                self._write(pending.popleft().result())

        try:
            for chunk in chunks:
                if not chunk:
                    continue
                if buf_len == 0 and len(chunk) >= block_size:
                    submit(chunk)
                    continue
                buf.append(chunk)
                buf_len += len(chunk)
                if buf_len >= block_size:
                    submit(b"".join(buf))
                    buf.clear()
                    buf_len = 0
            if buf:
                submit(b"".join(buf))
                buf.clear()
            while pending:
                self._write(pending.popleft().result())
            if sink is not None:
                sink.close()
                sink = None
        finally:
            for fut in pending:
                fut.cancel()
            if sink is not None:
                sink.abort()
        self._write(zlib.compressobj(level, zlib.DEFLATED, -15).flush(zlib.Z_FINISH))
        r.crc = crc & 0xFFFFFFFF
        r.file_size = total
        r.compressed_size = self.pos - data_start
        if not zip64 and (total >= ZIP64_LIMIT or r.compressed_size >= ZIP64_LIMIT):
            raise WorkbookError(f"internal error: entry {name!r} outgrew its size bound ({total} > {size_bound})")
        end = self.pos
        self.f.seek(r.header_offset)
        self.f.write(self._local_header(r))
        self.f.seek(end)
        self.records.append(r)

    def close(self) -> None:
        """Write the central directory and end records (does not close the file)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        cd_start = self.pos
        for r in self.records:
            fields = []
            usize, csize, off = r.file_size, r.compressed_size, r.header_offset
            if r.zip64_local or usize >= ZIP64_LIMIT:
                fields.append(usize)
                usize = 0xFFFFFFFF
            if r.zip64_local or csize >= ZIP64_LIMIT:
                fields.append(csize)
                csize = 0xFFFFFFFF
            if off >= ZIP64_LIMIT:
                fields.append(off)
                off = 0xFFFFFFFF
            extra = struct.pack("<HH", 1, 8 * len(fields)) + struct.pack("<%dQ" % len(fields), *fields) if fields else b""
            needed = max(r.version_needed, 45) if fields else r.version_needed
            made = r.version_made if not fields else (r.version_made & 0xFF00) | max(r.version_made & 0xFF, 45)
            self._write(_CENTRAL.pack(SIG_CENTRAL, made, needed, r.flags, r.method, r.mod_time, r.mod_date, r.crc,
                                      csize, usize, len(r.raw_name), len(extra), len(r.comment), 0,
                                      r.internal_attr, r.external_attr, off) + r.raw_name + extra + r.comment)
        cd_size = self.pos - cd_start
        n = len(self.records)
        if n >= ZIP64_COUNT_LIMIT or cd_size >= ZIP64_LIMIT or cd_start >= ZIP64_LIMIT:
            eocd64_off = self.pos
            self._write(_EOCD64.pack(SIG_EOCD64, 44, 45, 45, 0, 0, n, n, cd_size, cd_start))
            self._write(_EOCD64_LOC.pack(SIG_EOCD64_LOC, 0, eocd64_off, 1))
            self._write(_EOCD.pack(SIG_EOCD, 0, 0, min(n, 0xFFFF), min(n, 0xFFFF),
                                   min(cd_size, 0xFFFFFFFF), min(cd_start, 0xFFFFFFFF), 0))
        else:
            self._write(_EOCD.pack(SIG_EOCD, 0, 0, n, n, cd_size, cd_start, 0))

    def abort(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _iter_slices(src: ZipReader, start: int, length: int, chunk: int = 1 << 20) -> Iterator[bytes]:
    while length > 0:
        n = min(chunk, length)
        yield src._pread(n, start)
        start += n
        length -= n

