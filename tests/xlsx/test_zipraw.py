"""salesops_xl.xlsx.zipraw: raw entry copies, parallel deflate, ZIP64."""
from __future__ import annotations

import io
import os
import struct
import zipfile
from pathlib import Path

import pytest

from salesops_xl.xlsx import zipraw
from salesops_xl.xlsx.zipraw import ZipReader, ZipWriter
from xlsx_helpers import zip_entries


class _Unseekable(io.RawIOBase):
    """A write-only stream: zipfile then writes data descriptors (flag bit 3)."""

    def __init__(self):
        self.buf = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.buf += b
        return len(b)


def _source_zip(path: Path) -> dict[str, bytes]:
    content = {
        "a.xml": b"<a>" + b"hello " * 5000 + b"</a>",
        "stored.bin": os.urandom(3000),
        "empty.txt": b"",
        "dir/\u00e9t\u00e9.xml": "<x>\u00e9</x>".encode(),
    }
    sink = _Unseekable()
    with zipfile.ZipFile(sink, "w") as z:
        z.writestr(zipfile.ZipInfo("a.xml", (2020, 5, 17, 10, 30, 0)), content["a.xml"], zipfile.ZIP_DEFLATED)
        z.writestr("stored.bin", content["stored.bin"], zipfile.ZIP_STORED)
        z.writestr("empty.txt", b"", zipfile.ZIP_DEFLATED)
        z.writestr("dir/\u00e9t\u00e9.xml", content["dir/\u00e9t\u00e9.xml"], zipfile.ZIP_DEFLATED)
    path.write_bytes(bytes(sink.buf))
    return content


def test_raw_copy_keeps_compressed_bytes(tmp_path: Path):
    src = tmp_path / "src.zip"
    content = _source_zip(src)
    r = ZipReader(src)
    assert any(e.flags & 0x8 for e in r.entries)  # the source uses data descriptors
    out = tmp_path / "out.zip"
    with open(out, "wb") as f:
        w = ZipWriter(f)
        for e in r.entries:
            w.copy_raw(r, e)
        w.close()
    r.close()
    before, after = zip_entries(src), zip_entries(out)
    assert list(before) == list(after)
    for name, (data, raw, info) in before.items():
        assert after[name][0] == data == content[name]
        assert after[name][1] == raw  # compressed bytes identical
        assert after[name][2].date_time == info.date_time
        assert after[name][2].compress_type == info.compress_type
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None


def test_stream_in_parallel_blocks(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(ZipWriter, "BLOCK", 1 << 16)
    chunks = [(f"<row r=\"{i}\"><c><v>{i * 7}</v></c></row>" * 50).encode() for i in range(400)]
    outs = []
    for k in range(2):
        out = tmp_path / f"s{k}.zip"
        with open(out, "wb") as f:
            w = ZipWriter(f, level=3, threads=2)
            w.write_bytes("small.xml", b"<x/>")
            w.write_stream("big.xml", iter(chunks), size_bound=10 << 20)
            w.close()
        outs.append(out.read_bytes())
        with zipfile.ZipFile(out) as z:
            assert z.read("big.xml") == b"".join(chunks)
            assert z.read("small.xml") == b"<x/>"
            assert z.getinfo("big.xml").date_time == (1980, 1, 1, 0, 0, 0)
        r = ZipReader(out)
        assert r.read(r.get("big.xml")) == b"".join(chunks)
        r.close()
    assert outs[0] == outs[1]  # deterministic


def test_zip64_when_sizes_and_offsets_need_it(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(zipraw, "ZIP64_LIMIT", 5000)
    monkeypatch.setattr(zipraw, "ZIP64_COUNT_LIMIT", 3)
    big = b"<a>" + os.urandom(3000).hex().encode() + b"</a>"  # 6 KB, above the lowered limit
    out = tmp_path / "z64.zip"
    with open(out, "wb") as f:
        w = ZipWriter(f, level=1, threads=2)
        w.write_bytes("one.xml", b"<one/>")
        w.write_stream("big.xml", [big[:2000], big[2000:]], size_bound=len(big))
        w.write_bytes("two.xml", big)
        w.write_bytes("three.xml", b"<three/>")  # offset beyond the limit
        w.close()
    data = out.read_bytes()
    assert zipraw.SIG_EOCD64 in data and zipraw.SIG_EOCD64_LOC in data
    with zipfile.ZipFile(out) as z:  # the standard library understands it
        assert z.read("big.xml") == big and z.read("two.xml") == big
        assert z.read("three.xml") == b"<three/>" and z.read("one.xml") == b"<one/>"
        infos = {i.filename: i for i in z.infolist()}
    # small entries keep a plain local header, big ones carry the ZIP64 extra
    assert struct.unpack_from("<H", data, infos["one.xml"].header_offset + 28)[0] == 0
    assert struct.unpack_from("<H", data, infos["big.xml"].header_offset + 28)[0] == 20
    r = ZipReader(out)
    assert [e.name for e in r.entries] == ["one.xml", "big.xml", "two.xml", "three.xml"]
    assert r.read(r.get("big.xml")) == big
    # and copying raw from a ZIP64 archive works too
    out2 = tmp_path / "copy.zip"
    with open(out2, "wb") as f:
        w = ZipWriter(f)
        for e in r.entries:
            w.copy_raw(r, e)
        w.close()
    r.close()
    with zipfile.ZipFile(out2) as z:
        assert z.read("three.xml") == b"<three/>" and z.read("big.xml") == big


def test_size_bound_too_small_is_an_error(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(zipraw, "ZIP64_LIMIT", 1000)
    with open(tmp_path / "x.zip", "wb") as f:
        w = ZipWriter(f, threads=1)
        with pytest.raises(Exception, match="size bound"):
            w.write_stream("x.xml", [b"x" * 5000], size_bound=10)
        w.abort()


@pytest.mark.slow
def test_real_zip64_entry_over_4_gib(tmp_path: Path):
    """A streamed entry of 4.9 GB (compresses to ~30 MB): ZIP64 local header + central record."""
    block = b"<row><c><v>1</v></c></row>" * 40_000
    count = 4_700
    out = tmp_path / "huge.zip"
    with open(out, "wb") as f:
        w = ZipWriter(f, level=1)
        w.write_bytes("a.xml", b"<a/>")
        w.write_stream("big.xml", (block for _ in range(count)), size_bound=len(block) * count)
        w.write_bytes("z.xml", b"<z/>")
        w.close()
    with zipfile.ZipFile(out) as z:
        info = z.getinfo("big.xml")
        assert info.file_size == len(block) * count > 1 << 32
        total = 0
        with z.open(info) as f:  # reading to the end checks the CRC
            while chunk := f.read(1 << 24):
                total += len(chunk)
        assert total == info.file_size
        assert z.read("z.xml") == b"<z/>"
