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
@quiet_opt
@json_opt
def highground(site, name, out_dir, radius_km, samples, seed, quick, fetch, dem_path, quiet, as_json):
    """Does a site hold the high ground? Elevation, visibility, radio reach and jamming vs the region."""
    import math

    from tqdm import tqdm

    from .. import elevation as el
    from ..export import all_or_nothing, check_output_dir, dumps
    from ..highground import StudyConfig, run_study
    from ..highground.report import write_outputs
    from ..tiles import fetch_tile, tile_name
    from ..viewshed import check_finite

    check_output_dir("--out", out_dir)
    kw = {"radius_m": check_finite("--radius", radius_km, minimum=1) * 1000, "seed": seed, "dem_search": dem_path}
    if site is not None:
        parts = site.split(",")
        if len(parts) != 2:
            from ..errors import InvalidParameterError

            raise InvalidParameterError(f"--site {site!r} must be LAT,LON")
        kw["lat"], kw["lon"] = el.check_lat_lon(*parts)
        kw["name"] = name or f"{kw['lat']:.4f},{kw['lon']:.4f}"
    if quick:
        cfg = StudyConfig.quick_config(**kw, **({"samples": samples} if samples != constants.STUDY_SAMPLES else {}))
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
        if q == "dem_error_probability":
            continue
        click.echo(f"  {q.replace('_', ' ')}: {v['verdict']} (percentile {v['percentile_all']:.0f} of all sites; "
                   f"{v['metric']} = {v['value']:.1f})")
    click.echo(f"report: {paths['report_md']} and {paths['report_html']}; numbers: {paths['results']}")
