"""terrain elevation LAT LON."""

import click

from .options import dem_opt, json_opt, lat_lon_args


@click.command()
@lat_lon_args
@dem_opt
@json_opt
def elevation(lat, lon, dem_path, as_json):
    """Elevation (m above MSL) of the post nearest LAT LON, and where it came from."""
    from .. import elevation as el
    from ..export import dumps

    lat, lon = el.check_lat_lon(lat, lon)
    dem = el.dem_for(dem_path, lat, lon, 1.0)
    z = dem.elevation_at(lat, lon)
    row, col = dem.index(lat, lon)
    post_lon, post_lat = dem.cell_center_lonlat(row, col)
    out = {
        "lat": lat, "lon": lon, "elevation_m": z,
        "post": {"lat": float(post_lat), "lon": float(post_lon)},
        "resolution": dem.resolution, "sources": list(dem.sources), "note": dem.resolution_note,
    }
    if as_json:
        click.echo(dumps(out))
    else:
        click.echo(f"{z:.1f} m at {lat:.5f} N {lon:.5f} E (nearest post {post_lat:.5f} N {post_lon:.5f} E)")
        click.echo(f"source: {', '.join(dem.sources)} [{dem.resolution}]")
