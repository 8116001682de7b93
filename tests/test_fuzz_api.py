"""Fuzz: the public API called with seeded arguments, valid and not.

Each parameter draws from a pool of valid values (numbers, numeric text, Decimal, numpy scalars)
and invalid ones (NaN, inf, out of range, None, text, lists, bools); a call with any invalid
argument must raise a terrain error, a call with none must return an answer the oracle accepts.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from affine import Affine
from fuzzkit import TALLY, Refuted, describe, run_case
from helpers import make_dem
from synthetic import fractal_terrain

import terrain
from terrain.total import total_viewshed
from terrain.viewshed import visible_areas

NAN, INF = float("nan"), float("inf")
BAD_NUMBERS = [NAN, INF, -INF, None, "abc", [1.0], True, {}, "", b"1", "1e999"]
POOLS = {
    "height": ([0.0, 2, 10.5, "5", Decimal("3.5"), np.float32(7.0), 150],
               [-1, -1e-9, 2e5, *BAD_NUMBERS]),
    "radius": ([300.0, 900, "600", Decimal("1200"), np.float64(2500), 1e9],
               [-1, 0.0, 1e11, 1e308, *BAD_NUMBERS]),
    "refraction": ([0.0, 1 / 7, -0.5, "0.13", 0.9], [1.0, 1.5, -11, *BAD_NUMBERS]),
    "freq": ([1.0, 433, "2400", Decimal("5800"), 1e5], [0.5, 0, -2400, 2e5, *BAD_NUMBERS]),
    "k": ([0.5, 4 / 3, "1.33", 1e6], [0, -1, 0.05, *BAD_NUMBERS]),
    "fresnel": ([0.1, 0.6, 1, "0.6", Decimal("0.8")], [0, -0.5, 1.5, *BAD_NUMBERS]),
    "power": ([-20.0, 0, 20, "30", 60], [150, -150, *BAD_NUMBERS]),
    "method_vs": (["fast", "checked", "exact"], ["FAST", "", None, 3, "sector"]),
    "method_tv": (["sector", "checked"], ["fast", None, 1]),
    "stride": ([1, 2, 5], [0, -1, 1.5, "2", None, True]),
    "directions": ([8, 90, 360], [2, 0, -5, 1e6, None, "x"]),
}


@pytest.fixture(scope="module")
def dems():
    """A projected and a geographic fractal DEM, each with a few voids away from the centre."""
    z = fractal_terrain(41, 45, seed=11, relief_m=120)
    void = np.zeros(z.shape, bool)
    void[3, 4] = void[35, 40] = void[20, 2] = True
    proj = make_dem(z, cell_m=30.0, void=void)
    geo = terrain.Dem.from_array(z, Affine(1 / 3600, 0, 37.1, 0, -1 / 3600, 48.3), "EPSG:4326", void=void)
    return {"projected": proj, "geographic": geo}


def _draw(rng, pool, p_bad):
    good, bad = POOLS[pool]
    if rng.random() < p_bad:
        return bad[rng.integers(len(bad))], True
    return good[rng.integers(len(good))], False


def _point(rng, dem, p_bad):
    """(lat, lon, bad): a non-void cell centre, or an invalid / off-grid / void point."""
    r = rng.random()
    if r < p_bad / 3:
        bad = [(91, 37.0), (48.0, -181), (NAN, 37.0), ("x", 37.0), (None, 37.0), (48.3, INF), (True, 37)]
        lat, lon = bad[rng.integers(len(bad))]
        return lat, lon, "invalid"
    if r < 2 * p_bad / 3:
        lon, lat = dem.cell_center_lonlat(-5, -5)  # a valid coordinate off the grid
        return float(lat), float(lon), "off grid"
    if r < p_bad:
        lon, lat = dem.cell_center_lonlat(3, 4)  # the void cell
        return float(lat), float(lon), "void"
    while True:
        row, col = int(rng.integers(dem.shape[0])), int(rng.integers(dem.shape[1]))
        if not dem.void[row, col]:
            lon, lat = dem.cell_center_lonlat(row, col)
            text = rng.random() < 0.2
            return (str(float(lat)) if text else float(lat)), (str(float(lon)) if text else float(lon)), None


def _f(v):
    return float(v)


def _viewshed_case(rng, dem, p_bad):
    lat, lon, bad = _point(rng, dem, p_bad)
    kw, bads = {}, [bad is not None]
    for name, pool in (("observer_height", "height"), ("target_height", "height"), ("radius_m", "radius"),
                       ("refraction", "refraction"), ("method", "method_vs")):
        kw[name], b = _draw(rng, pool, p_bad / 3)
        bads.append(b)

    def check(res):
        s = res.stats
        if res.visible.shape != dem.shape or res.visible.dtype != bool:
            raise Refuted(f"visible has shape {res.visible.shape} / {res.visible.dtype}")
        if not res.visible[res.params["observer"]["row"], res.params["observer"]["col"]]:
            raise Refuted("the observer's own cell is not visible")
        if not (0 <= s["visible_area_km2"] <= s["disc_area_km2"] + 1e-9):
            raise Refuted(f"visible {s['visible_area_km2']} km2 outside [0, disc {s['disc_area_km2']}]")
        r = _f(kw["radius_m"])
        cell_km2 = dem.mean_cell_size_m[0] * dem.mean_cell_size_m[1] / 1e6
        grid_km2 = float((dem.cell_dx_m * dem.cell_dy_m).sum()) * dem.shape[1] / 1e6
        if s["disc_area_km2"] > min(math.pi * (r / 1000) ** 2 * 1.1 + 4 * cell_km2, grid_km2 * 1.0001):
            raise Refuted(f"disc area {s['disc_area_km2']} km2 larger than the radius {r} m or the grid allows")
        if res.params["observer_height_m"] != _f(kw["observer_height"]):
            raise Refuted("observer height not the one given")

    return any(bads), (lambda: terrain.viewshed(dem, lat, lon, **kw)), check


def _coverage_case(rng, dem, p_bad):
    lat, lon, bad = _point(rng, dem, p_bad)
    kw, bads = {}, [bad is not None]
    for name, pool in (("tx_height", "height"), ("rx_height", "height"), ("freq_mhz", "freq"), ("radius_m", "radius"),
                       ("k_factor", "k"), ("fresnel", "fresnel"), ("eirp_dbm", "power"), ("rx_gain_dbi", "power")):
        kw[name], b = _draw(rng, pool, p_bad / 4)
        bads.append(b)

    def check(res):
        if (res.fresnel_clear & ~res.los).any():
            raise Refuted("Fresnel-clear cells without line of sight")
        computed = ~np.isnan(res.path_loss_db)
        if not np.isfinite(res.path_loss_db[computed]).all():
            raise Refuted("infinite path loss on a computed cell")
        if res.params["wavelength_m"] < 30.0 and (res.los & ~computed).any():  # near field (< 1 lambda): NaN
            raise Refuted("cells with line of sight but no path loss")
        loss = res.path_loss_db[computed]
        if loss.size and loss.min() < 0:
            raise Refuted(f"negative path loss {loss.min()} dB")
        if not math.isfinite(res.stats["los_area_km2"]):
            raise Refuted("LOS area not finite")

    return any(bads), (lambda: terrain.coverage(dem, lat, lon, **kw)), check


def _jamming_case(rng, dem, p_bad):
    lat, lon, bad = _point(rng, dem, p_bad / 2)
    jlat, jlon, jbad = _point(rng, dem, p_bad / 3)
    kw, bads = {}, [bad is not None, jbad is not None]
    for name, pool in (("control_height", "height"), ("drone_height", "height"), ("freq_mhz", "freq"),
                       ("radius_m", "radius"), ("k_factor", "k"), ("control_eirp_dbm", "power"),
                       ("drone_eirp_dbm", "power")):
        kw[name], b = _draw(rng, pool, p_bad / 5)
        bads.append(b)
    jh, b1 = _draw(rng, "height", p_bad / 5)
    je, b2 = _draw(rng, "power", p_bad / 5)
    bads += [b1, b2]
    r = rng.random()
    kw["direction"] = "uplink" if r < 0.45 else ("downlink" if r < 0.9 else ["sideways", None, 1][rng.integers(3)])
    bads.append(r >= 0.9)
    bad_gain = rng.random() < p_bad / 5
    kw["processing_gain_db"] = ([-1, 61, NAN, "x"] if bad_gain else [0.0, 10, "20", 60.0])[rng.integers(4)]
    bads.append(bad_gain)
    same = not any(bads[:2]) and (float(lat), float(lon)) == (float(jlat), float(jlon))

    def check(res):
        inside = ~np.isnan(res.signal_dbm)
        if np.isnan(res.sj_db[inside]).any():
            raise Refuted("S/J missing where the link is computed")
        if (res.link_ok & ~inside).any():
            raise Refuted("link holds outside the computed disc")
        if not 0 <= res.stats["link_ok_area_km2"] <= res.stats["disc_area_km2"] + 1e-9:
            raise Refuted(f"link area {res.stats['link_ok_area_km2']} outside [0, disc]")
        if res.params["direction"] == "downlink" and np.ptp(res.jamming_dbm) != 0:
            raise Refuted("downlink jamming differs between cells (it is the station's, one number)")

    def call():
        return terrain.jamming_margin(dem, (lat, lon), [(jlat, jlon, jh, je)], **kw)

    if same:  # a jammer on the station itself: a zero-length path, refused
        return True, call, check
    if not any(bads) and kw["direction"] == "downlink":
        # a jammer within a wavelength of the station is refused (test_radio); whether one a little farther
        # is, depends on the terrain between them: such near calls are made uplink calls instead
        d = float(terrain.geodesy.distance_azimuth(float(lat), float(lon), float(jlat), float(jlon))[0])
        if d < 3 * 299_792_458.0 / (_f(kw["freq_mhz"]) * 1e6):
            kw["direction"] = "uplink"
    return any(bads), call, check


def _profile_case(rng, dem, p_bad):
    lat1, lon1, b1 = _point(rng, dem, p_bad / 2)
    lat2, lon2, b2 = _point(rng, dem, p_bad / 2)
    same = (b1 is None and b2 is None) and (float(lat1), float(lon1)) == (float(lat2), float(lon2))
    kw, bads = {}, [b1 is not None, b2 is not None, same]
    for name, pool in (("height1", "height"), ("height2", "height"), ("freq_mhz", "freq"), ("k_factor", "k"),
                       ("fresnel", "fresnel")):
        kw[name], b = _draw(rng, pool, p_bad / 4)
        bads.append(b)

    def check(prof):
        s = prof.summary
        d = terrain.geodesy.distance_azimuth(float(lat1), float(lon1), float(lat2), float(lon2))[0]
        if abs(s["distance_m"] - float(d)) > 1e-6 * max(1.0, float(d)):
            raise Refuted(f"distance {s['distance_m']} != geodesic {float(d)}")
        if s["path_loss_db"] + 1e-9 < s["free_space_loss_db"]:
            raise Refuted("path loss below free-space loss")

    return any(bads), (lambda: terrain.profile(dem, lat1, lon1, lat2, lon2, **kw)), check


def _count_case(rng, dem, p_bad):
    n = int(rng.integers(0, 4))
    pts, bads = [], []
    for _ in range(n):
        lat, lon, b = _point(rng, dem, p_bad / 2)
        pts.append((lat, lon))
        bads.append(b is not None)
    radius, b = _draw(rng, "radius", p_bad / 3)
    bads.append(b)
    if rng.random() < p_bad / 4:
        pts, bads = [[1.0, 2.0, 3.0]] if rng.random() < 0.5 else "nonsense", [*bads, True]

    def check(counts):
        if counts.shape != dem.shape or counts.min() < 0 or counts.max() > len(pts):
            raise Refuted(f"counts shape {counts.shape}, range {counts.min()}..{counts.max()} for {len(pts)} observers")
        for lat, lon in pts:
            if counts[dem.index(lat, lon)] < 1:
                raise Refuted("an observer does not see its own cell")

    return any(bads), (lambda: terrain.viewshed_count(dem, pts, radius_m=radius)), check


def _total_case(rng, dem, p_bad):
    radius, b1 = _draw(rng, "radius", p_bad / 3)
    method, b2 = _draw(rng, "method_tv", p_bad / 4)
    stride, b3 = _draw(rng, "stride", p_bad / 4)
    nd, b4 = _draw(rng, "directions", p_bad / 4)
    bads = [b1, b2, b3, b4]
    region = None
    if rng.random() < 0.3:
        region = (10, 20, 5, 30) if rng.random() > p_bad else [(0, 0, 0, 0), (5, 500, 0, 10), "x", (1, 2)][
            rng.integers(4)]
        bads.append(region != (10, 20, 5, 30))

    def check(area):
        ra, rb, ca, cb = region or (0, dem.shape[0], 0, dem.shape[1])
        lattice = np.zeros(dem.shape, bool)
        s = int(stride)
        lattice[ra:rb, ca:cb] = True
        keep = np.zeros(dem.shape, bool)
        keep[::s, ::s] = True
        expected = lattice & keep & ~dem.void
        if not np.array_equal(np.isfinite(area), expected):
            raise Refuted(f"{int(np.isfinite(area).sum())} values where {int(expected.sum())} observers were asked")
        grid_km2 = float((dem.cell_dx_m * dem.cell_dy_m).sum()) * dem.shape[1] / 1e6
        if np.nanmin(area) < 0 or np.nanmax(area) > grid_km2 * 1.0001:
            raise Refuted(f"areas {np.nanmin(area)}..{np.nanmax(area)} km2 outside [0, grid {grid_km2}]")

    return any(bads), (lambda: total_viewshed(dem, radius, method=method, stride=stride, n_directions=nd,
                                              region=region)), check


def _areas_case(rng, dem, p_bad):
    h, b = _draw(rng, "height", p_bad)
    cells = [(20, 22), (10, 10)]

    def check(area):
        one = terrain.viewshed(dem, *dem.cell_center_lonlat(20, 22)[::-1], observer_height=h, radius_m=20_000.0)
        if abs(area[0] - one.stats["visible_area_km2"]) > 0.02 * max(one.stats["visible_area_km2"], 0.01):
            raise Refuted(f"visible_areas {area[0]} vs viewshed {one.stats['visible_area_km2']}")

    return b, (lambda: visible_areas(dem, cells, observer_height=h, radius_m=20_000.0)), check


def _lat_lon_case(rng, dem, p_bad):
    lat, lon, bad = _point(rng, dem, p_bad)

    def check(out):
        if out != (float(lat), float(lon)):
            raise Refuted(f"check_lat_lon({lat!r}, {lon!r}) gave {out}")

    return bad == "invalid", (lambda: terrain.elevation.check_lat_lon(lat, lon)), check


FAMILY = [_viewshed_case, _coverage_case, _profile_case, _count_case, _total_case, _areas_case, _lat_lon_case,
          _jamming_case]
WEIGHTS = np.array([6, 4, 4, 2, 2, 1, 3, 3], float)


def test_api_fuzz(dems, fuzz_scale):
    """>= 2,000 seeded API calls (x --fuzz-scale): 0 crashes, 0 silent wrong answers, 0 hangs."""
    rng = np.random.default_rng(13)
    n = 2000 * fuzz_scale
    for i in range(n):
        gen = FAMILY[rng.choice(len(FAMILY), p=WEIGHTS / WEIGHTS.sum())] if i >= len(FAMILY) else FAMILY[i]
        dem = dems["projected" if rng.random() < 0.6 else "geographic"]
        p_bad = 0.5
        expect_error, call, check = gen(rng, dem, p_bad)
        run_case("api", gen.__name__.strip("_").replace("_case", ""), expect_error, call, check, desc=describe(call))
    assert TALLY.bad("api") == 0, "\n".join(f for f in TALLY.failures if f.startswith("api/"))
