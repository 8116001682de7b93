"""terrain highground: the high-ground study (the README's main command)."""

import click

from .. import constants
from .options import json_opt, quiet_opt


@click.command()
@click.option("--site", default=None, metavar="LAT,LON", help="Study another site (default: Pokrovsk).")
@click.option("--name", default=None, help="Name of the --site.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="highground-out", show_default=True)
@click.option("--radius", "radius_km", type=float, default=constants.STUDY_RADIUS_M / 1000, show_default=True,
              help="Comparison sites are drawn within this radius (km).")
@click.option("--samples", type=int, default=constants.STUDY_SAMPLES, show_default=True, help="Comparison sites.")
@click.option("--seed", type=int, default=constants.STUDY_SEED, show_default=True)
@click.option("--quick", is_flag=True, help="Fewer sites, jammers and Monte Carlo runs (< 1 min).")
@click.option("--fetch", is_flag=True, help="Download the nine SRTM tiles around the site first.")
@click.option("--dem", "dem_path", type=click.Path(), default=None, help="Directory of tiles to search first.")
@click.option("--jammer-eirp", type=float, default=constants.STUDY_JAM_JAMMER[1], show_default=True,
              help="Jammer EIRP (dBm).")
@click.option("--jammer-distance", type=float, default=constants.STUDY_JAM_RING[1] / 1000, show_default=True,
              help="Radius of the ring of jammers around each station (km).")
@click.option("--jammer-height", type=float, default=constants.STUDY_JAM_JAMMER[0], show_default=True,
              help="Jammer antenna height above ground (m); e.g. 300 for an airborne jammer.")
@click.option("--processing-gain", type=float, default=constants.PROCESSING_GAIN_DB, show_default=True,
              help="Link processing gain against jamming, both directions (dB).")
@click.option("--drone-eirp", type=float, default=constants.DRONE_EIRP_DBM, show_default=True,
              help="Drone video/telemetry transmitter EIRP for the downlink (dBm).")
@quiet_opt
@json_opt
def highground(site, name, out_dir, radius_km, samples, seed, quick, fetch, dem_path, jammer_eirp, jammer_distance,
               jammer_height, processing_gain, drone_eirp, quiet, as_json):
    """Does a site hold the high ground? Elevation, visibility, radio reach and jamming vs the region."""
    import math

    from tqdm import tqdm

    from .. import elevation as el
    from ..export import all_or_nothing, check_output_dir, dumps
    from ..highground import StudyConfig, run_study
    from ..highground.report import write_outputs
    from ..jamming import check_jamming_settings
    from ..tiles import fetch_tile, tile_name
    from ..viewshed import check_finite

    check_output_dir("--out", out_dir)
    kw = {"radius_m": check_finite("--radius", radius_km, minimum=1) * 1000, "seed": seed, "dem_search": dem_path}
    kw.update(check_jamming_settings(jammer_eirp=jammer_eirp, jammer_distance_km=jammer_distance,
                                     jammer_height=jammer_height, processing_gain=processing_gain,
                                     drone_eirp=drone_eirp))
    if site is not None:
        parts = site.split(",")
        if len(parts) != 2:
            from ..errors import InvalidParameterError

            raise InvalidParameterError(f"--site {site!r} must be LAT,LON")
        kw["lat"], kw["lon"] = el.check_lat_lon(*parts)
        kw["name"] = name or f"{kw['lat']:.4f},{kw['lon']:.4f}"
    if quick:
        ring = kw.pop("jam_ring")
        cfg = StudyConfig.quick_config(**kw, jam_ring=(4, ring[1]),
                                       **({"samples": samples} if samples != constants.STUDY_SAMPLES else {}))
    else:
        cfg = StudyConfig(samples=samples, **kw)
    if fetch:
        lat0, lon0 = math.floor(cfg.lat), math.floor(cfg.lon)
        for dla in (-1, 0, 1):
            for dlo in (-1, 0, 1):
                fetch_tile(tile_name(lat0 + dla, lon0 + dlo))

    def bar(stage, total):
        return tqdm(total=total, desc=stage, leave=False, disable=quiet or as_json)

    res, arrays = run_study(cfg, progress=bar)
    with all_or_nothing():  # the report's files land together or not at all
        paths = write_outputs(res, arrays, out_dir)
    if as_json:
        click.echo(dumps({"verdict": res["verdict"], "data": res["data"], "outputs": {k: str(p) for k, p in paths.items()}}))
        return
    click.echo(f"{res['title']}  [{res['data']['resolution']}]")
    for q, v in res["verdict"].items():
        if q == "bottom_line":
            continue
        click.echo(f"  {q.replace('_', ' ')}: {v['robustness']} - {v['verdict']} (percentile {v['percentile_all']:.0f} "
                   f"of all sites; {v['metric']} = {v['value']:.1f})")
    click.echo(res["verdict"]["bottom_line"])
    click.echo(f"report: {paths['report_md']} and {paths['report_html']}; numbers: {paths['results']}")
