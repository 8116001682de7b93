import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from helpers import cell_xy, make_dem
from scipy.special import fresnel as fresnel_integrals

import terrain
from terrain import InvalidParameterError, constants
from terrain.cli.main import cli
from terrain.jamming import jamming_margin
from terrain.kernels.diffraction import knife_edge_j
from terrain.kernels.radio import free_space_loss_db, fresnel_radius_m
from terrain.radio import coverage, profile, smooth_earth_horizon_m, wavelength_m


def _latlon(dem, row, col):
    lon, lat = dem.cell_center_lonlat(row, col)
    return float(lat), float(lon)


def test_smooth_earth_radio_horizon_figure():
    assert abs(smooth_earth_horizon_m(10, 100, 4 / 3) - 54_300) < 100


@pytest.mark.parametrize(("h_tx", "h_rx"), [(10.0, 100.0), (2.0, 50.0)])
def test_flat_earth_los_coverage_radius_is_the_radio_horizon(h_tx, h_rx):
    expected = smooth_earth_horizon_m(h_tx, h_rx, 4 / 3)
    cell = 250.0
    n = int(1.15 * expected / cell)
    dem = make_dem(np.zeros((2 * n + 1, 2 * n + 1)), cell_m=cell)
    x, y = cell_xy(dem, n, n)
    res = coverage(dem, x, y, coords="dem", tx_height=h_tx, rx_height=h_rx, radius_m=1.1 * expected, k_factor=4 / 3)
    assert abs(res.stats["farthest_los_m"] - expected) <= cell * math.sqrt(2)
    assert res.stats["fresnel_clear_area_km2"] < res.stats["los_area_km2"]
    assert np.all(res.los[res.fresnel_clear])  # Fresnel-clear implies LOS


def test_fresnel_radius_and_free_space_loss_closed_forms():
    lam = wavelength_m(2400.0)
    assert abs(lam - 0.12491) < 1e-5
    d1, d2 = 3000.0, 7000.0
    assert abs(fresnel_radius_m(d1, d2, lam) - math.sqrt(lam * d1 * d2 / (d1 + d2))) < 1e-9
    assert abs(free_space_loss_db(10_000.0, lam) - 20 * math.log10(4 * math.pi * 10_000.0 / lam)) < 1e-9
    # 2.4 GHz over 1 km: the textbook 100.05 dB
    assert abs(free_space_loss_db(1000.0, lam) - 100.05) < 0.01


def test_profile_over_a_plain_matches_closed_forms():
    dem = make_dem(np.zeros((11, 401)), cell_m=30.0)
    a, b = _latlon(dem, 5, 0), _latlon(dem, 5, 400)
    prof = profile(dem, *a, *b, height1=30, height2=30, freq_mhz=915, k_factor=4 / 3)
    s = prof.summary
    d = s["distance_m"]
    mid = len(prof.distance_m) // 2
    d1 = prof.distance_m[mid]
    assert abs(prof.fresnel_m[mid] - math.sqrt(wavelength_m(915) * d1 * (d - d1) / d)) < 1e-6
    assert s["line_of_sight"] and s["diffraction_loss_db"] < 1.0
    assert abs(s["free_space_loss_db"] - 20 * math.log10(4 * math.pi * d / wavelength_m(915))) < 0.01
    # min clearance over a smooth earth is at mid path: antenna height minus the bulge there
    bulge_mid = (d / 2) ** 2 / (2 * 4 / 3 * constants.EARTH_RADIUS_M)
    assert abs(s["min_clearance_m"] - (30 - bulge_mid)) < 0.05
    assert abs(s["min_clearance_at"]["distance_m"] - d / 2) < 40


@pytest.mark.parametrize("nu", [-0.7, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 5.0])
def test_knife_edge_loss_follows_the_p526_curve(nu):
    s, c = fresnel_integrals(nu)
    exact = -20 * math.log10(math.sqrt((1 - c - s) ** 2 + (c - s) ** 2) / 2)  # P.526 eq. (26)
    assert abs(knife_edge_j(nu) - exact) < 0.15  # eq. (31) approximation


@pytest.mark.parametrize("edge_above_ray", [-3.0, 0.0, 5.0, 20.0])
def test_single_knife_edge_profile_gives_the_geometric_nu(edge_above_ray):
    cell, n = 10.0, 1001
    z = np.zeros((5, n))
    z[:, n // 2] = 100.0 + edge_above_ray  # a one-cell wall at mid path; both antennas 100 m up
    dem = make_dem(z, cell_m=cell)
    a, b = _latlon(dem, 2, 0), _latlon(dem, 2, n - 1)
    prof = profile(dem, *a, *b, height1=100, height2=100, freq_mhz=2400, k_factor=1e6 / 6.371)  # ~flat earth
    s = prof.summary
    d = s["distance_m"]
    lam = wavelength_m(2400)
    nu = edge_above_ray * math.sqrt(2 * d / (lam * (d / 2) ** 2))
    assert abs(s["bullington_nu"] - nu) < 0.05 * max(1.0, abs(nu))
    j = knife_edge_j(nu)
    wedge = j + (1 - math.exp(-j / 6)) * (10 + 0.02 * d / 1000)  # P.526-15 eq. 53, the corrected edge
    # 100 m masts over a flat 10 km path clear the smooth earth by more than 0.552 F1: no spherical term
    assert abs(s["diffraction_loss_db"] - wedge) < 0.3
    assert s["line_of_sight"] == (edge_above_ray < 0)


def test_profile_meets_a_one_cell_ridge_at_its_height():
    """Samples at grid-line crossings (as the coverage kernel): an oblique path over a one-cell 140 m ridge
    sees 140 m, not a bilinear blend with the 100 m plain beside it, and its loss equals the kernel's."""
    z = np.full((45, 100), 100.0)
    z[:, 50] = 140.0
    dem = make_dem(z, cell_m=30.0)
    a, b = _latlon(dem, 3, 0), _latlon(dem, 40, 99)
    prof = profile(dem, *a, *b, height1=10, height2=10, freq_mhz=2400)
    assert prof.terrain_m.max() == 140.0
    assert prof.summary["samples"] == 100 + 38 - 2  # every column and row line crossed (the ends lie on both)
    res = coverage(dem, *a, tx_height=10, rx_height=10, freq_mhz=2400, radius_m=5000)
    r, c = dem.index(*b)
    kernel_loss = float(res.path_loss_db[r, c])
    assert abs(prof.summary["path_loss_db"] - kernel_loss) < 0.5


def test_jamming_margin_is_zero_on_the_bisector_of_equal_stations():
    dem = make_dem(np.zeros((61, 121)), cell_m=200.0)
    control, jammer = _latlon(dem, 30, 30), _latlon(dem, 30, 90)
    res = jamming_margin(dem, control, [(*jammer, 2.0, 20.0)], control_height=2.0, control_eirp_dbm=20.0,
                         drone_height=100.0, radius_m=50_000.0)
    sj = res.sj_db[30]
    assert abs(sj[60]) < 0.5  # equidistant
    assert sj[35] > 10 and sj[85] < -10
    assert res.link_ok[30, 30] and not res.link_ok[30, 90]
    assert 0.4 < res.stats["link_ok_fraction"] < 0.6


def test_radio_bad_parameters():
    dem = make_dem(np.zeros((5, 5)))
    with pytest.raises(InvalidParameterError, match="freq_mhz"):
        coverage(dem, 0.0, 0.0, coords="dem", freq_mhz=-5)
    with pytest.raises(InvalidParameterError, match="rx_height"):
        coverage(dem, 0.0, 0.0, coords="dem", rx_height=float("nan"))
    with pytest.raises(InvalidParameterError, match="coincide"):
        profile(None, 48.28, 37.18, 48.28, 37.18)


def test_cli_profile_coverage_jamming(tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["profile", "48.2828", "37.1828", "48.35", "37.5", "--height1", "10", "--height2", "50",
                              "--freq", "2.4G", "--json", "--png", str(tmp_path / "p.png")])
    assert res.exit_code == 0, res.output
    s = json.loads(res.stdout)
    assert s["freq_mhz"] == 2400 and s["dem"]["resolution"] == 'DTED0 30"' and "bullington_nu" in s
    res = runner.invoke(cli, ["coverage", "48.2828", "37.1828", "-o", str(tmp_path / "c.tif"), "--radius", "10",
                              "--json", "--png", str(tmp_path / "c.png"), "--power-tif", str(tmp_path / "pw.tif")])
    assert res.exit_code == 0, res.output
    s = json.loads(res.stdout)
    assert s["rx_height_m"] == 100 and s["los_area_km2"] > 0 and s["smooth_earth_radio_horizon_m"] > 40_000
    res = runner.invoke(cli, ["jamming", "48.2828", "37.1828", "--jammer", "48.2,37.0", "-o",
                              str(tmp_path / "j.tif"), "--radius", "10", "--json"])
    assert res.exit_code == 0, res.output
    assert 0 <= json.loads(res.stdout)["link_ok_fraction"] <= 1
    res = runner.invoke(cli, ["jamming", "48.2828", "37.1828", "--jammer", "48.2", "-o", str(tmp_path / "x.tif")])
    assert res.exit_code == 1 and "--jammer" in res.stderr
    res = runner.invoke(cli, ["coverage", "48.2828", "37.1828", "-o", str(tmp_path / "x.tif"), "--freq", "wifi"])
    assert res.exit_code == 1 and "preset" in res.stderr
    assert terrain.__version__


def test_coverage_path_loss_behind_a_knife_edge_matches_the_closed_form():
    """The per-cell radio walk (kernels/radio.py) against the geometric knife-edge nu and the corrected J(nu)."""
    cell, n = 20.0, 301
    z = np.zeros((21, n))
    wall_col, wall_h = 100, 30.0
    z[:, wall_col] = wall_h
    dem = make_dem(z, cell_m=cell)
    x, y = cell_xy(dem, 10, 0)
    tx, rx, f = 10.0, 10.0, 2400.0
    res = coverage(dem, x, y, coords="dem", tx_height=tx, rx_height=rx, freq_mhz=f, radius_m=1e6,
                   k_factor=1e9)  # ~flat earth: the geometry is exact
    lam = wavelength_m(f)
    for col in (150, 200, 300):
        d = col * cell
        d1 = wall_col * cell
        h = wall_h - (tx + (rx - tx) * d1 / d)  # edge height above the straight ray
        nu = h * math.sqrt(2 * d / (lam * d1 * (d - d1)))
        j = knife_edge_j(nu)
        # the corrected Bullington edge (P.526-15 eq. 53); the 10 m antennas clear the flat smooth earth by
        # more than 0.552 F1 (17.456 sqrt(d1 d2 lambda / d) <= 5.3 m here), so the spherical term is 0
        expected = 20 * math.log10(4 * math.pi * d / lam) + j + (1 - math.exp(-j / 6)) * (10 + 0.02 * d / 1000)
        assert abs(res.path_loss_db[10, col] - expected) < 0.05, (col, res.path_loss_db[10, col], expected)
        assert not res.los[10, col] and not res.fresnel_clear[10, col]
    assert res.los[10, 50] and res.fresnel_clear[10, 50]


def _ring_ridge_dem(lat0=48.0, lon0=37.0, arcsec=30.0, half_deg=0.15):
    """A 30" lat/lon plain with a 150 m wall whose radius r(az) = 5.75 + 0.75 sin(3 az) km circles (lat0, lon0)."""
    from affine import Affine
    from rasterio.crs import CRS

    from terrain import geodesy
    from terrain.elevation import Dem

    step = arcsec / 3600.0
    n = int(round(2 * half_deg / step)) + 1
    lats = lat0 + half_deg - step * np.arange(n)
    lons = lon0 - half_deg + step * np.arange(n)
    glon, glat = np.meshgrid(lons, lats)
    d, az = geodesy.distance_azimuth(np.full(glat.shape, lat0), np.full(glat.shape, lon0), glat, glon)
    wall_m = 5750 + 750 * np.sin(np.radians(3 * np.asarray(az)))
    elev = np.where((np.asarray(d) >= wall_m) & (np.asarray(d) <= wall_m + 2500), 150.0, 0.0).astype(np.float32)
    transform = Affine(step, 0, lons[0] - step / 2, 0, -step, lats[0] + step / 2)
    return Dem.from_array(elev, transform, CRS.from_epsg(4326)), wall_m


def test_per_azimuth_range_on_a_ring_ridge_is_the_wall_not_zero():
    """30" cells: most 1-degree bins hold no cell centre inside 6.5 km; the range is the wall's, 5-6.5 km."""
    dem, _ = _ring_ridge_dem()
    res = coverage(dem, 48.0, 37.0, tx_height=2.0, rx_height=2.0, radius_m=12_000)
    hz = res.horizon_m
    az = np.radians(np.arange(360))
    wall = 5750 + 750 * np.sin(3 * az)
    cell = max(dem.mean_cell_size_m)
    assert np.all(hz > 0)
    # the wall's face is visible, the plateau behind it is not: the range is the wall, within a cell and a half
    assert np.abs(hz - wall).max() < 1.5 * cell
    assert abs(res.stats["median_los_range_m"] - np.median(wall)) < cell  # 5.75 km; it was 0 before


def test_downlink_jamming_is_the_closed_form_over_a_plain():
    """Downlink: drone (25 dBm) -> station (20 m mast), jammer (40 dBm, 100 m up, 3 km away) -> station.
    Over a flat plain every path clears 0.552 F1, so S/J = 25 - 40 + G_p - 20 log10(d_drone / d_jammer) (free
    space both ways), and the link holds within d_jammer 10^((25 - 40 + G_p) / 20) of the station."""
    cell = 100.0
    dem = make_dem(np.zeros((161, 161)), cell_m=cell)
    station = _latlon(dem, 80, 80)
    jammer = _latlon(dem, 80, 110)  # 3 km east
    lam = wavelength_m(2400.0)
    res = jamming_margin(dem, station, [(*jammer, 100.0, 40.0)], control_height=20.0, drone_height=100.0,
                         radius_m=7_000.0, k_factor=1e9, direction="downlink", drone_eirp_dbm=25.0,
                         processing_gain_db=20.0)
    j_station = 40.0 - 20 * math.log10(4 * math.pi * math.hypot(3000.0, 80.0) / lam)
    assert abs(res.stats["jamming_at_station_dbm"] - j_station) < 0.2
    for col in (85, 110, 130):  # drone 0.5, 3 and 5 km east of the station
        d = (col - 80) * cell
        expected = 25.0 - 20 * math.log10(4 * math.pi * math.hypot(d, 80.0) / lam) - j_station + 20.0
        assert abs(res.sj_db[80, col] - expected) < 0.3, (col, res.sj_db[80, col], expected)
    edge = 3000.0 * 10 ** (5 / 20)  # 5.33 km
    assert res.link_ok[80, 80 + int(edge / cell) - 1] and not res.link_ok[80, 80 + int(edge / cell) + 2]
    up = jamming_margin(dem, station, [(*jammer, 100.0, 40.0)], control_height=20.0, drone_height=100.0,
                        radius_m=7_000.0, k_factor=1e9, processing_gain_db=20.0)
    assert up.params["direction"] == "uplink" and not np.allclose(up.sj_db, res.sj_db, equal_nan=True)


def test_a_station_on_a_ridge_hears_the_jammer_better():
    """High ground cuts both ways: behind a 60 m ridge a 2 m station is shielded from a ground jammer; on
    the ridge it hears it in the clear (downlink jamming 10+ dB higher), while its uplink reach grows."""
    z = np.zeros((61, 201))
    z[:, 100:104] = 60.0  # a N-S ridge, 4 cells wide
    dem = make_dem(z, cell_m=100.0)
    jammer = (*_latlon(dem, 30, 180), 2.0, 40.0)
    behind = jamming_margin(dem, _latlon(dem, 30, 90), [jammer], direction="downlink", radius_m=3000, k_factor=4 / 3)
    on_top = jamming_margin(dem, _latlon(dem, 30, 101), [jammer], direction="downlink", radius_m=3000, k_factor=4 / 3)
    assert on_top.stats["jamming_at_station_dbm"] > behind.stats["jamming_at_station_dbm"] + 10


def test_a_jammer_within_a_wavelength_of_the_station_is_refused():
    """At 1 MHz (300 m) a jammer one 100 m cell from the station is in the near field: the downlink (jammer ->
    station, one path) has no far-field loss, so it is refused rather than reported as a link that never holds."""
    dem = make_dem(np.zeros((21, 21)), cell_m=100.0)
    with pytest.raises(InvalidParameterError, match="within one wavelength"):
        jamming_margin(dem, _latlon(dem, 10, 10), [(*_latlon(dem, 10, 11), 2.0, 30.0)], freq_mhz=1.0,
                       radius_m=1000, direction="downlink")


def test_fresnel_clear_area_on_a_lattice_estimates_coverage():
    from synthetic import fractal_terrain

    from terrain.radio import fresnel_clear_area

    dem = make_dem(fractal_terrain(241, 241, seed=21, relief_m=300.0), cell_m=30.0)
    x, y = cell_xy(dem, 120, 120)
    kw = dict(tx_height=2.0, rx_height=10.0, radius_m=3500.0, coords="dem")
    full = coverage(dem, x, y, **kw).stats["fresnel_clear_area_km2"]
    assert 0.05 * math.pi * 3.5**2 < full < 0.95 * math.pi * 3.5**2  # a case with both answers
    every = fresnel_clear_area(dem, x, y, **kw)
    assert every["area_km2"] == pytest.approx(full, rel=0.005) and every["stride"] == 1
    lattice = fresnel_clear_area(dem, x, y, stride=4, **kw)
    assert lattice["area_km2"] == pytest.approx(full, rel=0.08)
    assert lattice["cells_walked"] < every["cells_walked"] / 12
    several = fresnel_clear_area(dem, x, y, **{**kw, "rx_height": [10.0, 2.0, 40.0]})["area_km2"]
    assert several[0] == every["area_km2"]
    for h, area in zip((2.0, 40.0), several[1:], strict=True):
        assert area == pytest.approx(fresnel_clear_area(dem, x, y, **{**kw, "rx_height": h})["area_km2"], rel=1e-12)
    assert several[1] < several[0] < several[2]
    with pytest.raises(InvalidParameterError, match="stride"):
        fresnel_clear_area(dem, x, y, stride=0, **kw)
