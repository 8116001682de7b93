"""Every physical constant and default, with its unit and source.

This is the one place defaults live; the CLI help and the API docstrings
refer here.
"""

# --- Earth ---------------------------------------------------------------
#: WGS84 semi-major axis (m) and flattening (NGA.STND.0036, 2014).
WGS84_A_M = 6_378_137.0
WGS84_F = 1.0 / 298.257223563
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
#: Mean earth radius (m), IUGG R1 = (2a + b) / 3; used for curvature drop.
EARTH_RADIUS_M = 6_371_008.8

# --- Refraction ----------------------------------------------------------
#: Refraction coefficient k for visible light (dimensionless): the curvature
#: of a light ray divided by the earth's. 1/7 ~ 0.143 is the value GDAL's
#: gdal_viewshed uses (curve coefficient 0.85714 = 1 - 1/7) and the one
#: surveyors quote for daytime; the effective radius is R / (1 - k).
REFRACTION_LIGHT = 1.0 / 7.0
#: Effective-earth-radius factor K for radio (dimensionless), the standard
#: atmosphere value 4/3 (ITU-R P.453 / P.834): r_eff = K * R, i.e. k = 1 - 1/K.
K_FACTOR_RADIO = 4.0 / 3.0

# --- Viewshed defaults -----------------------------------------------------
#: Observer eye height above ground (m): a standing person.
OBSERVER_HEIGHT_M = 2.0
#: Target height above ground (m): the ground itself.
TARGET_HEIGHT_M = 0.0
#: Maximum radius of a viewshed (m).
RADIUS_M = 20_000.0
#: Largest radius the library accepts (m). A radius past the grid's edge means "the whole grid"
#: (tests use 1e9); this bound only keeps the arithmetic finite (1e308 squared overflows).
MAX_RADIUS_M = 1e10
#: Largest --radius/--extent the CLI accepts (km): the radio horizon of an airliner at 12 km is
#: ~450 km; larger values are almost always metres typed as km.
MAX_CLI_RADIUS_KM = 1_000.0
#: Accepted refraction coefficient k: [-10, 1). k = 1 is a ray as curved as the earth (flat-earth
#: radius infinite); strongly negative k (sub-refraction, fog) still gives a finite effective radius.
REFRACTION_RANGE = (-10.0, 1.0)
#: Accepted observer/target/antenna heights above ground (m): up to 100 km (the edge of space).
MAX_HEIGHT_M = 100_000.0
#: Number of azimuth bins in the per-azimuth horizon (1 degree each).
HORIZON_BINS = 360
#: The fast (lockstep R2) viewshed re-walks every cell whose target is within
#: this fraction of the spread between the two rays either side of it (their
#: horizon tangents) from the interpolated horizon: the cell's own sight line is
#: sampled on the grid lines within FAST_WALK_WINDOW of the lines where those two
#: rays met their horizons (kernels/rays.py). Agreement with exact, worst test
#: case / 3601x3601 benchmark tile: 0 (no re-walks) 99.22 % / 99.979 %;
#: 0.25 99.67 % / 99.992 %; 1 99.89 % / 99.998 %; 4 99.93 % / 99.999 %. Time on
#: the tile: 0.059 / 0.063 / 0.064 / 0.075 s (benchmarks/RESULTS.md, "windowed").
FAST_UNSURE_FRACTION = 1.0
#: Half-width (grid lines) of the windows of those re-walks. Re-walking every
#: cell this way agrees with the full exact walk on 99.98 % of the cells of the
#: roughest test terrain and 1.00000 (to 5 decimals) of the benchmark tile
#: (the first in tests/test_viewshed.py, the second an ad-hoc run, session 4);
#: windows of 1 or 0 cost the worst test case
#: 0.01-0.04 points of agreement.
FAST_WALK_WINDOW = 2

# --- Total viewshed ------------------------------------------------------
#: Default method of terrain.total_viewshed: "sector" (rays shared by the
#: observers of a row; an estimate) or "checked" (a full exact viewshed per observer).
TOTAL_VIEWSHED_METHOD = "sector"
#: Sectors of equal metric azimuth (1 degree each) for the sector method.
#: Mean absolute error against exact per-observer areas, 3" real-terrain tile
#: at 10 km (benchmarks/RESULTS.md): 180 -> 0.38 %, 360 -> 0.24 %, 720 -> 0.20 %;
#: time grows linearly with the count.
TOTAL_VIEWSHED_DIRECTIONS = 360
#: GPU (device="cuda"): threads per block, and observer rows per batch of
#: ray-step tables (about 24 bytes x sectors x steps per row on the device).
CUDA_THREADS_PER_BLOCK = 128
CUDA_ROWS_PER_BATCH = 32

# --- Elevation data ------------------------------------------------------
#: SRTM .hgt void value (int16).
SRTM_VOID = -32768
#: Side lengths (posts) of SRTM tiles: 1 arc-second and 3 arc-seconds.
SRTM1_SIZE = 3601
SRTM3_SIZE = 1201
#: Public, no-login mirror of 1" SRTM-derived tiles in .hgt.gz ("skadi")
#: layout: the Terrain Tiles open dataset on AWS (Mapzen/Tilezen, derived
#: from SRTM, ETOPO1, NED and others). {lat_dir} is e.g. N48, {name} N48E037.
TILE_URL_TEMPLATE = "https://s3.amazonaws.com/elevation-tiles-prod/skadi/{lat_dir}/{name}.hgt.gz"
#: Download retries (count), initial back-off (s, doubled per retry, capped), socket timeout (s) and
#: the overall time one tile may take, all attempts together (s): a mirror that drips a byte per
#: second never trips the socket timeout, so only a deadline ends it.
DOWNLOAD_RETRIES = 3
DOWNLOAD_BACKOFF_S = 1.0
DOWNLOAD_BACKOFF_MAX_S = 30.0
DOWNLOAD_TIMEOUT_S = 30.0
DOWNLOAD_DEADLINE_S = 600.0
#: Largest grid (cells) one Dem may hold: 400 million cells (~2 GB as float32 + mask), a 20000 x 20000
#: GeoTIFF; larger files are refused before anything is read (a damaged header can declare any size).
MAX_DEM_CELLS = 400_000_000
#: Resolutions coarser than this (arc-seconds) trigger CoarseDemWarning.
COARSE_DEM_ARCSEC = 10.0

# --- Radio ---------------------------------------------------------------
#: Speed of light in vacuum (m/s), exact (SI).
SPEED_OF_LIGHT_M_S = 299_792_458.0
#: Drone-link frequency presets (MHz): ISM 433, SRD 868 (EU), ISM 915 (Americas), 2.4 and 5.8 GHz ISM.
FREQ_PRESETS_MHZ = {"433": 433.0, "868": 868.0, "915": 915.0, "2.4G": 2400.0, "5.8G": 5800.0}
#: Accepted link frequencies (MHz): 1 MHz (HF) to 100 GHz; outside it the propagation model means nothing.
FREQ_RANGE_MHZ = (1.0, 100_000.0)
#: A bare --freq below this (MHz) is refused as a likely GHz value typed without its unit ("2.4").
FREQ_BARE_MIN_MHZ = 30.0
#: Accepted powers, gains and margins (dBm, dBi, dB): -100 .. +100 (1e-13 W to 1e7 W).
POWER_RANGE_DB = (-100.0, 100.0)
#: Default link frequency (MHz).
FREQ_MHZ = 2400.0
#: Fraction of the first Fresnel zone that must be clear (dimensionless): the usual 60 %.
FRESNEL_CLEARANCE = 0.6
#: Radio defaults: transmitter (ground station) and receiver (drone) heights above ground (m).
TX_HEIGHT_M = 2.0
RX_HEIGHT_M = 100.0
#: Radio coverage radius (m).
RADIO_RADIUS_M = 30_000.0
#: Transmitter EIRP (dBm): 20 dBm = 100 mW, a common drone control-link power.
EIRP_DBM = 20.0
#: Receiver antenna gain (dBi).
RX_GAIN_DBI = 0.0
#: Jammer EIRP (dBm): 40 dBm = 10 W (used by `terrain jamming` and the study alike).
JAMMER_EIRP_DBM = 40.0
#: Drone video/telemetry transmitter EIRP (dBm) for the downlink (drone -> ground station): 25 dBm =
#: 316 mW, the middle of the 200-800 mW common for FPV video transmitters.
DRONE_EIRP_DBM = 25.0
#: Processing gain of the link against a jammer (dB): 0 = a plain narrowband link; spread-spectrum or
#: frequency-hopping links gain 10-20 dB. Added to S/J in both directions.
PROCESSING_GAIN_DB = 0.0
#: Signal-to-jamming margin (dB) the link needs.
SJ_MARGIN_DB = 0.0
#: Knife-edge loss J(nu) is 0 for nu <= this (ITU-R P.526-15 eq. 31 validity, nu > -0.78).
KNIFE_EDGE_NU_MIN = -0.78

# --- High-ground study (terrain highground) -----------------------------------
#: The study's default site: Pokrovsk city centre (WGS84 degrees); ~181 m a.s.l. (Wikipedia).
STUDY_SITE = (48.2828, 37.1828)
STUDY_SITE_NAME = "Pokrovsk"
#: The elevation usually quoted for Pokrovsk (m a.s.l., Wikipedia); the report sets the DEM's post beside it.
STUDY_SITE_QUOTED_ELEVATION_M = 181.0
#: Comparison sites are drawn within this radius of the site (m), not closer than STUDY_EXCLUDE_M.
STUDY_RADIUS_M = 40_000.0
STUDY_EXCLUDE_M = 5_000.0
#: Radius (m) of "the town": its highest ground is searched within it.
STUDY_TOWN_RADIUS_M = 3_000.0
#: Number of comparison sites and the seed of their stratified random draw.
STUDY_SAMPLES = 500
#: Fewest comparison sites a study accepts (a percentile among fewer says little).
STUDY_MIN_SAMPLES = 30
STUDY_SEED = 2026
#: Topographic position index scales (m) and the relief radius (m).
STUDY_TPI_RADII_M = (2_000.0, 5_000.0, 10_000.0, 20_000.0)
STUDY_RELIEF_RADIUS_M = 5_000.0
#: Lowland rule: a site is "lowland" if its TPI at this scale is negative (below the mean within it).
STUDY_LOWLAND_TPI_RADIUS_M = 10_000.0
#: Viewshed: observer heights (m), radii (m) and target height (m; a person or vehicle).
STUDY_OBSERVER_HEIGHTS_M = (2.0, 10.0, 30.0)
STUDY_VIEW_RADII_M = (5_000.0, 10_000.0, 20_000.0)
STUDY_TARGET_HEIGHT_M = 2.0
#: The study's many-observer viewshed kernel: "checked" (the certified lockstep kernel: R3's visibility, at
#: about the time of "fast" on 1" data; "fast" per-site areas differ from it by < 0.05 %, benchmarks: --only
#: study).
STUDY_VIEW_METHOD = "checked"
#: Radio: ground-station height (m), drone heights (m), radius (m).
STUDY_TX_HEIGHT_M = 2.0
STUDY_DRONE_HEIGHTS_M = (50.0, 100.0, 300.0)
STUDY_RADIO_RADIUS_M = 30_000.0
#: Per-cell path-loss maps (jamming) in the study run on the DEM block-averaged to about this cell size (m)
#: where the data are finer (1" and 3" SRTM); LOS keeps the data's resolution.
STUDY_PATH_CELL_M = 600.0
#: There, the Fresnel-clear area is estimated from a lattice of cells about this far apart (m), each path
#: walked at the data's resolution (radio.fresnel_clear_area; on coarser data every cell, by coverage).
STUDY_FRESNEL_LATTICE_M = 1000.0
#: Jamming: ring of jammers (count, distance m) around each control station; drone height (m);
#: (height m, EIRP dBm) of control station and jammers; the link area radius (m); sites evaluated.
STUDY_JAM_RING = (8, 15_000.0)
STUDY_JAM_DRONE_HEIGHT_M = 100.0
STUDY_JAM_CONTROL = (2.0, 20.0)
STUDY_JAM_JAMMER = (2.0, JAMMER_EIRP_DBM)
#: Jamming sensitivity: jammer EIRPs (dBm), an airborne jammer's height (m), a processing gain (dB) and the
#: number of sites (and jammers per ring) they are re-run for.
STUDY_JAM_SENSITIVITY = {"eirp_dbm": (30.0, 50.0), "airborne_height_m": 300.0, "processing_gain_db": 20.0,
                         "sites": 40, "jammers": 4}
STUDY_JAM_RADIUS_M = 20_000.0
STUDY_JAM_SITES = 120
#: Total-visibility map: radius (m), observer and target heights (m).
STUDY_TOTAL_VIS = (10_000.0, 10.0, 2.0)
#: The study's total-visibility map: per-cell exact viewsheds while its radius spans fewer cells than this,
#: else the sector method on a lattice of at most STUDY_TOTAL_MAX_OBSERVERS observers.
STUDY_TOTAL_SECTOR_MIN_CELLS = 30
STUDY_TOTAL_MAX_OBSERVERS = 1_000_000
#: Published absolute vertical accuracy of each kind of elevation data, as linear error at 90 % (LE90, m),
#: with its source. The DEM-error Monte Carlo uses the error of the data actually loaded.
DEM_VERTICAL_LE90_M = {
    "DTED0": (30.0, "DTED Level 0: absolute vertical accuracy 30 m LE90 (MIL-PRF-89020B, Performance "
                    "Specification Digital Terrain Elevation Data, 2000; Level 0 is derived from Level 1 "
                    "and carries its 30 m LE90 specification)"),
    "DTED1": (30.0, "DTED Level 1: absolute vertical accuracy 30 m LE90 (MIL-PRF-89020B, 2000)"),
    "SRTM": (6.2, "SRTM: 6.2 m absolute height error at 90 % for Eurasia (Rodriguez et al. 2006, An "
                  "assessment of the SRTM topographic products, JPL D-31639, table 2.1)"),
}
#: Data of no known kind (a user's GeoTIFF): assume the coarsest specification above, and say so.
DEM_VERTICAL_LE90_UNKNOWN = (30.0, "unknown data: 30 m LE90 assumed (the DTED Level 0/1 specification)")
#: LE90 / RMSE for Gaussian error (the 90 % two-sided quantile of a standard normal).
LE90_PER_SIGMA = 1.6449
#: The DEM-error Monte Carlo runs on the data block-averaged to about this cell size (m) where they are
#: finer (1" SRTM -> 3"): 6,000 viewsheds and LOS maps; the error field keeps the data's own RMSE.
STUDY_MC_CELL_M = 75.0
#: DEM error Monte Carlo: correlation lengths of the error field (m; the first is the main case, the
#: others vary it: SRTM's errors are correlated over ~1-10 km, Rodriguez et al. 2006 fig. 9), runs per
#: length, comparison sites per run. The RMSE comes from DEM_VERTICAL_LE90_M for the data in use.
STUDY_DEM_ERROR = ((3_000.0, 1_000.0, 10_000.0), 20, 100)
#: Bootstrap resamples for the 95 % confidence intervals.
STUDY_BOOTSTRAP = 2000
