"""The desktop add-in: ribbon XML, VBA callback module, config sheet, the assembled .xlam."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from addin_testlib import ROOT

from salesops_xl.addin import checks, ribbon, scripts, xlam
from salesops_xl.capabilities import ScriptSpec

CUSTOM_UI = (ROOT / ribbon.CUSTOM_UI_PATH).read_text(encoding="utf-8")
BAS = (ROOT / xlam.BAS_FILE).read_text(encoding="utf-8")


def test_the_committed_ribbon_is_the_one_the_registry_generates():
    assert CUSTOM_UI == ribbon.custom_ui_xml(), (
        "addin/desktop/customUI.xml is out of date with the scripts of the registry: run `salesops-xl addin ribbon`")


def test_every_ribbon_tag_resolves_to_a_script_and_every_button_to_a_vba_callback():
    buttons = checks.ribbon_buttons(CUSTOM_UI)
    tagged = [b for b in buttons if "tag" in b]
    assert {b["tag"] for b in tagged} == {s.id for s in scripts.all_scripts()}  # one button per script
    for b in tagged:
        assert scripts.resolve(b["tag"]).label == b["label"]
        assert b["onAction"] == "SalesopsXLRibbon.RunTag" and b["imageMso"]
    assert checks.ribbon_problems(CUSTOM_UI, BAS) == []


def test_a_tag_that_resolves_to_nothing_is_caught():
    bad = CUSTOM_UI.replace('tag="commissions.recalc"', 'tag="commissions.recalculate"')
    assert checks.ribbon_problems(bad, BAS) == [
        "button btn_commissions_recalc: tag 'commissions.recalculate' resolves to no script"]
    gone = BAS.replace("Public Sub ImportFunctions(control As IRibbonControl)", "Public Sub Other(control As IRibbonControl)")
    assert any("SalesopsXLRibbon.ImportFunctions" in p for p in checks.ribbon_problems(CUSTOM_UI, gone))


def test_the_ribbon_has_a_group_per_capability_and_the_add_in_group_first():
    groups = re.findall(r'<group id="grp_(\w+)" label="([^"]+)"', CUSTOM_UI)
    assert groups[0] == ("addin", "Workbook")
    assert [g for g, _ in groups[1:]] == [g for g, _, s in scripts.script_groups()[1:] if s]


def test_the_generator_refuses_ids_and_icons_that_would_break_the_ribbon(monkeypatch):
    def bad(**kw):
        base = dict(id="quotas.x", label="X", run=lambda *a, **k: None)
        base.update(kw)
        return [("g", "G", [ScriptSpec(**base)])]

    monkeypatch.setattr(ribbon, "script_groups", lambda **k: bad(id="quotas.x'); import os; os.system('x"))
    with pytest.raises(ValueError, match="cannot be a ribbon tag"):
        ribbon.custom_ui_xml()
    monkeypatch.setattr(ribbon, "script_groups", lambda **k: bad(icon="Calculate Now"))
    with pytest.raises(ValueError, match="not an Office imageMso name"):
        ribbon.custom_ui_xml()


def test_labels_are_escaped():
    xml = ribbon.custom_ui_xml()
    assert "&" not in re.sub(r"&(amp|lt|gt|quot|apos);", "", xml)
    checks.ribbon_buttons(xml)  # parses


def test_the_vba_module_has_a_unique_name_and_passes_only_safe_tags_to_python():
    assert BAS.startswith('Attribute VB_Name = "SalesopsXLRibbon"')
    assert 'RunPython "import salesops_xl.addin.scripts as s; s.run_tag(\'" & scriptId & "\')"' in BAS
    assert 'Like "[A-Za-z0-9_.]"' in BAS  # the VBA refuses any other character before building the command
    assert checks.bas_callbacks(BAS) == {"SalesopsXLRibbon.RunTag", "SalesopsXLRibbon.ImportFunctions"}


def test_the_config_sheet_source_names_the_udf_module():
    assert xlam.read_conf(ROOT / xlam.CONF_FILE) == [("UDF Modules", "salesops_xl.addin.functions")]
    import importlib

    assert importlib.import_module("salesops_xl.addin.functions").sxl_commission


def test_the_assembled_add_in_holds_our_ribbon_and_config_sheet_and_xlwings_vba(tmp_path):
    import python_calamine as pc

    out = xlam.assemble(tmp_path / "salesops-xl.xlam")
    again = xlam.assemble(tmp_path / "again.xlam")
    assert out.read_bytes() == again.read_bytes()  # reproducible
    template = xlam.xlwings_template()
    with zipfile.ZipFile(out) as z, zipfile.ZipFile(template) as t:
        assert z.namelist() == t.namelist()
        assert z.read("customUI/customUI.xml").decode("utf-8") == ribbon.custom_ui_xml()
        assert z.read("xl/vbaProject.bin") == t.read("xl/vbaProject.bin")  # xlwings' VBA, byte for byte
        assert '<sheet name="salesopsxl.conf"' in z.read("xl/workbook.xml").decode("utf-8")
        assert z.testzip() is None
    copy = tmp_path / "as-xlsm.xlsm"  # python-calamine reads the package like any workbook
    copy.write_bytes(out.read_bytes())
    wb = pc.CalamineWorkbook.from_path(str(copy))
    assert wb.sheet_names == ["salesopsxl.conf"]
    assert wb.get_sheet_by_name("salesopsxl.conf").to_python() == [["UDF Modules", "salesops_xl.addin.functions"]]


def test_config_values_are_escaped_and_booleans_are_booleans(tmp_path):
    out = xlam.assemble(tmp_path / "a.xlam", config=[("PYTHONPATH", "C:\\a&b <c>"), ("Show Console", "True")])
    with zipfile.ZipFile(out) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "C:\\a&amp;b &lt;c&gt;" in sheet and 't="b"><v>1</v>' in sheet


def test_the_vba_step_is_refused_off_windows(tmp_path):
    if xlam.sys.platform.startswith("win"):
        pytest.skip("on Windows the VBA step runs for real")
    from salesops_xl.errors import WorkbookError

    with pytest.raises(WorkbookError, match="needs Excel on Windows"):
        xlam.finish_on_windows(tmp_path / "x.xlam")


def test_the_vba_import_copy_has_crlf_line_ends(tmp_path):
    copy = xlam._crlf_copy(ROOT / xlam.BAS_FILE, tmp_path)
    data = copy.read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n") > 10


def test_user_config_points_at_this_python(tmp_path):
    assert xlam.interpreter_settings("C:\\venv\\Scripts\\python.exe", "win32") == [
        ("Interpreter_Win", "C:\\venv\\Scripts\\pythonw.exe")]
    assert xlam.interpreter_settings("/Users/a/venv/bin/python", "darwin") == [
        ("Interpreter_Mac", "/Users/a/venv/bin/python")]
    assert xlam.user_config_path("win32") == Path.home() / ".salesopsxl" / "salesopsxl.conf"
    conf = tmp_path / "salesopsxl.conf"
    conf.write_text('"PYTHONPATH","X:\\\\shared"\n"Interpreter_Win","old"\n')
    xlam.write_user_config(conf, [("Interpreter_Win", "new")])
    assert xlam.read_conf(conf) == [("PYTHONPATH", "X:\\\\shared"), ("Interpreter_Win", "new")]


def test_addin_check_command_passes_on_the_committed_sources():
    from click.testing import CliRunner

    from salesops_xl.cli import main

    res = CliRunner().invoke(main, ["addin", "check"])
    assert res.exit_code == 0, res.output
    assert checks.problems() == []
