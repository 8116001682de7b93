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
#: Number of azimuth bins in the per-azimuth horizon (1 degree each).
HORIZON_BINS = 360
#: The fast kernel re-checks, with the exact sight-line walk, every cell whose
#: target is within L x delta + FAST_RECHECK_MARGIN_M metres (vertically, at
#: the target) of the horizon found by the radial sweep, where delta (cells) is
#: how far the nearest ray passes from the cell centre and L (m) the largest
#: elevation step between adjacent cells (the bound derived in
#: terrain/kernels/sweep.py). The floor (m) covers second-order distance terms.
FAST_RECHECK_MARGIN_M = 0.25

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
#: Download retries (count), initial back-off (s) and socket timeout (s).
DOWNLOAD_RETRIES = 3
DOWNLOAD_BACKOFF_S = 1.0
DOWNLOAD_TIMEOUT_S = 30.0
#: Resolutions coarser than this (arc-seconds) trigger CoarseDemWarning.
COARSE_DEM_ARCSEC = 10.0

# --- Radio ---------------------------------------------------------------
#: Speed of light in vacuum (m/s), exact (SI).
SPEED_OF_LIGHT_M_S = 299_792_458.0
#: Drone-link frequency presets (MHz): ISM 433, SRD 868 (EU), ISM 915 (Americas), 2.4 and 5.8 GHz ISM.
FREQ_PRESETS_MHZ = {"433": 433.0, "868": 868.0, "915": 915.0, "2.4G": 2400.0, "5.8G": 5800.0}
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
#: Jammer EIRP (dBm): 40 dBm = 10 W.
JAMMER_EIRP_DBM = 40.0
#: Signal-to-jamming margin (dB) the link needs.
SJ_MARGIN_DB = 0.0
#: Knife-edge loss J(nu) is 0 for nu <= this (ITU-R P.526-15 eq. 31 validity, nu > -0.78).
KNIFE_EDGE_NU_MIN = -0.78
