import gzip
import shutil
import warnings
import zipfile

import numpy as np
import pytest
from synthetic import hgt_tile, write_hgt

import terrain
from terrain import CorruptTileError, InvalidParameterError, MissingElevationError, geodesy
from terrain.tiles import embedded_dem_dir, local_tiles


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [(48.2828, 37.1828, 207.0), (49.00, 37.66, 59.5), (48.225, 38.917, 357.0)],
)
def test_spot_elevations_from_embedded_dted0(lat, lon, expected):
    """49.00 N is a tile edge: the raw post is 40 m, the mosaic mends the DTED0 seam to its neighbours' mean."""
    dem = terrain.load_dem(lat, lon, 1000)
    assert dem.elevation_at(lat, lon) == expected
    assert dem.resolution == 'DTED0 30"'
    assert all("dted0" in s for s in dem.sources)


def test_embedded_data_is_found_and_complete():
    d = embedded_dem_dir()
    assert (d / "SOURCES.md").is_file()
    names = {t.name for t in local_tiles() if t.origin == "embedded"}
    assert names == {f"N{la}E0{lo}" for la in (47, 48, 49) for lo in (36, 37, 38)}


def test_profile_along_48_283_matches_sources_md():
    dem = terrain.load_dem(48.283, 37.5, 40_000)
    row, _ = dem.index(48.283, 37.0)
    col0 = dem.index(48.283, 37.0)[1]
    raw = terrain.open_dem(embedded_dem_dir() / "dted0" / "e037" / "n48.dt0")
    r_raw, c_raw = raw.index(48.283, 37.0)
    sources_md = [186, 196, 207, 213, 191, 154, 156, 229, 187, 223, 185, 196, 214]
    assert list(raw.elevation[r_raw, c_raw : c_raw + 121 : 10].astype(int)) == sources_md
    got = dem.elevation[row, col0 : col0 + 121 : 10]
    # the mosaic mends the two whole-degree columns (37 and 38 E, DTED0 edge posts) and keeps the rest
    assert list(got.astype(int))[1:-1] == sources_md[1:-1]
    assert got[0] != sources_md[0] and got[-1] != sources_md[-1]


def test_finer_srtm_in_cache_wins(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    hgt_tile(cache, "N48E037", side=1201, seed=1)
    monkeypatch.setenv("TERRAIN_CACHE_DIR", str(cache))
    dem = terrain.load_dem(48.5, 37.5, 5000)
    assert dem.resolution == 'SRTM 3"'
    assert dem.sources == (str(cache / "N48E037.hgt"),)
    assert abs(dem.transform.a - 3 / 3600) < 1e-15


def test_explicit_and_env_paths_come_first(tmp_path, monkeypatch):
    a, b = tmp_path / "a", tmp_path / "b"
    hgt_tile(a, "N48E037", seed=1)
    hgt_tile(b, "N48E037", seed=2)
    monkeypatch.setenv("TERRAIN_DEM_PATH", str(b))
    assert terrain.load_dem(48.5, 37.5, 100).sources == (str(b / "N48E037.hgt"),)
    assert terrain.load_dem(48.5, 37.5, 100, search=a).sources == (str(a / "N48E037.hgt"),)


def test_mosaic_across_tile_corner_has_no_seam(tmp_path):
    # One continuous 2x2-tile surface cut into four tiles that share their edge posts.
    from synthetic import fractal_terrain

    big = fractal_terrain(2401, 2401, seed=3)
    write_hgt(tmp_path, "N49E037", big[:1201, :1201])
    write_hgt(tmp_path, "N49E038", big[:1201, 1200:])
    write_hgt(tmp_path, "N48E037", big[1200:, :1201])
    write_hgt(tmp_path, "N48E038", big[1200:, 1200:])
    dem = terrain.load_dem(49.0, 38.0, 20_000, search=tmp_path)
    res = 3 / 3600
    # The corner post (49 N, 38 E) is big[1200, 1200]; the mosaic must reproduce `big` exactly.
    r, c = dem.index(49.0, 38.0)
    cx, cy = terrain.geodesy.apply_affine(dem.transform, c + 0.5, r + 0.5)
    assert abs(cx - 38.0) < 1e-9 and abs(cy - 49.0) < 1e-9
    rows, cols = dem.shape
    expected = np.round(big[1200 - r : 1200 - r + rows, 1200 - c : 1200 - c + cols])
    np.testing.assert_array_equal(dem.elevation, expected)
    assert abs(dem.transform.a - res) < 1e-15 and abs(dem.transform.e + res) < 1e-15


def test_cell_sizes_match_pyproj_geodesics():
    dem = terrain.load_dem(48.0, 37.5, 2000)
    row, _ = dem.index(48.0, 37.5)
    lat = 48.0
    _, _, ew = geodesy.GEOD.inv(37.5, lat, 37.5 + 30 / 3600, lat)
    _, _, ns = geodesy.GEOD.inv(37.5, lat - 15 / 3600, 37.5, lat + 15 / 3600)
    assert abs(dem.cell_dx_m[row] / ew - 1) < 0.005
    assert abs(dem.cell_dy_m[row] / ns - 1) < 0.005
    # SRTM 1" at 48 N: ~30.9 m N-S, ~20.7 m E-W
    _, _, ew1 = geodesy.GEOD.inv(37.5, lat, 37.5 + 1 / 3600, lat)
    assert 20.5 < ew1 < 20.8


def test_missing_tile_names_the_tiles(tmp_path):
    with pytest.raises(MissingElevationError, match="N40E010") as info:
        terrain.load_dem(40.5, 10.5, 1000)
    assert "N40E010" in info.value.tiles
    assert "terrain tiles fetch" in str(info.value)


def test_voids_are_masked_counted_and_filled_only_on_request(tmp_path):
    from synthetic import fractal_terrain

    z = np.round(fractal_terrain(1201, 1201, seed=4))
    z[600:605, 600:610] = -32768
    write_hgt(tmp_path, "N48E037", z)
    with pytest.warns(terrain.VoidWarning, match="50 void"):
        dem = terrain.open_dem(tmp_path / "N48E037.hgt")
    assert dem.void_count == 50 and np.isnan(dem.elevation[600, 600])
    with pytest.raises(MissingElevationError, match="void"):
        dem.elevation_at(*_latlon(dem, 602, 605))
    with warnings.catch_warnings():
        warnings.simplefilter("error", terrain.VoidWarning)
        filled = terrain.open_dem(tmp_path / "N48E037.hgt", fill_voids=True)
    assert filled.void_count == 0 and filled.filled_voids == 50
    assert np.isfinite(filled.elevation).all()


def _latlon(dem, row, col):
    lon, lat = dem.cell_center_lonlat(row, col)
    return float(lat), float(lon)


def test_zip_and_gz_tiles_open(tmp_path):
    src = hgt_tile(tmp_path, "N48E037", seed=5)
    with zipfile.ZipFile(tmp_path / "N48E037.hgt.zip", "w") as zf:
        zf.write(src, "N48E037.hgt")
    with open(src, "rb") as fi, gzip.open(tmp_path / "N48E037.hgt.gz", "wb") as fo:
        shutil.copyfileobj(fi, fo)
    plain = terrain.open_dem(src)
    for name in ("N48E037.hgt.zip", "N48E037.hgt.gz"):
        other = terrain.open_dem(tmp_path / name)
        np.testing.assert_array_equal(other.elevation, plain.elevation)
        assert other.transform == plain.transform


@pytest.mark.parametrize("payload", [b"\x00" * 1000, b"\x01" * (2 * 1201 * 1201 - 2)])
def test_truncated_or_wrong_size_hgt_is_corrupt(tmp_path, payload):
    path = tmp_path / "N48E037.hgt"
    path.write_bytes(payload)
    with pytest.raises(CorruptTileError, match=r"N48E037\.hgt") as info:
        terrain.open_dem(path)
    assert info.value.path == str(path)
    with pytest.raises(CorruptTileError, match=r"N48E037\.hgt"):
        terrain.load_dem(48.5, 37.5, 100, search=tmp_path)


def test_garbage_geotiff_and_zip_are_corrupt(tmp_path):
    tif = tmp_path / "x.tif"
    tif.write_bytes(b"II*\x00garbage" * 10)
    with pytest.raises(CorruptTileError, match=r"x\.tif"):
        terrain.open_dem(tif)
    z = tmp_path / "N48E037.hgt.zip"
    z.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CorruptTileError, match=r"N48E037\.hgt\.zip"):
        terrain.open_dem(z)


def test_truncated_dted_is_corrupt(tmp_path):
    src = embedded_dem_dir() / "dted0" / "e037" / "n48.dt0"
    bad = tmp_path / "e037" / "n48.dt0"
    bad.parent.mkdir()
    bad.write_bytes(src.read_bytes()[:5000])
    with pytest.raises(CorruptTileError, match=r"n48\.dt0"):
        terrain.open_dem(bad)


def test_geotiff_in_utm_opens_with_metric_cells(tmp_path):
    from affine import Affine

    from terrain.export import write_geotiff

    z = np.arange(100, dtype=np.float32).reshape(10, 10)
    write_geotiff(tmp_path / "u.tif", z, Affine(30, 0, 500000, 0, -30, 5350000), "EPSG:32637", nodata=-9999)
    dem = terrain.open_dem(tmp_path / "u.tif")
    # true ground size: 30 m of grid on the central meridian is 30 / 0.9996 m (UTM's scale factor there)
    assert not dem.is_geographic and dem.shape == (10, 10)
    assert dem.cell_dx_m[0] == pytest.approx(30.0 / 0.9996, rel=1e-6)
    r, c = dem.index(*_latlon(dem, 3, 4))
    assert (r, c) == (3, 4)


def test_crs_wkt_is_the_crs_own_wkt():
    """The cached WKT (rasterio's ``.wkt``) is what ``to_wkt()`` writes, for rasterio and pyproj CRSs alike,
    and round-trips to the same CRS."""
    import pyproj
    import rasterio.crs

    for text in ("EPSG:4326", "EPSG:32637", "+proj=tmerc +lat_0=48 +lon_0=37 +ellps=WGS84 +units=m"):
        rio = rasterio.crs.CRS.from_user_input(text)
        assert geodesy.crs_wkt(rio) == rio.to_wkt()
        assert geodesy.crs_wkt(rio) is geodesy.crs_wkt(rio)  # the kept string, not a new one (to_wkt() writes anew)
        assert rasterio.crs.CRS.from_wkt(geodesy.crs_wkt(rio)) == rio
        pp = pyproj.CRS.from_user_input(text)
        assert geodesy.crs_wkt(pp) == pp.to_wkt()


def test_bad_coordinates_raise_invalid_parameter():
    for lat, lon in [(95, 37), ("abc", 37), (48, float("nan"))]:
        with pytest.raises(InvalidParameterError):
            terrain.load_dem(lat, lon, 1000)
    with pytest.raises(InvalidParameterError, match="radius"):
        terrain.load_dem(48, 37, -5)


def _line_excess(dem):
    """Mean over each column / row line of (post - mean of the two posts either side), interior lines only."""
    z = dem.elevation.astype(float)
    cols = (z[:, 1:-1] - 0.5 * (z[:, :-2] + z[:, 2:])).mean(axis=0)
    rows = (z[1:-1] - 0.5 * (z[:-2] + z[2:])).mean(axis=1)
    return cols, rows


def test_no_tile_edge_line_stands_out_in_the_embedded_dted0():
    """The embedded block's shared DTED0 edge posts sat up to 9 m off their neighbours (37.000 E: +7 m in
    N48); the mosaic mends them, so every whole-degree line is as ordinary as the lines around it."""
    import terrain

    dem = terrain.load_dem(48.5, 37.5, 70_000)  # 37 and 38 E, 48 and 49 N all inside
    lon = dem.transform.c + dem.transform.a * (np.arange(dem.shape[1]) + 0.5)
    lat = dem.transform.f + dem.transform.e * (np.arange(dem.shape[0]) + 0.5)
    cols, rows = _line_excess(dem)
    edge_c = np.isclose(lon[1:-1] % 1.0, 0.0, atol=1e-6) | np.isclose(lon[1:-1] % 1.0, 1.0, atol=1e-6)
    edge_r = np.isclose(lat[1:-1] % 1.0, 0.0, atol=1e-6) | np.isclose(lat[1:-1] % 1.0, 1.0, atol=1e-6)
    assert edge_c.sum() == 2 and edge_r.sum() == 2
    assert np.abs(cols[edge_c]).max() < 1.0 and np.abs(rows[edge_r]).max() < 1.0
    assert np.abs(cols[~edge_c]).max() < 4.0  # the interior lines themselves (3.3 m at most)
    # the raw tiles do have the seam: the mending is what removes it
    import rasterio

    root = embedded_dem_dir() / "dted0"
    with rasterio.open(root / "e036" / "n48.dt0") as a, rasterio.open(root / "e037" / "n48.dt0") as b:
        west, east = a.read(1).astype(float), b.read(1).astype(float)
    assert (west[:, -1] == east[:, 0]).all()
    assert (west[:, -1] - 0.5 * (west[:, -2] + east[:, 1])).mean() > 5.0
