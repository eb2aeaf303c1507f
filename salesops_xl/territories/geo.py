"""Distances on the globe and region codes as locations.

* :func:`haversine_km` - great-circle distance in kilometres on a sphere of
  radius 6,371 km (the haversine formula), vectorised over numpy arrays.
* :data:`US_STATES` - built-in locations for US state codes (``CO`` or
  ``US-CO``): the mean latitude/longitude of the state's standard ZIP codes,
  an approximate "centre of where people live". A workbook's ``Regions``
  table takes precedence over them.
"""
from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance (km) between points given in degrees; arrays broadcast."""
    p1 = np.radians(np.asarray(lat1, dtype=np.float64))
    p2 = np.radians(np.asarray(lat2, dtype=np.float64))
    dphi = p2 - p1
    dlam = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    a = np.sin(dphi / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlam / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


#: US state code -> (latitude, longitude): mean of the state's standard ZIP code centroids.
US_STATES: dict[str, tuple[float, float]] = {
    "AL": (32.9096, -86.8064), "AK": (61.5166, -147.6932), "AZ": (33.4257, -111.7171),
    "AR": (35.1504, -92.4743), "CA": (36.3156, -119.8986), "CO": (39.2677, -105.2248),
    "CT": (41.5650, -72.7879), "DE": (39.1675, -75.5034), "DC": (38.9074, -77.0254),
    "FL": (28.1344, -81.9739), "GA": (33.0016, -83.6878), "HI": (21.0300, -157.3263),
    "ID": (44.5692, -114.8264), "IL": (40.4007, -88.9734), "IN": (39.9440, -86.2498),
    "IA": (42.0365, -93.3726), "KS": (38.5110, -97.2372), "KY": (37.5739, -84.8021),
    "LA": (30.9573, -91.7938), "ME": (44.6084, -69.3830), "MD": (39.0408, -76.7428),
    "MA": (42.2504, -71.5345), "MI": (43.4311, -84.6874), "MN": (45.5455, -94.1857),
    "MS": (32.8796, -89.6297), "MO": (38.4453, -92.5381), "MT": (46.9986, -110.0240),
    "NE": (41.1892, -98.2138), "NV": (37.7392, -116.5481), "NH": (43.3859, -71.5798),
    "NJ": (40.4036, -74.4953), "NM": (34.7270, -105.9708), "NY": (42.2093, -75.0967),
    "NC": (35.5661, -79.4367), "ND": (47.5352, -99.6880), "OH": (40.3987, -82.7224),
    "OK": (35.5178, -97.1106), "OR": (44.4800, -122.0422), "PA": (40.6524, -77.6042),
    "RI": (41.7031, -71.5055), "SC": (33.9458, -81.0040), "SD": (44.3034, -99.0969),
    "TN": (35.8164, -86.3039), "TX": (31.3113, -97.6627), "UT": (40.0808, -111.8075),
    "VT": (44.0187, -72.6520), "VA": (37.6739, -78.3454), "WA": (47.3397, -121.1238),
    "WV": (38.5480, -80.8316), "WI": (44.1956, -89.6146), "WY": (43.0006, -107.1825),
    "PR": (18.2674, -66.3540),
}


def builtin_region(code: str) -> tuple[float, float] | None:
    """Location of a built-in region code (``CO``, ``US-CO``, case-insensitive), or None."""
    s = code.strip().upper()
    if s.startswith("US-"):
        s = s[3:]
    return US_STATES.get(s)
