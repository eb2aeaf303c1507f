"""Do the shipped workbooks come out byte for byte the same with the numpy, pandas and scipy installed here?

Builds every template from code into a temporary folder and recalculates a copy of every shipped template in
``workbooks/`` (as ``salesops-xl recalc`` does); both must equal the committed files. ``.ci/run`` runs it in each
environment it creates, the newest releases pip resolves and the oldest versions ``pyproject.toml`` allows
(``ci/constraints-oldest.txt``): passing in both means a workbook does not depend on which supported versions a
user has, because numbers are written at a stated precision (docs/schema.md, "Numbers in the workbook").

    python ci/same_bytes.py          # exit 0: identical; 1: lists what differs

Nothing in the repository is written.
"""
from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def main() -> int:
    import numpy
    import pandas
    import scipy

    from salesops_xl.batch import recalc
    from salesops_xl.templates import build_all

    print(f"numpy {numpy.__version__}, pandas {pandas.__version__}, scipy {scipy.__version__}")
    shipped = sorted((ROOT / "workbooks").glob("*.xlsx"))
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        built = {p.name: p for p in build_all(Path(tmp) / "built")}
        (Path(tmp) / "recalc").mkdir()
        for ship in shipped:
            again = Path(tmp) / "recalc" / ship.name
            shutil.copyfile(ship, again)
            recalc(again)
            fresh = built.get(ship.name)
            for what, path in (("built from code", fresh), ("recalculated", again)):
                same = path is not None and path.read_bytes() == ship.read_bytes()
                bad += not same
                got = digest(path) if path is not None else "missing"
                print(f"  {'same' if same else 'DIFFERENT':9}  {ship.name} {what}: {got} (committed {digest(ship)})")
        for name in sorted(set(built) - {p.name for p in shipped}):
            print(f"  DIFFERENT  {name} is built but not shipped in workbooks/")
            bad += 1
    if bad:
        print(f"{bad} workbook(s) differ from the committed ones: the bytes depend on the versions installed, or "
              "workbooks/ is out of date (python -m salesops_xl.templates)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
