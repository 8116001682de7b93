"""Jamming of a drone link in both directions, over every cell the drone may fly.

* Uplink (control): the ground station transmits, the drone receives; a jammer is heard by the drone,
  so S/J varies with where the drone is, jammer -> drone.
* Downlink (video/telemetry): the drone transmits, the ground station receives; the jammer is heard by
  the station, so the jamming is one number per station, jammer -> station, and high ground that lets
  the station hear its drones farther also lets it hear the jammers.

Path losses come from :func:`terrain.coverage` and :func:`terrain.profile` (free space + delta-Bullington,
reciprocal), jamming powers add in mW, and the link's processing gain is added to S/J.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import constants, geodesy
from .elevation import Dem, check_lat_lon, load_dem
from .errors import InvalidParameterError
from .radio import MODEL, check_height, check_power, coverage, profile
from .viewshed import check_radius_m

DIRECTIONS = ("uplink", "downlink")


@dataclass
class JammingResult:
    """Signal-to-jamming ratio (dB) for a drone at ``drone_height`` m over every cell.

    sj_db : float32, S/J including the processing gain; NaN where the link is not computed (outside
        its radius). Uplink: at the drone; downlink: at the ground station, for a drone in that cell.
    link_ok : bool, S/J >= margin.
    signal_dbm, jamming_dbm : float32 grids (downlink: the jamming at the station, the same in every cell).
    """

    sj_db: np.ndarray
    link_ok: np.ndarray
    signal_dbm: np.ndarray
    jamming_dbm: np.ndarray
    dem: Dem
    params: dict
    stats: dict

    @property
    def transform(self):
        return self.dem.transform

    @property
    def crs(self):
        return self.dem.crs

    def summary(self) -> dict:
        return {**self.params, **self.stats}


def _check_jammers(jammers, jammer_height, jammer_eirp_dbm) -> list:
    jam = []
    for j in jammers:
        try:
            jl = tuple(j) + (jammer_height, jammer_eirp_dbm)[len(j) - 2:] if len(j) < 4 else tuple(j)
        except TypeError:
            raise InvalidParameterError(f"jammer {j!r} must be (lat, lon) or (lat, lon, height_m, eirp_dbm)") from None
        if len(jl) != 4:
            raise InvalidParameterError(f"jammer {j!r} must be (lat, lon) or (lat, lon, height_m, eirp_dbm)")
        jam.append((*check_lat_lon(jl[0], jl[1]), check_height("jammer height", jl[2]),
                    check_power("jammer eirp_dbm", jl[3])))
    if not jam:
        raise InvalidParameterError("jamming_margin needs at least one jammer")
    return jam


def check_jamming_settings(*, jammer_eirp, jammer_distance_km, jammer_height, processing_gain, drone_eirp) -> dict:
    """The study's jamming options, validated, as StudyConfig fields (InvalidParameterError otherwise)."""
    from .viewshed import check_finite

    eirp = check_power("--jammer-eirp", jammer_eirp)
    ring_m = check_finite("--jammer-distance", jammer_distance_km, minimum=0.1, maximum=500) * 1000
    height = check_height("--jammer-height", jammer_height)
    gain = check_power("--processing-gain", processing_gain, limits=(0.0, 60.0))
    drone = check_power("--drone-eirp", drone_eirp)
    return {"jam_jammer": (height, eirp), "jam_ring": (constants.STUDY_JAM_RING[0], ring_m),
            "jam_processing_gain_db": gain, "jam_drone_eirp_dbm": drone}


def jamming_at_station_dbm(dem: Dem, station, station_height: float, jammers, *, freq_mhz: float, k_factor: float,
                           rx_gain_dbi: float = constants.RX_GAIN_DBI) -> float:
    """Total jamming power (dBm) a ground station ``station_height`` m up at ``station`` (lat, lon) receives
    from ``jammers`` [(lat, lon, height_m, eirp_dbm)]: EIRP - profile path loss + gain, added in mW."""
    total_mw = 0.0
    for jlat, jlon, jh, je in jammers:
        p = profile(dem, jlat, jlon, station[0], station[1], height1=jh, height2=station_height, freq_mhz=freq_mhz,
                    k_factor=k_factor)
        loss = p.summary["path_loss_db"]
        if not np.isfinite(loss):  # closer than a wavelength: Friis (and every loss here) does not apply
            raise InvalidParameterError(
                f"jammer at ({jlat:.6f}, {jlon:.6f}) is within one wavelength ({p.summary['wavelength_m']:.3g} m) of "
                "the station: the far-field propagation model does not apply")
        total_mw += 10 ** ((je - loss + rx_gain_dbi) / 10)
    return float(10 * np.log10(total_mw)) if total_mw > 0 else -np.inf


def jamming_margin(dem: Dem | None, control, jammers, *, control_height: float = constants.TX_HEIGHT_M,
                   control_eirp_dbm: float = constants.EIRP_DBM, jammer_height: float = constants.TX_HEIGHT_M,
                   jammer_eirp_dbm: float = constants.JAMMER_EIRP_DBM, drone_height: float = constants.RX_HEIGHT_M,
                   freq_mhz: float = constants.FREQ_MHZ, radius_m: float = constants.RADIO_RADIUS_M,
                   k_factor: float = constants.K_FACTOR_RADIO, margin_db: float = constants.SJ_MARGIN_DB,
                   rx_gain_dbi: float = constants.RX_GAIN_DBI, direction: str = "uplink",
                   drone_eirp_dbm: float = constants.DRONE_EIRP_DBM,
                   processing_gain_db: float = constants.PROCESSING_GAIN_DB) -> JammingResult:
    """S/J map for a drone flying ``drone_height`` m above ground within ``radius_m`` of the ground station.

    ``control`` is the station (lat, lon); ``jammers`` a list of (lat, lon) or (lat, lon, height_m,
    eirp_dbm) (an airborne jammer is one with a large height). ``direction="uplink"``: the station sends
    at ``control_eirp_dbm``, S/J at the drone; ``"downlink"``: the drone sends at ``drone_eirp_dbm``, S/J
    at the station. ``processing_gain_db`` (spread spectrum, hopping) adds to S/J. Units: m, dBm, dB, MHz.
    """
    clat, clon = check_lat_lon(*control)
    if direction not in DIRECTIONS:
        raise InvalidParameterError(f"direction {direction!r} must be one of {', '.join(DIRECTIONS)}")
    margin = check_power("margin_db", margin_db)
    gain_p = check_power("processing_gain_db", processing_gain_db, limits=(0.0, 60.0))
    radius = check_radius_m("radius_m", radius_m, positive=True)
    control_height = check_height("control_height", control_height)
    control_eirp_dbm = check_power("control_eirp_dbm", control_eirp_dbm)
    drone_eirp_dbm = check_power("drone_eirp_dbm", drone_eirp_dbm)
    jam = _check_jammers(jammers, jammer_height, jammer_eirp_dbm)
    if dem is None:
        reach = max(float(geodesy.distance_azimuth(clat, clon, j[0], j[1])[0]) for j in jam) + radius
        dem = load_dem(clat, clon, reach)
    common = dict(rx_height=drone_height, freq_mhz=freq_mhz, k_factor=k_factor, rx_gain_dbi=rx_gain_dbi)
    sig = coverage(dem, clat, clon, tx_height=control_height, eirp_dbm=control_eirp_dbm, radius_m=radius, **common)
    if direction == "uplink":
        s = sig.rx_power_dbm.astype(np.float64)
        jam_mw = np.zeros(dem.shape)
        for jlat, jlon, jh, je in jam:
            dj = float(geodesy.distance_azimuth(jlat, jlon, clat, clon)[0])
            cj = coverage(dem, jlat, jlon, tx_height=jh, eirp_dbm=je, radius_m=dj + radius, **common)
            pj = cj.rx_power_dbm.astype(np.float64)
            jam_mw += np.where(np.isnan(pj), 0.0, 10 ** (pj / 10))
        with np.errstate(divide="ignore"):
            j_dbm = 10 * np.log10(jam_mw)
    else:
        s = drone_eirp_dbm - sig.path_loss_db.astype(np.float64) + rx_gain_dbi  # reciprocal path, drone -> station
        j_station = jamming_at_station_dbm(dem, (clat, clon), control_height, jam, freq_mhz=sig.params["freq_mhz"],
                                           k_factor=sig.params["k_factor"], rx_gain_dbi=rx_gain_dbi)
        j_dbm = np.full(dem.shape, j_station)
    sj = (s - j_dbm + gain_p).astype(np.float32)
    sj[np.isnan(s)] = np.nan
    ok = np.nan_to_num(sj, nan=-np.inf) >= margin
    cell_area = (dem.cell_dx_m * dem.cell_dy_m)[:, None] * np.ones(dem.shape[1])
    inside = ~np.isnan(s)
    params = {"direction": direction,
              "control": {"lat": clat, "lon": clon, "height_m": control_height, "eirp_dbm": control_eirp_dbm},
              "drone": {"height_m": drone_height, "eirp_dbm": drone_eirp_dbm},
              "jammers": [{"lat": a, "lon": b, "height_m": h, "eirp_dbm": e} for a, b, h, e in jam],
              "drone_height_m": drone_height, "freq_mhz": sig.params["freq_mhz"], "k_factor": sig.params["k_factor"],
              "radius_m": radius, "margin_db": margin, "processing_gain_db": gain_p, "model": MODEL,
              "dem": sig.params["dem"]}
    st = {"link_ok_area_km2": float(cell_area[ok].sum() / 1e6),
          "disc_area_km2": float(cell_area[inside].sum() / 1e6),
          "link_ok_fraction": float(cell_area[ok].sum() / max(cell_area[inside].sum(), 1e-9)),
          "median_sj_db": float(np.nanmedian(sj[inside])) if inside.any() else None}
    if direction == "downlink":
        st["jamming_at_station_dbm"] = float(j_dbm.flat[0])
    return JammingResult(sj, ok, s.astype(np.float32), j_dbm.astype(np.float32), dem, params, st)
