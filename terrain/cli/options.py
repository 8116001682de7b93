"""Shared click options (units in help, defaults shown)."""

import click

from .. import constants

dem_opt = click.option(
    "--dem", "dem_path", type=click.Path(), default=None,
    help="Elevation file (GeoTIFF, DTED, .hgt[.zip|.gz]) or a directory of tiles; "
    "default: TERRAIN_DEM_PATH, the user cache, then the embedded DTED0.",
)
json_opt = click.option("--json", "as_json", is_flag=True, help="Print a machine-readable JSON summary on stdout.")
quiet_opt = click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
fill_voids_opt = click.option("--fill-voids", is_flag=True, help="Interpolate DEM voids (otherwise they are masked).")
height_opt = click.option(
    "--height", "observer_height", type=float, default=constants.OBSERVER_HEIGHT_M, show_default=True,
    help="Observer eye height above ground (m).",
)
target_height_opt = click.option(
    "--target-height", type=float, default=constants.TARGET_HEIGHT_M, show_default=True,
    help="Target height above ground (m).",
)
radius_opt = click.option(
    "--radius", "radius_km", type=float, default=constants.RADIUS_M / 1000, show_default=True,
    help="Maximum radius (km).",
)
refraction_opt = click.option(
    "--refraction", type=float, default=round(constants.REFRACTION_LIGHT, 5), show_default=True,
    help="Refraction coefficient k (light: 1/7); effective earth radius R/(1-k).",
)
curvature_opt = click.option("--no-curvature", is_flag=True, help="Ignore earth curvature and refraction.")


def lat_lon_args(f):
    """LAT LON positional decimal degrees (WGS84); checked by the command (one-line errors)."""
    f = click.argument("lon")(f)
    return click.argument("lat")(f)
