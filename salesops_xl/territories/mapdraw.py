"""The territory map picture: current and proposed alignment side by side on US state and county outlines.

:func:`map_picture` draws a PNG with matplotlib (Agg) on the US Census cartographic boundaries (2016, 1:500,000)
that the ``plotly-geo`` package ships inside it, read with ``pyshp``: nothing is downloaded at run time. Units are
dots coloured by territory, homes (centres) stars in their territory's colour, units that change rep ringed in
black on the proposed side, unassigned units hollow grey. Counties are drawn when
the view is small enough for them to be read (under 12 degrees of latitude).

The picture is the same bytes for the same alignment under every matplotlib the project allows: it holds no
text (matplotlib's text layout and glyph rasterising change between releases - 3.10 and 3.11 differ by
pixels - while its path filler, Agg, draws shapes identically), so titles and the legend are cells of the
sheet (``outputs.MapLegend``); matplotlib's ``default`` style, not the user's matplotlibrc; a fixed size and
resolution; a PNG without the Software or date metadata. A batch-door feature: xlwings Lite has no plotly-geo, and the add-in
writes no pictures; there the native scatter chart on the Territory Map sheet stays the map
(docs/territories.md, section 9).
"""
from __future__ import annotations

import io
import math
from functools import lru_cache

import numpy as np

#: what the picture needs beyond the engine (installed with the batch door; not in xlwings Lite)
NEEDS = ("matplotlib", "shapefile", "_plotly_geo")

WIDTH_IN, DPI = 12.0, 100  # 1200 pixels wide; the height follows the map (300 to 720 pixels)
COUNTY_MAX_SPAN = 12.0  # degrees of latitude or longitude: counties drawn below this


def available() -> str | None:
    """None when the picture can be drawn here, else the name of the first missing package."""
    import importlib.util

    for mod in NEEDS:
        if importlib.util.find_spec(mod) is None:
            return {"shapefile": "pyshp", "_plotly_geo": "plotly-geo"}.get(mod, mod)
    return None


def _shapefile(name: str):
    """A pyshp Reader on one of plotly-geo's shapefiles: read lazily from the installed files (the .shx index lets
    a bounding-box query skip the shapes outside it)."""
    import importlib.resources

    import shapefile

    base = importlib.resources.files("_plotly_geo") / "package_data"
    shp = base / f"{name}.shp"
    if isinstance(shp, __import__("pathlib").Path):
        return shapefile.Reader(str(shp.with_suffix("")))
    with (base / f"{name}.shp").open("rb") as a, (base / f"{name}.shx").open("rb") as b, \
            (base / f"{name}.dbf").open("rb") as c:  # a zipped install: read into memory
        return shapefile.Reader(shp=io.BytesIO(a.read()), shx=io.BytesIO(b.read()), dbf=io.BytesIO(c.read()))


@lru_cache(maxsize=1)
def _states() -> tuple[tuple[tuple[float, float, float, float], list[np.ndarray]], ...]:
    """Every state's bounding box and rings (lon, lat arrays), read once per process."""
    out = []
    for shape in _shapefile("cb_2016_us_state_500k").iterShapes():
        out.append((tuple(shape.bbox), _rings(shape)))
    return tuple(out)


def _rings(shape) -> list[np.ndarray]:
    pts = np.asarray(shape.points, dtype=np.float64)
    cut = list(shape.parts) + [len(pts)]
    return [pts[a:b] for a, b in zip(cut[:-1], cut[1:]) if b - a > 2]


def _counties(bbox: tuple[float, float, float, float]) -> list[np.ndarray]:
    rings: list[np.ndarray] = []
    for shape in _shapefile("cb_2016_us_county_500k").iterShapes(bbox=bbox):
        rings.extend(_rings(shape))
    return rings


def _view(lon: np.ndarray, lat: np.ndarray) -> tuple[float, float, float, float]:
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return -125.0, -66.0, 24.0, 50.0  # the lower 48
    x0, x1 = float(lon[ok].min()), float(lon[ok].max())
    y0, y1 = float(lat[ok].min()), float(lat[ok].max())
    mx = max(0.08 * (x1 - x0), 0.3)
    my = max(0.08 * (y1 - y0), 0.3)
    return x0 - mx, x1 + mx, y0 - my, y1 + my


def _draw_outlines(ax, view, rings_states, rings_counties) -> None:
    from matplotlib.collections import LineCollection, PolyCollection

    ax.add_collection(PolyCollection(rings_states, facecolors="#F4F1EA", edgecolors="none", zorder=0))
    if rings_counties:
        ax.add_collection(LineCollection(rings_counties, colors="#C9C4B8", linewidths=0.4, zorder=1))
    ax.add_collection(LineCollection(rings_states, colors="#6B6B6B", linewidths=0.9, zorder=2))


def map_picture(res, *, palette: tuple[str, ...]) -> tuple[bytes, int, int]:
    """PNG bytes, width and height in pixels of the current and proposed alignment of ``res`` (an
    AlignmentResult), side by side."""
    import matplotlib.style
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    u, reps = res.units, res.territories
    lon = u["Longitude"].to_numpy(np.float64)
    lat = u["Latitude"].to_numpy(np.float64)
    rep_ids = [str(x) for x in reps["RepID"]]
    colour = {r: "#" + palette[i % len(palette)] for i, r in enumerate(rep_ids)}
    clon = reps["CentreLongitude"].to_numpy(np.float64)
    clat = reps["CentreLatitude"].to_numpy(np.float64)
    x0, x1, y0, y1 = _view(np.concatenate([lon, clon]), np.concatenate([lat, clat]))
    box = (x0, y0, x1, y1)
    states = [rings for bb, rings in _states() if bb[0] <= x1 and bb[2] >= x0 and bb[1] <= y1 and bb[3] >= y0]
    rings_states = [r for rings in states for r in rings]
    small = (x1 - x0) <= COUNTY_MAX_SPAN and (y1 - y0) <= COUNTY_MAX_SPAN
    rings_counties = _counties(box) if small else []
    n = len(u)
    size = float(np.clip(3000.0 / max(n, 1), 2.0, 28.0))  # marker area in points^2: smaller when there are many
    moved = (u["Change"].to_numpy(object) == "Moved")

    # matplotlib's default style, whatever the user's matplotlibrc says (no pyplot: no global state touched)
    with matplotlib.style.context("default"), matplotlib.rc_context({"font.family": "DejaVu Sans"}):
        aspect = 1.0 / max(math.cos(math.radians((y0 + y1) / 2)), 0.2)
        panel_w = WIDTH_IN * DPI * 0.49
        height = int(min(max(panel_w * (y1 - y0) * aspect / (x1 - x0), 300), 720)) // 10 * 10 + 10
        fig = Figure(figsize=(WIDTH_IN, height / DPI), dpi=DPI)
        FigureCanvasAgg(fig)
        axes = fig.subplots(1, 2)
        for ax, (col, ring_moved) in zip(axes, (("CurrentOwner", False), ("NewOwner", True))):
            owner = u[col].to_numpy(object)
            _draw_outlines(ax, box, rings_states, rings_counties)
            none = np.array([o is None or (isinstance(o, float) and o != o) or o not in colour for o in owner])
            if none.any():
                ax.scatter(lon[none], lat[none], s=size, facecolors="none", edgecolors="#8C8C8C", linewidths=0.6,
                           zorder=3)
            for r in rep_ids:
                m = owner == r
                if m.any():
                    ax.scatter(lon[m], lat[m], s=size, c=colour[r], edgecolors="none", zorder=4)
            if ring_moved and moved.any():
                ax.scatter(lon[moved], lat[moved], s=size * 3.2, facecolors="none", edgecolors="#000000",
                           linewidths=min(0.9, 0.2 * math.sqrt(size)), zorder=5)  # thin rings on small dots
            ok = np.isfinite(clon) & np.isfinite(clat)
            ax.scatter(clon[ok], clat[ok], s=150, marker="*", c=[colour[r] for r, k in zip(rep_ids, ok) if k],
                       edgecolors="#000000", linewidths=0.8, zorder=6)
            ax.set_xlim(x0, x1)
            ax.set_ylim(y0, y1)
            ax.set_aspect(aspect)
            ax.set_anchor("C")
            ax.set_xticks([])
            ax.set_yticks([])
            for side in ax.spines.values():
                side.set_color("#9A9A9A")
        fig.subplots_adjust(left=0.005, right=0.995, top=0.995, bottom=0.005, wspace=0.02)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue(), int(WIDTH_IN * DPI), height
