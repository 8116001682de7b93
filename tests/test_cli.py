import json

import numpy as np
import pytest
import rasterio
from click.testing import CliRunner

import terrain
from terrain.cli.main import cli


@pytest.fixture
def runner():
    return CliRunner()


def test_elevation_json(runner):
    res = runner.invoke(cli, ["elevation", "48.2828", "37.1828", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["elevation_m"] == 207.0 and out["resolution"] == 'DTED0 30"'
    assert out["sources"][0].endswith("n48.dt0")


@pytest.mark.parametrize(
    ("args", "match"),
    [(["95", "37"], "latitude"), (["48", "abc"], "longitude"), (["10.5", "10.5"], "N10E010"),
     (["48.2", "37.1", "--dem", "/nonexistent.tif"], "does not exist")],
)
def test_bad_coordinates_give_one_line(runner, args, match):
    res = runner.invoke(cli, ["elevation", *args])
    assert res.exit_code == 1
    lines = [ln for ln in res.stderr.splitlines() if ln.strip() and not ln.startswith("Warning:")]
    assert len(lines) == 1 and lines[0].startswith("Error:") and match in lines[0]
    assert "Traceback" not in res.output


def test_viewshed_writes_files_users_can_open(runner, tmp_path):
    tif, png, gj, mvh = (tmp_path / n for n in ("v.tif", "v.png", "v.geojson", "mvh.tif"))
    res = runner.invoke(cli, ["viewshed", "48.2828", "37.1828", "-o", str(tif), "--height", "10", "--radius", "15",
                              "--png", str(png), "--geojson", str(gj), "--mvh", str(mvh), "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["observer_height_m"] == 10 and summary["radius_m"] == 15000
    assert summary["dem"]["resolution"] == 'DTED0 30"' and "coarse" in summary["dem"]["note"]
    with rasterio.open(tif) as ds:
        assert ds.crs.to_epsg() == 4326 and ds.nodata == 255
        band = ds.read(1)
        cell_area = np.asarray(summary["dem"]["cell_size_m"]).prod() / 1e6
        assert abs((band == 1).sum() * cell_area - summary["visible_area_km2"]) < 0.05 * summary["visible_area_km2"]
        assert "terrain_viewshed" in ds.tags()
    with rasterio.open(mvh) as ds:
        assert ds.dtypes[0] == "float32"
    features = json.loads(gj.read_text())["features"]
    assert features and features[0]["geometry"]["type"] == "Polygon"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*"))  # no temporary files left


def test_viewshed_bad_parameters(runner, tmp_path):
    for extra, match in [(["--height", "-2"], "observer_height"), (["--radius", "nan"], "radius"),
                         (["--refraction", "1.5"], "refraction")]:
        res = runner.invoke(cli, ["viewshed", "48.2828", "37.1828", "-o", str(tmp_path / "x.tif"), *extra])
        assert res.exit_code == 1 and match in res.stderr, res.output
        assert not (tmp_path / "x.tif").exists()


def test_help_documents_defaults(runner):
    res = runner.invoke(cli, ["viewshed", "--help"])
    assert "default: 2.0" in res.output and "0.14286" in res.output


def test_visibility_map_writes_a_geotiff_with_its_method(runner, tmp_path):
    out = tmp_path / "tv.tif"
    res = runner.invoke(cli, ["visibility-map", "48.2828", "37.1828", "--extent", "8", "--radius", "5", "--height",
                              "10", "--target-height", "2", "-o", str(out), "--png", str(tmp_path / "tv.png"),
                              "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["method"] == "sector" and summary["n_directions"] == 360 and summary["observers"] > 100
    with rasterio.open(out) as ds:
        assert ds.crs is not None and ds.dtypes[0] == "float32"
        area = ds.read(1)
        assert json.loads(ds.tags()["terrain_visibility_map"])["radius_m"] == 5000
    assert 0 < float(np.nanmax(area)) <= np.pi * 5**2 * 1.01
    assert (tmp_path / "tv.png").stat().st_size > 0
    # only the observers within the extent are computed, and they equal the whole grid's values there
    whole = terrain.total_viewshed(terrain.load_dem(48.2828, 37.1828, 13_000), 5000.0, observer_height=10.0,
                                   target_height=2.0)
    assert whole.shape == area.shape and np.isfinite(area).sum() == summary["observers"]
    np.testing.assert_array_equal(area[np.isfinite(area)], whole[np.isfinite(area)])
    bad = runner.invoke(cli, ["visibility-map", "48.2828", "37.1828", "-o", str(tmp_path / "b.tif"),
                              "--directions", "2"])
    assert bad.exit_code == 1 and "n_directions" in bad.stderr and "Traceback" not in bad.output
    assert not (tmp_path / "b.tif").exists()


def test_cli_refuses_a_geotiff_named_png_and_hints_at_swapped_coordinates(tmp_path):
    out = tmp_path / "v.png"
    res = CliRunner().invoke(cli, ["viewshed", "48.2828", "37.1828", "-o", str(out), "--radius", "5"])
    assert res.exit_code == 1 and "GeoTIFF" in res.stderr and ".tif" in res.stderr and "--png" in res.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []
    res = CliRunner().invoke(cli, ["viewshed", "37.1828", "48.2828", "-o", str(tmp_path / "v.tif"), "--radius", "5"])
    assert res.exit_code == 1 and "did you swap latitude and longitude" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("text", "mhz"), [("2400", 2400.0), ("2.4GHz", 2400.0), ("2400MHz", 2400.0), ("5.8g", 5800.0),
                                          ("868 MHz", 868.0), ("2.4G", 2400.0), ("433", 433.0)])
def test_frequency_takes_units(text, mhz):
    from terrain.cli.radio_cmds import _freq

    assert _freq(text) == pytest.approx(mhz)


def test_a_bare_small_frequency_is_refused_not_read_as_mhz():
    res = CliRunner().invoke(cli, ["profile", "48.2828", "37.1828", "48.35", "37.5", "--freq", "2.4"])
    assert res.exit_code == 1 and "2.4GHz" in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_a_radius_in_metres_gets_a_hint(tmp_path):
    res = CliRunner().invoke(cli, ["viewshed", "48.2828", "37.1828", "-o", str(tmp_path / "v.tif"), "--radius", "20000"])
    assert res.exit_code == 1 and "did you mean 20000 m = 20 km?" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and not (tmp_path / "v.tif").exists()


def test_visibility_map_extent_zero_with_a_stride_keeps_one_observer(tmp_path):
    """--extent 0 --stride 2 centred on a cell off the stride lattice: the nearest lattice cell is computed
    (the long fuzz run found this valid call refused)."""
    out = tmp_path / "vm.tif"
    res = CliRunner().invoke(cli, ["visibility-map", "48.275", "37.175", "-o", str(out), "--extent", "0",
                                   "--radius", "1", "--stride", "2", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["observers"] == 1 and out.exists()
