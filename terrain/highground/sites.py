"""Comparison sites: a seeded stratified random sample plus named towns, and the lowland rule."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import geodesy

#: Named towns near Pokrovsk (approximate centres, WGS84 degrees, from Wikipedia infoboxes).
NAMED_TOWNS = {
    "Myrnohrad": (48.3022, 37.2606),
    "Selydove": (48.1500, 37.3000),
    "Dobropillia": (48.4667, 37.0833),
    "Novohrodivka": (48.2036, 37.3417),
    "Kostiantynivka": (48.5278, 37.7069),
    "Kurakhove": (47.9833, 37.2833),
    "Rodynske": (48.3500, 37.2000),
}


@dataclass(frozen=True)
class Site:
    name: str
    lat: float
    lon: float
    kind: str  # "target", "sample" or "town"


def stratified_sample(dem, centre, radius_m: float, n: int, seed: int, exclude_m: float) -> list[Site]:
    """``n`` seeded land points within ``radius_m`` of ``centre``, one per cell of a square stratification.

    The disc's bounding square is cut into ceil(sqrt(n * 4 / pi))^2 strata; strata are visited in a
    seeded random order and each contributes one uniform point if it falls on land (valid, > 0 m),
    inside the disc and farther than ``exclude_m`` from the centre, until n points are drawn.
    """
    rng = np.random.default_rng(seed)
    lat0, lon0 = centre
    south, west, north, east = geodesy.circle_bounds(lat0, lon0, radius_m)
    k = int(np.ceil(np.sqrt(n * 4 / np.pi))) + 1
    sites: list[Site] = []
    for _ in range(20):  # passes until n land points are found
        cells = rng.permutation(k * k)
        for cell in cells:
            i, j = divmod(int(cell), k)
            lat = south + (i + rng.random()) * (north - south) / k
            lon = west + (j + rng.random()) * (east - west) / k
            d, _ = geodesy.distance_azimuth(lat0, lon0, lat, lon)
            if d > radius_m or d < exclude_m:
                continue
            try:
                r, c = dem.index(lat, lon)
            except Exception:
                continue
            if dem.void[r, c] or dem.elevation[r, c] <= 0:
                continue
            sites.append(Site(f"S{len(sites):04d}", float(lat), float(lon), "sample"))
            if len(sites) == n:
                return sites
    return sites
