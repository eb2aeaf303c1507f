"""Consistency checks of the add-in sources (``salesops-xl addin check`` and the tests).

* the committed ribbon XML and xlwings Lite files are what the registry generates now;
* every ribbon button either carries a tag that resolves to a script and calls ``RunTag``, or
  calls one of the VBA-only callbacks; every callback exists in the .bas module.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from ..errors import WorkbookError
from .lite import LITE_DIR, main_py, requirements_txt
from .ribbon import CUSTOM_UI_PATH, NAMESPACE, RUN_CALLBACK, VBA_MODULE, custom_ui_xml
from .scripts import resolve
from .xlam import BAS_FILE


def repo_root() -> Path:
    from .xlam import source_root

    return source_root()


def ribbon_buttons(xml_text: str) -> list[dict[str, str]]:
    root = ET.fromstring(xml_text.encode("utf-8"))
    return [dict(b.attrib) for b in root.iter(f"{{{NAMESPACE}}}button")]


def bas_callbacks(bas_text: str) -> set[str]:
    """Public Subs taking an IRibbonControl: the callbacks a ribbon can name."""
    subs = re.findall(r"^\s*Public\s+Sub\s+(\w+)\s*\(\s*\w+\s+As\s+IRibbonControl\s*\)", bas_text, re.M | re.I)
    return {f"{VBA_MODULE}.{s}" for s in subs}


def ribbon_problems(xml_text: str, bas_text: str) -> list[str]:
    out = []
    m = re.search(r'Attribute VB_Name = "(\w+)"', bas_text)
    if not m or m.group(1) != VBA_MODULE:
        out.append(f"the .bas module is not named {VBA_MODULE}")
    callbacks = bas_callbacks(bas_text)
    ids = set()
    for b in ribbon_buttons(xml_text):
        bid = b.get("id", "?")
        if bid in ids:
            out.append(f"button id {bid} appears twice")
        ids.add(bid)
        action = b.get("onAction", "")
        if action not in callbacks:
            out.append(f"button {bid}: onAction {action!r} is not a callback of {VBA_MODULE}.bas")
        tag = b.get("tag")
        if tag is None:
            if action == RUN_CALLBACK:
                out.append(f"button {bid} calls RunTag but has no tag")
            continue
        try:
            resolve(tag)
        except WorkbookError:
            out.append(f"button {bid}: tag {tag!r} resolves to no script")
        if action != RUN_CALLBACK:
            out.append(f"button {bid} has a tag but does not call {RUN_CALLBACK}")
    return out


def problems(root: Path | None = None) -> list[str]:
    root = root or repo_root()
    out = []
    committed = {
        root / CUSTOM_UI_PATH: custom_ui_xml(),
        root / LITE_DIR / "main.py": main_py(),
        root / LITE_DIR / "requirements.txt": None,  # may hold a team's wheel URL: checked for the package only
    }
    for path, expected in committed.items():
        if not path.exists():
            out.append(f"{path.relative_to(root)} is missing; run `salesops-xl addin ribbon` / `salesops-xl addin lite`")
        elif expected is not None and path.read_text(encoding="utf-8") != expected:
            out.append(f"{path.relative_to(root)} is out of date with the registry; regenerate it "
                       f"(`salesops-xl addin {'ribbon' if path.suffix == '.xml' else 'lite'}`)")
    req = root / LITE_DIR / "requirements.txt"
    # the template (its wheel-URL line commented: `salesops-xl addin package --wheel-url` fills it in), or a
    # file naming a team's salesops-xl wheel
    if req.exists():
        text = req.read_text(encoding="utf-8")
        if text != requirements_txt() and not any(
                line.strip() and not line.lstrip().startswith("#") and "salesops" in line.lower()
                for line in text.splitlines()):
            out.append(f"{req.relative_to(root)} does not install salesops-xl and is not the template "
                       "(`salesops-xl addin lite`)")
    ribbon = root / CUSTOM_UI_PATH
    bas = root / BAS_FILE
    if ribbon.exists() and bas.exists():
        out += ribbon_problems(ribbon.read_text(encoding="utf-8"), bas.read_text(encoding="utf-8"))
    return out
