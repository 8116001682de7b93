"""The study's statistics on constructed terrains where the answer is known, and its outputs."""

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner
from synthetic import write_hgt

from terrain.highground import StudyConfig, run_study
from terrain.highground.report import fmt, write_outputs
from terrain.highground.stats import compare, percentile_of

SITE = (10.5, 10.5)


def _terrain(bump_m: float, seed: int = 0) -> np.ndarray:
    """3" tile N10E010: a gently rolling plain (~100 m) with a bump at SITE: a cone of radius 3 km for a hill
    (a rounded dome would hide its own foot from the top); for a valley a narrow E-W trench (a round bowl
    would see all its own walls)."""
    n = 1201
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:n, 0:n].astype(float)
    # SITE is at the tile centre (row 600, col 600); cells ~92 m N-S, ~91 m E-W at 10.5 N
    r2 = ((yy - 600) * 92.0) ** 2 + ((xx - 600) * 91.0) ** 2
    plain = 100 + 15 * np.sin(xx / 9.0) * np.cos(yy / 7.0) + rng.normal(0, 0.5, (n, n))
    if bump_m > 0:
        return plain + bump_m * np.clip(1 - np.sqrt(r2) / 3000.0, 0, None)
    return plain + bump_m * np.exp(-(((yy - 600) * 92.0) ** 2) / (2 * 400.0**2))


def _config(tmp_path, **kw):
    base = dict(name="test site", lat=SITE[0], lon=SITE[1], radius_m=8_000, exclude_m=1_500, town_radius_m=500,
                samples=60, seed=7, tpi_radii_m=(1_000.0, 2_000.0), relief_radius_m=1_000.0,
                lowland_tpi_radius_m=2_000.0, observer_heights_m=(2.0, 10.0), view_radii_m=(2_000.0, 4_000.0),
                drone_heights_m=(20.0, 50.0), radio_radius_m=6_000.0, jam_ring=(4, 3_000.0), jam_radius_m=4_000.0,
                jam_sites=10, total_vis=(2_000.0, 10.0, 2.0), dem_error=((500.0, 2_000.0), 2, 20), dem_rmse_m=3.8, bootstrap=200,
                sensitivity_sites=20, towns={}, dem_search=str(tmp_path), quick=True,
                jam_sensitivity={"eirp_dbm": (30.0,), "airborne_height_m": 300.0, "processing_gain_db": 20.0,
                                 "sites": 4, "jammers": 2})
    base.update(kw)
    return StudyConfig(**base)


@pytest.fixture(scope="module")
def hill(tmp_path_factory):
    d = tmp_path_factory.mktemp("hill")
    write_hgt(d, "N10E010", _terrain(+150.0))
    cfg = _config(d)
    res, arrays = run_study(cfg)
    return cfg, res, arrays, d


def test_percentile_and_compare_basics():
    assert percentile_of(5, [1, 2, 3, 4]) == 100 and percentile_of(0, [1, 2]) == 0
    assert percentile_of(2, [1, 2, 3]) == 50
    c = compare(10.0, [1, 2, 3, 4, 5, 6], [1, 2, 3], seed=0, n_boot=200)
    assert c["ratio_to_lowland_median"] == 5.0 and c["ratio_ci95"][0] >= 10 / 3
    t = compare(5.0, [-3, -1, 1, 3], [-3, -1], seed=0, n_boot=200)  # TPI-like: median < 0 -> difference
    assert t["ratio_to_lowland_median"] is None and t["difference_from_lowland_median"] == 7.0


def test_a_lone_hill_ranks_at_the_top(hill):
    _, res, _, _ = hill
    v = res["verdict"]
    for q in ("is_it_high", "does_it_see_more", "do_signals_travel_further"):
        assert v[q]["percentile_all"] >= 95, (q, v[q])
        assert v[q]["verdict"] == "clearly more than typical"
    assert res["comparisons"]["elevation_m"]["test site"]["percentile_all"] == 100
    assert v["is_it_harder_to_jam"]["percentile_all"] >= 75
    for q in ("is_it_high", "does_it_see_more", "do_signals_travel_further"):
        assert v[q]["dem_error"]["p_top_quartile"] == 1.0 and v[q]["robustness"] == "robust", (q, v[q])
    assert res["monte_carlo"]["rmse_m"] == 3.8 and len(res["monte_carlo"]["cases"]) == 2
    assert "supported" in v["bottom_line"]


def test_a_valley_site_ranks_low(tmp_path):
    write_hgt(tmp_path, "N10E010", _terrain(-60.0))
    res, _ = run_study(_config(tmp_path, jam_sites=4, dem_error=((500.0,), 1, 10)))
    v = res["verdict"]
    assert v["is_it_high"]["percentile_all"] <= 5
    assert v["does_it_see_more"]["percentile_all"] <= 25
    assert v["do_signals_travel_further"]["percentile_all"] <= 25
    assert v["is_it_high"]["verdict"] == "less than the lowland median"


def test_study_is_reproducible(hill):
    cfg, res, _, _ = hill
    again, _ = run_study(cfg)
    assert again["comparisons"] == res["comparisons"]
    assert again["monte_carlo"] == res["monte_carlo"]
    assert again["sites"] == res["sites"]


def test_report_numbers_are_the_results_numbers(hill, tmp_path):
    _, res, arrays, _ = hill
    paths = write_outputs(res, arrays, tmp_path)
    saved = json.loads(paths["results"].read_text())
    md = paths["report_md"].read_text()
    html = paths["report_html"].read_text()
    assert "Resolution: SRTM 3\"" in md.splitlines()[2]  # resolution on the first page
    for q in ("is_it_high", "does_it_see_more", "do_signals_travel_further", "is_it_harder_to_jam"):
        value = saved["verdict"][q]["value"]
        assert fmt(value) in md, q
        assert fmt(saved["verdict"][q]["percentile_all"], 0) in md
    for key, per_site in saved["comparisons"].items():
        assert fmt(per_site["test site"]["value"]) in md, key
    assert html.count("data:image/png;base64,") == 6 and "<table>" in html
    for name in ("overview", "distributions", "total_visibility", "coverage", "jamming_uplink", "jamming_downlink"):
        assert paths[name].read_bytes()[:4] == b"\x89PNG"
    assert not re.search(r"\bnan\b", md)


def test_cli_highground_quick_on_the_embedded_data(tmp_path):
    from terrain.cli.main import cli

    res = CliRunner().invoke(cli, ["highground", "--quick", "--samples", "40", "--out", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["data"]["resolution"] == 'DTED0 30"'
    assert set(out["verdict"]) >= {"is_it_high", "does_it_see_more", "do_signals_travel_further", "is_it_harder_to_jam"}
    assert (tmp_path / "report.html").exists() and (tmp_path / "results.json").exists()
    bad = CliRunner().invoke(cli, ["highground", "--site", "95,37", "--out", str(tmp_path)])
    assert bad.exit_code == 1 and "latitude" in bad.stderr


def test_neighbourhood_stats_are_disc_means_and_minima_at_the_cells_asked_for():
    from helpers import make_dem
    from synthetic import fractal_terrain

    from terrain.highground.metrics import Neighbourhood, disc_offsets

    z = fractal_terrain(90, 70, seed=3)
    void = np.zeros(z.shape, bool)
    void[40:44, 10:30] = True
    dem = make_dem(z, cell_m=25.0, void=void)
    cells = np.array([(0, 0), (45, 35), (89, 69), (41, 5), (10, 60)])
    mean, low = Neighbourhood(dem, 45).stats(cells, 300.0)
    dr, dc = disc_offsets(dem, 45, 300.0)
    for (r, c), m, lo in zip(cells, mean, low, strict=True):
        rr, cc = r + dr, c + dc
        ok = (rr >= 0) & (rr < 90) & (cc >= 0) & (cc < 70)
        vals = dem.elevation[rr[ok], cc[ok]][~dem.void[rr[ok], cc[ok]]].astype(float)
        assert m == pytest.approx(vals.mean(), rel=1e-9) and lo == pytest.approx(vals.min())


def test_fine_data_total_visibility_is_a_sector_lattice_through_the_site(monkeypatch):
    from types import SimpleNamespace

    from helpers import make_dem
    from synthetic import fractal_terrain

    from terrain import constants
    from terrain.highground import study
    from terrain.total import total_viewshed

    dem = make_dem(fractal_terrain(150, 160, seed=4), cell_m=10.0)
    lon, lat = dem.cell_center_lonlat(77, 83)
    cfg = SimpleNamespace(lat=float(lat), lon=float(lon), total_vis=(500.0, 10.0, 2.0), refraction=0.13)
    monkeypatch.setattr(constants, "STUDY_TOTAL_MAX_OBSERVERS", 1000)
    total, how = study._total_visibility(dem, cfg)
    s = how["stride"]
    assert how["method"] == "sector" and s == 5
    every = total_viewshed(dem, 500.0, observer_height=10.0, target_height=2.0, refraction=0.13, method="sector")
    assert total[77, 83] == pytest.approx(every[77, 83], rel=1e-6)
    assert np.all(total[77 - s // 2:78 + s // 2, 83 - s // 2:84 + s // 2] == total[77, 83])
    assert np.isfinite(total).all()
    assert len(np.unique(total)) <= (150 // s + 1) * (160 // s + 1)
