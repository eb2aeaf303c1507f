"""Drawing and chart parts for :class:`~salesops_xl.sheets.ChartSpec` and :class:`~salesops_xl.sheets.PictureSpec`.

One drawing part per sheet holds a ``twoCellAnchor`` per chart and a ``oneCellAnchor`` per picture (its PNG a
``xl/media`` part the drawing's relationships point at); each chart is
a DrawingML ``c:chartSpace`` part. Element order follows the schema
(CT_ChartSpace, CT_Chart, CT_PlotArea, CT_BarSer/CT_LineSer/CT_ScatterSer,
CT_CatAx/CT_ValAx) - Excel repairs files that do not. Series point at table
columns by absolute references (``'Sheet'!$F$2:$F$101``) and carry cached
values so viewers that do not recalculate still draw the chart.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..cellrefs import MAX_COLS, MAX_ROWS, parse_cell, quote_sheet
from ..errors import WorkbookError
from ..sheets import NUMBER_FORMATS, ChartSpec, SeriesRef
from . import xmlutil as X
from .sheetxml import SheetLayout, TableLayout

CACHE_LIMIT = 100_000  # points cached per series; above this the cache is left out (Excel recomputes it)

_CHART_KINDS = ("bar", "column", "line", "scatter")


@dataclass
class _Series:
    ref: SeriesRef
    values_f: str
    values_cache: tuple[str, list, str]  # kind, values, format code
    categories: tuple[str, tuple[str, list, str]] | None  # formula and cache, when the series has categories


def _column(lay: SheetLayout, table: str, column: str, what: str) -> tuple[TableLayout, int]:
    t = lay.table(table)
    if t is None:
        raise WorkbookError(f"{what}: no table {table!r} on sheet {lay.spec.name!r}")
    j = t.column_index(column)
    if j is None:
        raise WorkbookError(f"{what}: table {table!r} has no column {column!r}")
    return t, j


def _ref_and_cache(lay: SheetLayout, t: TableLayout, j: int) -> tuple[str, tuple[str, list, str]]:
    f = quote_sheet(lay.spec.name) + "!" + t.data_range(j, absolute=True)
    if t.n_rows > CACHE_LIMIT:
        return f, ("none", [], "General")
    kind, vals = t.encoders[j].values_for_cache(t.n_rows) if t.n_rows else ("num", [])
    col_kind = t.spec.columns[j].kind
    return f, (kind, vals, NUMBER_FORMATS.get(col_kind, "General") if kind == "num" else "General")


def _num(v) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(float(v))


def _cache_xml(kind: str, vals: list, fmt: str) -> str:
    if kind == "none":
        return ""
    pts = []
    for i, v in enumerate(vals):
        if v is None:
            continue
        if kind == "num":
            if isinstance(v, float) and not math.isfinite(v):
                continue
            pts.append(f'<c:pt idx="{i}"><c:v>{_num(v)}</c:v></c:pt>')
        else:
            pts.append(f'<c:pt idx="{i}"><c:v>{X.xml_text(str(v))}</c:v></c:pt>')
    n = len(vals)
    if kind == "num":
        return (f"<c:numCache><c:formatCode>{X.xml_text(fmt)}</c:formatCode><c:ptCount val=\"{n}\"/>"
                + "".join(pts) + "</c:numCache>")
    return f'<c:strCache><c:ptCount val="{n}"/>' + "".join(pts) + "</c:strCache>"


def _data_ref(f: str, cache: tuple[str, list, str], prefer_str: bool) -> str:
    kind, vals, fmt = cache
    if kind == "str" or (kind == "none" and prefer_str):
        return f"<c:strRef><c:f>{X.xml_text(f)}</c:f>{_cache_xml(kind, vals, fmt)}</c:strRef>"
    return f"<c:numRef><c:f>{X.xml_text(f)}</c:f>{_cache_xml(kind, vals, fmt)}</c:numRef>"


def _rich(text: str, rotate: bool = False) -> str:
    body = '<a:bodyPr rot="-5400000" vert="horz"/>' if rotate else "<a:bodyPr/>"
    return (f"<c:tx><c:rich>{body}<a:lstStyle/><a:p><a:pPr><a:defRPr/></a:pPr>"
            f'<a:r><a:rPr lang="en-US"/><a:t>{X.xml_text(text)}</a:t></a:r></a:p></c:rich></c:tx>')


def _title(text: str, rotate: bool = False) -> str:
    if not text:
        return ""
    return f'<c:title>{_rich(text, rotate)}<c:overlay val="0"/></c:title>'


def _color(c: str | None, what: str) -> str | None:
    if not c:
        return None
    s = str(c).lstrip("#").upper()
    if len(s) != 6 or any(ch not in "0123456789ABCDEF" for ch in s):
        raise WorkbookError(f"{what}: colour {c!r} is not RRGGBB")
    return s


def _numfmt(code: str | None, default_linked: bool = True) -> str:
    if code:
        return f'<c:numFmt formatCode="{X.plain_attr(code)}" sourceLinked="0"/>'
    return '<c:numFmt formatCode="General" sourceLinked="1"/>' if default_linked else ""


def _ax_common(ax_id: int, pos: str, deleted: bool = False) -> str:
    return (f'<c:axId val="{ax_id}"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
            f'<c:delete val="{1 if deleted else 0}"/><c:axPos val="{pos}"/>')


def _cat_ax(ax_id: int, cross: int, pos: str, title: str, fmt: str | None, rotate: bool) -> str:
    return ("<c:catAx>" + _ax_common(ax_id, pos) + _title(title, rotate) + _numfmt(fmt)
            + '<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
            + f'<c:crossAx val="{cross}"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/>'
            + '<c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>')


def _val_ax(ax_id: int, cross: int, pos: str, title: str, fmt: str | None, rotate: bool, gridlines: bool,
            between: str) -> str:
    return ("<c:valAx>" + _ax_common(ax_id, pos) + ("<c:majorGridlines/>" if gridlines else "")
            + _title(title, rotate) + _numfmt(fmt)
            + '<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
            + f'<c:crossAx val="{cross}"/><c:crosses val="autoZero"/><c:crossBetween val="{between}"/></c:valAx>')


def chart_xml(lay: SheetLayout, ch: ChartSpec, index: int) -> bytes:
    what = f"sheet {lay.spec.name!r}, chart {ch.title or index + 1!r}"
    if ch.kind not in _CHART_KINDS:
        raise WorkbookError(f"{what}: unknown chart kind {ch.kind!r} (expected one of {', '.join(_CHART_KINDS)})")
    if not ch.series:
        raise WorkbookError(f"{what}: a chart needs at least one series")
    series: list[_Series] = []
    for s in ch.series:
        t, j = _column(lay, s.table, s.values, what)
        vf, vc = _ref_and_cache(lay, t, j)
        categories = None
        if s.categories:
            t2, j2 = _column(lay, s.table, s.categories, what)
            categories = _ref_and_cache(lay, t2, j2)
        series.append(_Series(s, vf, vc, categories))
    ax1, ax2 = 50010001 + 2 * index, 50010002 + 2 * index
    sers = []
    for i, ser in enumerate(series):
        color = _color(ser.ref.color, what)
        parts = [f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/>',
                 f"<c:tx><c:v>{X.xml_text(ser.ref.name)}</c:v></c:tx>"]
        if ch.kind in ("bar", "column"):
            if color:
                parts.append(f'<c:spPr><a:solidFill><a:srgbClr val="{color}"/></a:solidFill></c:spPr>')
            parts.append('<c:invertIfNegative val="0"/>')
            if ser.categories:
                parts.append(f"<c:cat>{_data_ref(*ser.categories, True)}</c:cat>")
            parts.append(f"<c:val>{_data_ref(ser.values_f, ser.values_cache, False)}</c:val>")
        elif ch.kind == "line":
            style = ser.ref.style
            if style not in (None, "markers", "dash"):
                raise WorkbookError(f"{what}: unknown line style {style!r} (expected markers or dash)")
            fill = f'<a:solidFill><a:srgbClr val="{color}"/></a:solidFill>' if color else ""
            if style == "markers":
                parts.append('<c:spPr><a:ln w="28575"><a:noFill/></a:ln></c:spPr>')
                parts.append(f'<c:marker><c:symbol val="circle"/><c:size val="7"/><c:spPr>{fill}'
                             f'<a:ln>{fill}</a:ln></c:spPr></c:marker>' if fill else
                             '<c:marker><c:symbol val="circle"/><c:size val="7"/></c:marker>')
            else:
                dash = '<a:prstDash val="dash"/>' if style == "dash" else ""
                if color or dash:
                    parts.append(f'<c:spPr><a:ln w="{19050 if dash else 28575}" cap="rnd">{fill}{dash}'
                                 '<a:round/></a:ln></c:spPr>')
                parts.append('<c:marker><c:symbol val="none"/></c:marker>')
            if ser.categories:
                parts.append(f"<c:cat>{_data_ref(*ser.categories, True)}</c:cat>")
            parts.append(f"<c:val>{_data_ref(ser.values_f, ser.values_cache, False)}</c:val>")
            parts.append('<c:smooth val="0"/>')
        else:  # scatter: markers only
            parts.append('<c:spPr><a:ln w="19050"><a:noFill/></a:ln></c:spPr>')
            if color:
                parts.append(f'<c:marker><c:symbol val="circle"/><c:size val="5"/><c:spPr><a:solidFill>'
                             f'<a:srgbClr val="{color}"/></a:solidFill><a:ln><a:solidFill><a:srgbClr val="{color}"/>'
                             '</a:solidFill></a:ln></c:spPr></c:marker>')
            else:
                parts.append('<c:marker><c:symbol val="circle"/><c:size val="5"/></c:marker>')
            if ser.categories:
                parts.append(f"<c:xVal>{_data_ref(*ser.categories, False)}</c:xVal>")
            parts.append(f"<c:yVal>{_data_ref(ser.values_f, ser.values_cache, False)}</c:yVal>")
            parts.append('<c:smooth val="0"/>')
        parts.append("</c:ser>")
        sers.append("".join(parts))
    body = "".join(sers)
    axids = f'<c:axId val="{ax1}"/><c:axId val="{ax2}"/>'
    if ch.kind in ("bar", "column"):
        bar_dir = "bar" if ch.kind == "bar" else "col"
        plot = (f'<c:barChart><c:barDir val="{bar_dir}"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
                f'{body}<c:gapWidth val="150"/>{axids}</c:barChart>')
        cat_pos, val_pos = ("l", "b") if ch.kind == "bar" else ("b", "l")
        axes = (_cat_ax(ax1, ax2, cat_pos, ch.x_title, ch.x_format, rotate=(ch.kind == "bar"))
                + _val_ax(ax2, ax1, val_pos, ch.y_title, ch.y_format, rotate=(ch.kind != "bar"), gridlines=True,
                          between="between"))
    elif ch.kind == "line":
        plot = (f'<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>{body}'
                f'<c:marker val="1"/>{axids}</c:lineChart>')
        axes = (_cat_ax(ax1, ax2, "b", ch.x_title, ch.x_format, rotate=False)
                + _val_ax(ax2, ax1, "l", ch.y_title, ch.y_format, rotate=True, gridlines=True, between="between"))
    else:
        plot = (f'<c:scatterChart><c:scatterStyle val="lineMarker"/><c:varyColors val="0"/>{body}'
                f'{axids}</c:scatterChart>')
        axes = (_val_ax(ax1, ax2, "b", ch.x_title, ch.x_format, rotate=False, gridlines=False, between="midCat")
                + _val_ax(ax2, ax1, "l", ch.y_title, ch.y_format, rotate=True, gridlines=True, between="midCat"))
    title = (_title(ch.title) + '<c:autoTitleDeleted val="0"/>') if ch.title else '<c:autoTitleDeleted val="1"/>'
    xml = (X.XML_DECL
           + f'<c:chartSpace xmlns:c="{X.NS_C}" xmlns:a="{X.NS_A}" xmlns:r="{X.NS_R}">'
           + f'<c:date1904 val="{int(lay.date1904)}"/><c:lang val="en-US"/><c:roundedCorners val="0"/>'
           + f"<c:chart>{title}<c:plotArea><c:layout/>{plot}{axes}</c:plotArea>"
           + '<c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend>'
           + '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
           + "<c:printSettings><c:headerFooter/>"
           + '<c:pageMargins b="0.75" l="0.7" r="0.7" t="0.75" header="0.3" footer="0.3"/><c:pageSetup/>'
           + "</c:printSettings></c:chartSpace>")
    return xml.encode("utf-8")


EMU_PER_PX = 9525  # 914,400 EMU per inch / 96 screen pixels per inch


def _picture_anchor(pic, rid: str, shape_id: int, what: str) -> str:
    """A ``oneCellAnchor`` holding an ``xdr:pic``: the picture keeps its size whatever the column widths."""
    r, c = parse_cell(pic.anchor, f"{what}, anchor")
    w, h = int(pic.width_px), int(pic.height_px)
    if w <= 0 or h <= 0:
        raise WorkbookError(f"{what}: size {w} x {h} pixels is not positive")
    cx, cy = w * EMU_PER_PX, h * EMU_PER_PX
    return ("<xdr:oneCellAnchor>"
            f"<xdr:from><xdr:col>{c}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{r}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>"
            f'<xdr:ext cx="{cx}" cy="{cy}"/>'
            f'<xdr:pic><xdr:nvPicPr><xdr:cNvPr id="{shape_id}" name="{X.xml_attr(pic.name)}" '
            f'descr="{X.xml_attr(pic.description)}"/><xdr:cNvPicPr><a:picLocks noChangeAspect="1"/></xdr:cNvPicPr>'
            f'</xdr:nvPicPr><xdr:blipFill><a:blip xmlns:r="{X.NS_R}" r:embed="{rid}"/><a:stretch><a:fillRect/>'
            f'</a:stretch></xdr:blipFill><xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic><xdr:clientData/></xdr:oneCellAnchor>')


def drawing_xml(lay: SheetLayout, chart_rids: list[str], picture_rids: Sequence[str] = ()) -> bytes:
    anchors = []
    for i, (ch, rid) in enumerate(zip(lay.spec.charts, chart_rids)):
        what = f"sheet {lay.spec.name!r}, chart {ch.title or i + 1!r}"
        r, c = parse_cell(ch.anchor, f"{what}, anchor")
        w = max(1, int(ch.width_cols))
        h = max(1, int(ch.height_rows))
        r2, c2 = min(r + h, MAX_ROWS - 1), min(c + w, MAX_COLS - 1)
        name = X.xml_attr(f"Chart {i + 1}")
        anchors.append(
            '<xdr:twoCellAnchor editAs="oneCell">'
            f"<xdr:from><xdr:col>{c}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{r}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>"
            f"<xdr:to><xdr:col>{c2}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{r2}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>"
            f'<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="{i + 2}" name="{name}"/>'
            "<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>"
            '<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
            '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
            f'<c:chart xmlns:c="{X.NS_C}" xmlns:r="{X.NS_R}" r:id="{rid}"/>'
            "</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor>")
    for k, (pic, rid) in enumerate(zip(lay.spec.pictures, picture_rids)):
        anchors.append(_picture_anchor(pic, rid, len(lay.spec.charts) + k + 2,
                                       f"sheet {lay.spec.name!r}, picture {pic.name!r}"))
    return (X.XML_DECL + f'<xdr:wsDr xmlns:xdr="{X.NS_XDR}" xmlns:a="{X.NS_A}">' + "".join(anchors)
            + "</xdr:wsDr>").encode("utf-8")
