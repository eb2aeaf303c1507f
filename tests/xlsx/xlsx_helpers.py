"""Helpers shared by the xlsx tests (workbook fixtures, zip inspection, LibreOffice)."""
from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from salesops_xl.sheets import ChartSpec, Column, ListValidation, SeriesRef, SheetSpec, TableBlock  # noqa: E402


def ten_digits(x: float) -> float:
    """A number that is not money as a workbook holds it: rounded to 10 significant digits (docs/schema.md)."""
    return float(f"{x:.9e}")


def tiny_png() -> bytes:
    """A valid 4x4 red PNG, made with zlib only."""
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def make_user_workbook(path: Path, *, with_ours: bool = True) -> Path:
    """A workbook as a user would have it: formulas, formatting, a chart, an image, defined names,
    comments, data validation and a table on 'Inputs'; an old 'Payouts' sheet (ours, to be replaced);
    a 'Notes' sheet after it with a sheet-scoped name."""
    import xlsxwriter

    img = path.parent / "tiny.png"
    img.write_bytes(tiny_png())
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Inputs")
    fmt = wb.add_format({"bold": True, "font_color": "red", "num_format": "0.000", "bg_color": "#FFFF00"})
    ws.write_row(0, 0, ["Name", "Qty", "Price", "Total"], fmt)
    for i in range(5):
        ws.write_row(i + 1, 0, [f"item{i}", i, i * 1.5])
        ws.write_formula(i + 1, 3, f"=B{i + 2}*C{i + 2}", fmt, i * i * 1.5)
    ws.add_table(0, 0, 5, 3, {"name": "UserTable", "columns": [{"header": h} for h in ["Name", "Qty", "Price", "Total"]]})
    ch = wb.add_chart({"type": "column"})
    ch.add_series({"values": "=Inputs!$B$2:$B$6", "categories": "=Inputs!$A$2:$A$6"})
    ws.insert_chart("F2", ch)
    ws.write_comment("A8", "a user comment")
    ws.data_validation("E2:E6", {"validate": "list", "source": ["x", "y"]})
    ws.insert_image("H20", str(img))
    wb.define_name("MyName", "=Inputs!$B$2:$B$6")
    wb.define_name("Inputs!LocalName", "=Inputs!$A$1")
    if with_ours:
        old = wb.add_worksheet("Payouts")
        old.write("A1", "stale output")
        old.write_formula("B2", "=1+2", None, 3)
        old.write_comment("C3", "stale comment")
        old.add_table(4, 0, 6, 1, {"name": "OldPayouts", "columns": [{"header": "A"}, {"header": "B"}]})
    notes = wb.add_worksheet("Notes")
    notes.write("A1", "keep me")
    wb.define_name("Notes!NotesLocal", "=Notes!$A$1")
    wb.close()
    return path


def payout_data(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    reps = np.array([f"Rep {i:03d}" for i in range(37)] + ["Zoë & <Co>", None], dtype=object)
    return {
        "Rep": reps[rng.integers(0, len(reps), n)],
        "Region": np.array(["North", "South", "East", "West"], dtype=object)[rng.integers(0, 4, n)],
        "Amount": rng.integers(-10_000_00, 50_000_00, n).astype(np.int64),
        "Rate": np.where(rng.random(n) < 0.1, np.nan, rng.random(n)),
        "Deals": rng.integers(0, 40, n).astype(np.int64),
        "Paid": (np.datetime64("2025-01-01") + rng.integers(0, 700, n).astype("timedelta64[D]")),
    }


PAYOUT_COLUMNS = (
    Column("Rep", "text"),
    Column("Region", "text", width=12),
    Column("Amount", "money"),
    Column("Rate", "percent"),
    Column("Deals", "int"),
    Column("Paid", "date"),
)


def payouts_spec(n: int = 25, seed: int = 0, name: str = "Payouts", table: str = "Payouts",
                 charts: bool = True) -> SheetSpec:
    data = payout_data(n, seed)
    tb = TableBlock(table, PAYOUT_COLUMNS, data, anchor="A3")
    chs = ()
    if charts:
        chs = (
            ChartSpec("bar", "Amount by rep", (SeriesRef("Amount", table, "Amount", "Rep", "1F77B4"),), anchor="H3",
                      x_title="Rep", y_title="Amount", y_format="#,##0"),
            ChartSpec("scatter", "Rate vs amount", (SeriesRef("Rate", table, "Rate", "Amount"),), anchor="H20",
                      x_title="Amount", y_title="Rate", y_format="0%"),
        )
    return SheetSpec(name, tables=(tb,), charts=chs, freeze="A4", notes=(("A1", "Payouts - computed"),),
                     tab_color="00B050", validations=(ListValidation(table, "Region", ("North", "South", "East", "West")),))



def zip_entries(path: Path) -> dict[str, tuple[bytes, bytes, zipfile.ZipInfo]]:
    """name -> (decompressed bytes, raw compressed bytes, info)."""
    out = {}
    with zipfile.ZipFile(path) as z, open(path, "rb") as f:
        for info in z.infolist():
            f.seek(info.header_offset)
            head = f.read(30)
            n, m = struct.unpack("<HH", head[26:30])
            f.seek(info.header_offset + 30 + n + m)
            raw = f.read(info.compress_size)
            out[info.filename] = (z.read(info), raw, info)
    return out


# --- LibreOffice --------------------------------------------------------------

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def soffice_convert(src: Path, fmt: str, outdir: Path, profile: Path, timeout: int = 180) -> subprocess.CompletedProcess:
    outdir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("HOME", str(profile))
    return subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                           "--convert-to", fmt, "--outdir", str(outdir), str(src)],
                          capture_output=True, text=True, timeout=timeout, env=env)


ALL_SHEETS_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
