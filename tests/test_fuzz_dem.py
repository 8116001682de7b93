"""Fuzz: damaged and unusual elevation files, opened with open_dem and (tiles) load_dem.

Every case writes a grid whose true elevation is known, in some form (GeoTIFF with nodata, mask,
alpha, scale/offset, odd CRSs; SRTM .hgt raw/zip/gz) and possibly damaged (truncated, corrupt
stream, wrong member, bomb, degenerate georeferencing). The file must either open with exactly
the true elevation, voids, true cell size (m) and placement, or be refused with a terrain error.

Not fuzzed, and why: flipped bytes inside an otherwise valid GeoTIFF (its metadata and pixel
data carry no checksum; the change is undetectable by any reader) and raw .hgt payloads (same).
"""

from __future__ import annotations

import gzip
import io
import zipfile

import numpy as np
import pyproj
import pytest
import rasterio
from affine import Affine
from fuzzkit import TALLY, Refuted, run_case
from synthetic import fractal_terrain

import terrain
from terrain import geodesy

ROWS, COLS = 36, 44
# (CRS, latitude, longitude) of the grid's centre: projections whose scale factor is not 1 there,
# datums that are not WGS84, grads and a Paris prime meridian.
CRS_CASES = [
    ("EPSG:3857", 60.0, 37.0), ("EPSG:3413", 80.0, -45.0), ("EPSG:32637", 48.3, 37.2), ("EPSG:3035", 52.0, 10.0),
    ("EPSG:4326", 48.3, 37.2), ("EPSG:4284", 48.3, 37.2), ("EPSG:4807", 48.8, 2.4), ("EPSG:4269", 40.0, -100.0),
    ("EPSG:32660", -40.0, 179.9),  # UTM zone 60S, next to the antimeridian
]
GEO_CELL_DEG = 1 / 1200  # 3" in degrees (grads grids use the same number of units)


def _truth(rng):
    z = np.round(fractal_terrain(ROWS, COLS, seed=int(rng.integers(1 << 30)), relief_m=300)).astype(np.float32)
    void = np.zeros(z.shape, bool)
    for _ in range(int(rng.integers(0, 5))):
        void[rng.integers(ROWS), rng.integers(COLS)] = True
    return z, void


def _grid(crs_text, lat, lon):
    """A north-up transform centred on (lat, lon) in ``crs_text``, 30 units (or 3") per cell."""
    crs = pyproj.CRS(crs_text)
    x, y = pyproj.Transformer.from_crs(4326, crs, always_xy=True).transform(lon, lat)
    cell = GEO_CELL_DEG if crs.is_geographic else 30.0
    return Affine(cell, 0, x - COLS / 2 * cell, 0, -cell, y + ROWS / 2 * cell)


def _write(path, bands, transform, crs, dtype, **kw):
    prof = {"driver": "GTiff", "height": ROWS, "width": COLS, "count": len(bands), "dtype": dtype,
            "transform": transform, "crs": crs, "compress": "deflate", **kw}
    with rasterio.open(path, "w", **prof) as dst:
        for i, b in enumerate(bands, 1):
            dst.write(b.astype(dtype), i)
    return path


def _check_grid(dem, z, void, crs_text=None):
    if dem.shape != z.shape or not np.array_equal(dem.void, void):
        raise Refuted(f"voids {int(dem.void.sum())} at the wrong cells (expected {int(void.sum())})")
    if not np.array_equal(dem.elevation[~void], z[~void]):
        bad = np.argwhere(dem.elevation != z)[0]
        raise Refuted(f"elevation {dem.elevation[tuple(bad)]} at {tuple(bad)} instead of {z[tuple(bad)]}")
    if crs_text is None:
        return
    # Independent of terrain's code: the cell's true size from pyproj geodesics between transformed corners.
    to_ll = pyproj.Transformer.from_crs(pyproj.CRS(crs_text), 4326, always_xy=True)
    t = dem.transform
    r = ROWS // 2
    (lo0, lo1), (la0, la1) = to_ll.transform([t.c + t.a * (COLS // 2), t.c + t.a * (COLS // 2 + 1)],
                                             [t.f + t.e * (r + 0.5)] * 2)
    true_dx = geodesy.GEOD.inv(lo0, la0, lo1, la1)[2]
    if abs(dem.cell_dx_m[r] - true_dx) > 2e-3 * true_dx:
        raise Refuted(f"cell {dem.cell_dx_m[r]:.3f} m E-W, true {true_dx:.3f} m ({crs_text})")
    for row, col in ((r, COLS // 2), (3, 5), (ROWS - 2, COLS - 3)):
        lon, lat = to_ll.transform(t.c + t.a * (col + 0.5), t.f + t.e * (row + 0.5))
        if dem.index(lat, lon) != (row, col):
            raise Refuted(f"({lat:.6f}, {lon:.6f}) indexes {dem.index(lat, lon)}, not ({row}, {col}) in {crs_text}")


def _tiff_case(rng, tmp, i):
    z, void = _truth(rng)
    kinds = ["float_nodata", "int16_no_nodata", "mask_band", "alpha_band", "scale_offset", "crs", "crs", "crs",
             "no_crs", "local_cs", "zero_cell", "rotated", "south_up", "past_pole", "all_void", "huge", "truncated",
             "empty", "random_bytes", "text", "directory"]
    kind = kinds[i % len(kinds)] if i < len(kinds) else kinds[rng.integers(len(kinds))]
    path = tmp / f"t{i}.tif"
    utm = _grid("EPSG:32637", 48.3, 37.2)
    crs_text, fill = None, bool(rng.random() < 0.2)
    expect_error = kind not in ("float_nodata", "int16_no_nodata", "mask_band", "alpha_band", "scale_offset", "crs")
    if kind == "float_nodata":
        _write(path, [np.where(void, -9999, z)], utm, "EPSG:32637", "float32", nodata=-9999)
    elif kind == "int16_no_nodata":
        _write(path, [np.where(void, -32768, z)], utm, "EPSG:32637", "int16")
    elif kind == "mask_band":
        with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True):
            with rasterio.open(path, "w", driver="GTiff", height=ROWS, width=COLS, count=1, dtype="float32",
                               transform=utm, crs="EPSG:32637") as dst:
                dst.write(np.where(void, 0, z).astype("float32"), 1)
                dst.write_mask(np.where(void, 0, 255).astype("uint8"))
    elif kind == "alpha_band":
        from rasterio.enums import ColorInterp

        with rasterio.open(path, "w", driver="GTiff", height=ROWS, width=COLS, count=2, dtype="int16",
                           transform=utm, crs="EPSG:32637", photometric="MINISBLACK", alpha="YES") as dst:
            dst.write(np.where(void, 0, z).astype("int16"), 1)
            dst.write(np.where(void, 0, 255).astype("int16"), 2)
            dst.colorinterp = [ColorInterp.gray, ColorInterp.alpha]
    elif kind == "scale_offset":
        with rasterio.open(path, "w", driver="GTiff", height=ROWS, width=COLS, count=1, dtype="uint16",
                           transform=utm, crs="EPSG:32637", nodata=65535) as dst:
            dst.write(np.where(void, 65535, np.round((z + 50) * 10)).astype("uint16"), 1)
            dst.scales, dst.offsets = (0.1,), (-50.0,)
    elif kind == "crs":
        crs_text, lat, lon = CRS_CASES[rng.integers(len(CRS_CASES))]
        crs = rasterio.crs.CRS.from_wkt(pyproj.CRS(crs_text).to_wkt())
        _write(path, [np.where(void, -9999, z)], _grid(crs_text, lat, lon), crs, "float32", nodata=-9999)
    elif kind in ("no_crs", "local_cs"):
        crs = None if kind == "no_crs" else rasterio.crs.CRS.from_wkt(
            'LOCAL_CS["site grid",UNIT["metre",1],AXIS["Easting",EAST],AXIS["Northing",NORTH]]')
        _write(path, [z], utm, crs, "float32")
    elif kind in ("zero_cell", "rotated", "south_up"):
        t = {"zero_cell": Affine(0, 0, 400000, 0, -30, 5350000), "rotated": Affine(30, 5, 400000, 5, -30, 5350000),
             "south_up": Affine(30, 0, 400000, 0, 30, 5340000)}[kind]
        _write(path, [z], t, "EPSG:32637", "float32")
    elif kind == "past_pole":
        _write(path, [z], Affine(GEO_CELL_DEG, 0, 10, 0, -GEO_CELL_DEG, 90 + 3 * GEO_CELL_DEG), "EPSG:4326",
               "float32")
    elif kind == "all_void":
        _write(path, [np.full(z.shape, -9999.0)], utm, "EPSG:32637", "float32", nodata=-9999)
    elif kind == "huge":
        with rasterio.open(path, "w", driver="GTiff", height=25_000, width=20_000, count=1, dtype="int16",
                           transform=utm, crs="EPSG:32637", tiled=True, sparse_ok=True) as dst:
            dst.write(np.ones((1, 16, 16), "int16"), window=rasterio.windows.Window(0, 0, 16, 16))
    elif kind == "truncated":
        _write(path, [z], utm, "EPSG:32637", "float32")
        raw = path.read_bytes()
        path.write_bytes(raw[: int(rng.integers(1, len(raw) - 1))])
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "random_bytes":
        path.write_bytes(rng.bytes(int(rng.integers(1, 5000))))
    elif kind == "text":
        path.write_text("elevation,lat,lon\n100,48,37\n")
    elif kind == "directory":
        path.mkdir()
    check = None if expect_error else (lambda dem: _check_filled(dem, z, void) if fill else
                                       _check_grid(dem, z, void, crs_text))
    return kind, expect_error, (lambda: terrain.open_dem(path, fill_voids=fill)), check


def _check_filled(dem, z, void):
    if dem.void.any() or not np.array_equal(dem.elevation[~void], z[~void]):
        raise Refuted("fill_voids changed real posts or left voids in a small grid")
    if void.any() and not (z[~void].min() <= dem.elevation[void].min() <= dem.elevation[void].max() <= z.max()):
        raise Refuted(f"filled values {dem.elevation[void]} outside the range of the data")


@pytest.fixture(scope="module")
def hgt_truth():
    z = np.round(fractal_terrain(1201, 1201, seed=5, relief_m=300)).astype(np.int16)
    z[100, 200] = z[600, 601] = -32768
    return z


def _gzip(raw):
    return gzip.compress(raw, compresslevel=1)


def _zip(raw, member):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr(member, raw)
    return buf.getvalue()


def _flip(rng, blob, lo_frac=0.3):
    b = bytearray(blob)
    for _ in range(int(rng.integers(1, 4))):
        pos = int(rng.integers(int(len(b) * lo_frac), len(b) - 8))
        b[pos] ^= 1 << int(rng.integers(8))
    return bytes(b)


def _hgt_case(rng, tmp, i, truth, blobs):
    kinds = ["hgt", "hgt_short", "zip", "zip_corrupt", "zip_truncated", "zip_other_tile", "gz", "gz_two_members",
             "gz_corrupt", "gz_truncated", "gz_bomb", "zip_empty"]
    kind = kinds[i % len(kinds)] if i < len(kinds) else kinds[rng.integers(len(kinds))]
    name = "N48E037"
    d = tmp / f"h{i}"
    d.mkdir()
    raw, gz, zp = blobs[:3]
    ext = {"hgt": ".hgt", "hgt_short": ".hgt"}.get(kind, ".hgt.zip" if kind.startswith("zip") else ".hgt.gz")
    payload = {
        "hgt": raw, "hgt_short": raw[: int(rng.integers(1, len(raw) - 1))], "zip": zp,
        "zip_corrupt": _flip(rng, zp), "zip_truncated": zp[: int(rng.integers(30, len(zp) - 1))],
        "zip_other_tile": _zip(raw, "N10E010.hgt") if rng.random() < 0.1 else None, "gz": gz,
        "gz_two_members": None, "gz_corrupt": _flip(rng, gz), "gz_truncated": gz[: int(rng.integers(10, len(gz) - 1))],
        "gz_bomb": None, "zip_empty": _zip(b"", "N48E037.hgt"),
    }[kind]
    if kind == "zip_other_tile" and payload is None:
        payload = blobs[3]
    if kind == "gz_two_members":
        cut = int(rng.integers(1, len(raw) - 1))
        payload = _gzip(raw[:cut]) + _gzip(raw[cut:])
    if kind == "gz_bomb":
        payload = blobs[4]
    path = d / f"{name}{ext}"
    path.write_bytes(payload)
    expect_error = kind not in ("hgt", "zip", "gz", "gz_two_members")
    t = truth.astype(np.float32)
    void = truth == -32768
    probes = [(int(rng.integers(1201)), int(rng.integers(1201))) for _ in range(20)] + [(100, 200), (600, 601)]

    def check_open(dem):
        if dem.shape != (1201, 1201) or not np.array_equal(dem.void, void) or \
                not np.array_equal(dem.elevation[~void], t[~void]):
            raise Refuted(f"{kind}: the tile read is not the tile written")

    def check_dir(dem):
        for r, c in probes:
            lat, lon = 49 - r / 1200, 37 + c / 1200
            if not dem.contains(lat, lon):
                continue
            rr, cc = dem.index(lat, lon)
            got, want = dem.elevation[rr, cc], t[r, c]
            if void[r, c] != dem.void[rr, cc] or (not void[r, c] and got != want):
                raise Refuted(f"{kind} (directory): post ({r}, {c}) reads {got}, written {want}")

    if rng.random() < 0.5:
        return kind, expect_error, (lambda: terrain.open_dem(path)), check_open
    lat, lon = 49 - 600 / 1200, 37 + 600 / 1200
    return f"{kind}/dir", expect_error, (lambda: terrain.load_dem(lat, lon, 20_000, search=d)), check_dir


@pytest.mark.filterwarnings("ignore::terrain.errors.VoidWarning", "ignore::rasterio.errors.NotGeoreferencedWarning")
def test_dem_fuzz(tmp_path, hgt_truth, fuzz_scale):
    """>= 800 damaged or unusual elevation files (x --fuzz-scale): opened exactly right or refused cleanly."""
    rng = np.random.default_rng(29)
    raw = hgt_truth.astype(">i2").tobytes()
    other = _zip(raw, "N10E010.hgt")
    bomb = _gzip(b"\0" * (40 << 20))  # 40 MB of zeros in ~40 kB: past any tile, must be refused while streaming
    blobs = (raw, _gzip(raw), _zip(raw, "N48E037.hgt"), other, bomb)
    n_tiff, n_hgt = 700 * fuzz_scale, 140 * fuzz_scale
    for i in range(n_tiff):
        kind, expect_error, call, check = _tiff_case(rng, tmp_path, i)
        run_case("dem", kind, expect_error, call, check, desc=kind)
    for i in range(n_hgt):
        kind, expect_error, call, check = _hgt_case(rng, tmp_path, i, hgt_truth, blobs)
        run_case("dem", kind, expect_error, call, check, desc=kind)
        for p in (tmp_path / f"h{i}").iterdir():
            p.unlink()
    assert TALLY.bad("dem") == 0, "\n".join(f for f in TALLY.failures if f.startswith("dem/"))
