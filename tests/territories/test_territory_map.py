"""The territory map picture (docs/territories.md, section 9): in the package, the same bytes on every write, read
by openpyxl, and drawn by LibreOffice in the PDF."""
from __future__ import annotations

import io
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest

from salesops_xl.sheets import Column, PictureSpec, SheetSpec, TableBlock
from salesops_xl.territories.outputs import PALETTE
from salesops_xl.xlsx.writer import write_sheets

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "workbooks" / "territories.xlsx"


def _png_chunks(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    out, i = [], 8
    while i < len(data):
        (n,) = struct.unpack(">I", data[i:i + 4])
        out.append(data[i + 4:i + 8])
        i += 12 + n
    return out


def _rgb(hexcode: str) -> np.ndarray:
    return np.array([int(hexcode[k:k + 2], 16) for k in (0, 2, 4)])


def _near(img: np.ndarray, hexcode: str, tol: int = 12) -> int:
    return int((np.abs(img[..., :3].astype(int) - _rgb(hexcode)).max(axis=2) <= tol).sum())


def test_the_template_holds_the_map_picture_with_territory_colours_and_no_timestamp():
    from PIL import Image

    z = zipfile.ZipFile(TEMPLATE)
    png = z.read("xl/media/image1.png")
    assert 'Extension="png" ContentType="image/png"' in z.read("[Content_Types].xml").decode()
    rels = [n for n in z.namelist() if n.startswith("xl/drawings/_rels/")]
    assert sum("../media/image1.png" in z.read(n).decode() for n in rels) == 1
    # no tEXt/tIME chunk: nothing in the picture depends on when or with which matplotlib it was drawn
    assert set(_png_chunks(png)) <= {b"IHDR", b"pHYs", b"IDAT", b"IEND"}
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert img.shape[1] == 1200
    # the six sample territories each have dots in their colour (both panels), and black rings mark moved units
    for code in PALETTE[:6]:
        assert _near(img, code) > 40, code
    assert _near(img, "000000", 40) > 200


def _sheet(png: bytes) -> SheetSpec:
    block = TableBlock(name="T", columns=(Column("A", "number"),), data={"A": np.array([1.0, 2.0])}, anchor="A20")
    return SheetSpec(name="Pic", tables=(block,), pictures=(PictureSpec(png=png, anchor="B2", width_px=120,
                                                                        height_px=60, name="Map",
                                                                        description="a map"),))


def test_a_picture_is_rewritten_in_place_and_openpyxl_reads_it(tmp_path: Path):
    openpyxl = pytest.importorskip("openpyxl")
    png = zipfile.ZipFile(TEMPLATE).read("xl/media/image1.png")
    wb = tmp_path / "p.xlsx"
    write_sheets(None, wb, [_sheet(png)])
    first = wb.read_bytes()
    write_sheets(wb, wb, [_sheet(png)])  # a recalculation replaces the sheet: same part names, same bytes
    assert wb.read_bytes() == first
    names = zipfile.ZipFile(wb).namelist()
    assert [n for n in names if n.startswith("xl/media/")] == ["xl/media/image1.png"]
    ws = openpyxl.load_workbook(wb)["Pic"]
    (img,) = ws._images
    assert (img.anchor._from.col, img.anchor._from.row) == (1, 1)
    # and a sheet written again without the picture drops its media part
    write_sheets(wb, wb, [SheetSpec(name="Pic", tables=_sheet(png).tables)])
    assert not [n for n in zipfile.ZipFile(wb).namelist() if n.startswith("xl/media/")]


@pytest.mark.libreoffice
def test_libreoffice_prints_the_map_on_the_territory_map_page(tmp_path: Path, libreoffice):
    from PIL import Image

    if shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftoppm, pdftotext) not installed")
    (pdf,) = libreoffice([TEMPLATE], "pdf")
    pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    page = next(i for i, text in enumerate(pages.split("\f"), 1) if text.startswith("Territory map"))
    subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", "200", "-png", str(pdf),
                    str(tmp_path / "page")], check=True)
    (png,) = tmp_path.glob("page*.png")
    img = np.asarray(Image.open(png).convert("RGB"))
    # the map's land colour and every territory's colour are on the printed page (looked at: docs/territories.md)
    assert _near(img, "F4F1EA", 3) > 20_000
    for code in PALETTE[:6]:
        assert _near(img, code, 40) > 10, code
