"""terrain profile | coverage | jamming: the radio commands."""

import click

from .. import constants
from .options import dem_opt, fill_voids_opt, json_opt, lat_lon_args

_presets = ", ".join(f"{k}={v:g}" for k, v in constants.FREQ_PRESETS_MHZ.items())


def _freq(value):
    """MHz from a number (MHz), a number with a unit (2.4GHz, 2400MHz, 5.8g, 433M) or a preset name."""
    import re

    from ..errors import InvalidParameterError

    text = str(value).strip()
    if text in constants.FREQ_PRESETS_MHZ:
        return constants.FREQ_PRESETS_MHZ[text]
    m = re.fullmatch(r"([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(ghz|g|mhz|m|khz|k|hz)?", text, re.IGNORECASE)
    if not m:
        raise InvalidParameterError(f"--freq {value!r} is not a frequency: give MHz (2400), a unit (2.4GHz, 2400MHz)"
                                    f" or a preset ({_presets})")
    number, unit = float(m.group(1)), (m.group(2) or "").lower()
    if not unit and number < constants.FREQ_BARE_MIN_MHZ:
        raise InvalidParameterError(f"--freq {value!r} would mean {number:g} MHz; a bare number is MHz: "
                                    f"write {number:g}GHz (= {number * 1000:g} MHz) or {number:g}MHz if you mean it")
    scale = {"": 1.0, "m": 1.0, "mhz": 1.0, "g": 1e3, "ghz": 1e3, "k": 1e-3, "khz": 1e-3, "hz": 1e-6}[unit]
    return number * scale


freq_opt = click.option("--freq", default=str(constants.FREQ_MHZ), show_default=True,
                        help=f"Frequency: MHz (2400), with a unit (2.4GHz, 5.8g, 868MHz) or a preset: {_presets}.")
k_opt = click.option("--k", "k_factor", type=float, default=round(constants.K_FACTOR_RADIO, 4), show_default=True,
                     help="Effective-earth-radius factor K (r_eff = K R).")


@click.command()
@click.argument("lat1")
@click.argument("lon1")
@click.argument("lat2")
@click.argument("lon2")
@click.option("--height1", type=float, default=constants.TX_HEIGHT_M, show_default=True, help="Antenna 1 above ground (m).")
@click.option("--height2", type=float, default=constants.TX_HEIGHT_M, show_default=True, help="Antenna 2 above ground (m).")
@freq_opt
@k_opt
@click.option("--fresnel", type=float, default=constants.FRESNEL_CLEARANCE, show_default=True,
              help="Fraction of the first Fresnel zone that must be clear.")
@click.option("--png", type=click.Path(dir_okay=False), default=None, help="SPLAT!-style profile plot.")
@dem_opt
@json_opt
def profile(lat1, lon1, lat2, lon2, height1, height2, freq, k_factor, fresnel, png, dem_path, as_json):
    """Point-to-point path profile: terrain, earth bulge, ray, Fresnel zone, clearance and loss."""
    from .. import elevation as el
    from .. import geodesy
    from ..export import check_output_paths, dumps
    from ..radio import profile as run

    lat1, lon1 = el.check_lat_lon(lat1, lon1)
    lat2, lon2 = el.check_lat_lon(lat2, lon2)
    check_output_paths(**{"--png": png})
    dem = None
    if dem_path is not None:
        dist, az = geodesy.distance_azimuth(lat1, lon1, lat2, lon2)
        mlat, mlon = geodesy.destination(lat1, lon1, float(az), float(dist) / 2)
        dem = el.dem_for(dem_path, mlat, mlon, float(dist) / 2 + 1000)
    prof = run(dem, lat1, lon1, lat2, lon2, height1=height1, height2=height2, freq_mhz=_freq(freq),
               k_factor=k_factor, fresnel=fresnel)
    s = prof.summary
    if png:
        from ..plot import profile_plot

        profile_plot(prof, png)
    if as_json:
        click.echo(dumps(s))
        return
    click.echo(f"distance {s['distance_m'] / 1000:.3f} km, bearing {s['bearing_deg']:.2f} deg "
               f"(back {s['back_bearing_deg']:.2f} deg)")
    click.echo(f"{'line of sight' if s['line_of_sight'] else 'OBSTRUCTED'} at K={s['k_factor']:.4g}; "
               f"min clearance {s['min_clearance_m']:.1f} m = {s['min_clearance_pct_f1']:.0f}% of F1 "
               f"at {s['min_clearance_at']['distance_m'] / 1000:.2f} km; "
               f"{s['fresnel_fraction']:.0%} Fresnel {'clear' if s['fresnel_clear'] else 'NOT clear'}")
    click.echo(f"path loss {s['path_loss_db']:.1f} dB = free space {s['free_space_loss_db']:.1f} + "
               f"diffraction {s['diffraction_loss_db']:.1f} dB at {s['freq_mhz']:g} MHz")
    click.echo(s["dem"]["note"])


@click.command()
@lat_lon_args
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="GeoTIFF: 2 = LOS and Fresnel clear, 1 = LOS only, 0 = no LOS, 255 = outside/void.")
@click.option("--tx-height", type=float, default=constants.TX_HEIGHT_M, show_default=True, help="Transmitter above ground (m).")
@click.option("--rx-height", type=float, default=constants.RX_HEIGHT_M, show_default=True, help="Receiver (drone) above ground (m).")
@freq_opt
@click.option("--radius", "radius_km", type=float, default=constants.RADIO_RADIUS_M / 1000, show_default=True, help="km.")
@k_opt
@click.option("--fresnel", type=float, default=constants.FRESNEL_CLEARANCE, show_default=True,
              help="Fraction of the first Fresnel zone that must be clear.")
@click.option("--eirp", type=float, default=constants.EIRP_DBM, show_default=True, help="Transmitter EIRP (dBm).")
@click.option("--rx-gain", type=float, default=constants.RX_GAIN_DBI, show_default=True, help="Receiver gain (dBi).")
@click.option("--power-tif", type=click.Path(dir_okay=False), default=None, help="Also write received power (dBm).")
@click.option("--png", type=click.Path(dir_okay=False), default=None, help="Map of received power with LOS edge.")
@click.option("--geojson", type=click.Path(dir_okay=False), default=None, help="LOS-area polygons (WGS84).")
@dem_opt
@fill_voids_opt
@json_opt
def coverage(lat, lon, output, tx_height, rx_height, freq, radius_km, k_factor, fresnel, eirp, rx_gain, power_tif,
             png, geojson, dem_path, fill_voids, as_json):
    """Radio line-of-sight / Fresnel coverage and received power from a transmitter at LAT LON."""
    import numpy as np

    from .. import elevation as el
    from .. import export
    from ..radio import coverage as run
    from ..viewshed import check_radius_km

    lat, lon = el.check_lat_lon(lat, lon)
    export.check_output_paths(**{"-o": output, "--power-tif": power_tif, "--png": png, "--geojson": geojson})
    radius_m = check_radius_km("--radius", radius_km)
    dem = el.dem_for(dem_path, lat, lon, radius_m, fill_voids=fill_voids)
    res = run(dem, lat, lon, tx_height=tx_height, rx_height=rx_height, freq_mhz=_freq(freq), radius_m=radius_m,
              k_factor=k_factor, fresnel=fresnel, eirp_dbm=eirp, rx_gain_dbi=rx_gain)
    summary = res.summary()
    band = res.los.astype(np.uint8) + res.fresnel_clear.astype(np.uint8)
    band[np.isnan(res.path_loss_db)] = 255
    tags = {"terrain_coverage": export.dumps(summary)}
    outputs = {"coverage_tif": output}
    with export.all_or_nothing():  # a failed --png/--geojson/--power-tif leaves no -o behind either
        export.write_geotiff(output, band, dem.transform, dem.crs, nodata=255, tags=tags,
                             description="coverage class")
        if power_tif:
            export.write_geotiff(power_tif, res.rx_power_dbm, dem.transform, dem.crs, nodata=float("nan"), tags=tags,
                                 description="received power (dBm)")
            outputs["power_tif"] = power_tif
        if geojson:
            export.write_geojson(geojson, res.los, dem.transform, dem.crs, {"rx_height_m": rx_height})
            outputs["geojson"] = geojson
        if png:
            from ..plot import raster_map

            t = summary["transmitter"]
            raster_map(dem, np.where(res.los, res.rx_power_dbm, np.nan), png, cmap="plasma",
                       label="received power (dBm)",
                       title=f"Radio LOS coverage: tx {tx_height:g} m, rx {rx_height:g} m, {summary['freq_mhz']:g} MHz, "
                             f"K={k_factor:.3g}, EIRP {eirp:g} dBm\nLOS {summary['los_area_km2']:.0f} km2, "
                             f"{fresnel:.0%} Fresnel clear {summary['fresnel_clear_area_km2']:.0f} km2; "
                             f"{summary['dem']['note']}", marks=[(t["x"], t["y"], "tx", "station")])
            outputs["png"] = png
    summary["outputs"] = outputs
    if as_json:
        click.echo(export.dumps(summary))
        return
    click.echo(f"LOS to a receiver {rx_height:g} m up: {summary['los_area_km2']:.1f} km2 "
               f"({100 * summary['los_fraction']:.1f}% of the disc); {fresnel:.0%} Fresnel clear: "
               f"{summary['fresnel_clear_area_km2']:.1f} km2")
    click.echo(f"farthest LOS {summary['farthest_los_m'] / 1000:.1f} km; smooth-earth radio horizon "
               f"{summary['smooth_earth_radio_horizon_m'] / 1000:.1f} km")
    click.echo(summary["dem"]["note"])
    click.echo(f"wrote {', '.join(outputs.values())}")


@click.command()
@lat_lon_args
@click.option("--jammer", "jammers", multiple=True, required=True, metavar="LAT,LON[,HEIGHT_M,EIRP_DBM]",
              help="A jammer (repeatable).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="S/J GeoTIFF (dB, float32).")
@click.option("--control-height", type=float, default=constants.TX_HEIGHT_M, show_default=True, help="m above ground.")
@click.option("--control-eirp", type=float, default=constants.EIRP_DBM, show_default=True, help="dBm.")
@click.option("--jammer-height", type=float, default=constants.TX_HEIGHT_M, show_default=True, help="m (default for jammers).")
@click.option("--jammer-eirp", type=float, default=constants.JAMMER_EIRP_DBM, show_default=True, help="dBm (default).")
@click.option("--drone-height", type=float, default=constants.RX_HEIGHT_M, show_default=True, help="m above ground.")
@click.option("--direction", type=click.Choice(["uplink", "downlink"]), default="uplink", show_default=True,
              help="uplink: station -> drone (control), S/J at the drone; downlink: drone -> station "
              "(video/telemetry), S/J at the station.")
@click.option("--drone-eirp", type=float, default=constants.DRONE_EIRP_DBM, show_default=True,
              help="Drone transmitter EIRP for the downlink (dBm).")
@click.option("--processing-gain", type=float, default=constants.PROCESSING_GAIN_DB, show_default=True,
              help="Link processing gain against jamming, added to S/J (dB; spread spectrum 10-20).")
@freq_opt
@click.option("--radius", "radius_km", type=float, default=constants.RADIO_RADIUS_M / 1000, show_default=True, help="km.")
@k_opt
@click.option("--margin", type=float, default=constants.SJ_MARGIN_DB, show_default=True, help="Required S/J (dB).")
@click.option("--png", type=click.Path(dir_okay=False), default=None)
@dem_opt
@json_opt
def jamming(lat, lon, jammers, output, control_height, control_eirp, jammer_height, jammer_eirp, drone_height, direction,
            drone_eirp, processing_gain, freq, radius_km, k_factor, margin, png, dem_path, as_json):
    """Signal-to-jamming map for a drone controlled from LAT LON, against one or more jammers."""

    from .. import elevation as el
    from .. import export, geodesy
    from ..errors import InvalidParameterError
    from ..jamming import jamming_margin
    from ..viewshed import check_finite, check_radius_km

    lat, lon = el.check_lat_lon(lat, lon)
    export.check_output_paths(**{"-o": output, "--png": png})
    radius_m = check_radius_km("--radius", radius_km)
    jam = []
    for text in jammers:
        parts = text.split(",")
        if len(parts) not in (2, 4):
            raise InvalidParameterError(f"--jammer {text!r} must be LAT,LON or LAT,LON,HEIGHT_M,EIRP_DBM")
        jlat, jlon = el.check_lat_lon(parts[0], parts[1])
        extra = [check_finite("jammer height/EIRP", p) for p in parts[2:]] or [jammer_height, jammer_eirp]
        jam.append((jlat, jlon, *extra))
    dem = None
    if dem_path is not None:
        reach = max(float(geodesy.distance_azimuth(lat, lon, j[0], j[1])[0]) for j in jam) + radius_m
        dem = el.dem_for(dem_path, lat, lon, reach)
    res = jamming_margin(dem, (lat, lon), jam, control_height=control_height, control_eirp_dbm=control_eirp,
                         drone_height=drone_height, freq_mhz=_freq(freq), radius_m=radius_m, k_factor=k_factor,
                         margin_db=margin, direction=direction, drone_eirp_dbm=drone_eirp,
                         processing_gain_db=processing_gain)
    summary = res.summary()
    with export.all_or_nothing():
        export.write_geotiff(output, res.sj_db, res.transform, res.crs, nodata=float("nan"),
                             tags={"terrain_jamming": export.dumps(summary)}, description="S/J (dB)")
        if png:
            from ..plot import raster_map

            marks = [(*_xy(res, lat, lon), "station", "station")] + [(*_xy(res, j[0], j[1]), "jammer", "jammer")
                                                                     for j in jam]
            raster_map(res.dem, res.sj_db, png, cmap="RdYlGn", vmin=-30, vmax=30, label="S/J (dB)", marks=marks,
                       title=f"{direction.capitalize()}, drone at {drone_height:g} m: S/J >= {margin:g} dB over "
                             f"{summary['link_ok_area_km2']:.0f} km2 ({100 * summary['link_ok_fraction']:.0f}% of "
                             f"{radius_km:g} km disc)\n{summary['dem']['note']}")
    if as_json:
        click.echo(export.dumps(summary))
        return
    where = "at the drone" if direction == "uplink" else f"at the station (jamming there {summary['jamming_at_station_dbm']:.1f} dBm)"
    click.echo(f"{direction}: S/J {where} >= {margin:g} dB for a drone at {drone_height:g} m over "
               f"{summary['link_ok_area_km2']:.1f} km2 "
               f"= {100 * summary['link_ok_fraction']:.1f}% of the {summary['disc_area_km2']:.1f} km2 disc; "
               f"median S/J {summary['median_sj_db']:.1f} dB")
    click.echo(summary["dem"]["note"])


def _xy(res, lat, lon):
    x, y = res.dem.to_dem_xy(lat, lon)
    return float(x), float(y)
