"""terrain viewshed LAT LON -o OUT.tif."""

import click

from .options import (
    curvature_opt,
    dem_opt,
    fill_voids_opt,
    height_opt,
    json_opt,
    lat_lon_args,
    radius_opt,
    refraction_opt,
    target_height_opt,
)


@click.command()
@lat_lon_args
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="Visibility GeoTIFF: 1 visible, 0 not, 255 nodata (outside radius / void).")
@dem_opt
@height_opt
@target_height_opt
@radius_opt
@refraction_opt
@curvature_opt
@click.option("--method", type=click.Choice(["fast", "checked", "exact"]), default="fast", show_default=True,
              help="fast: lockstep R2 with windowed re-walks (>= 99.8 % of cells agree with exact); checked: the same rays with proven "
              "bounds, each cell sampling its own sight line where they cannot decide (equal to exact, visibility and "
              "minimum visible height); exact: R3 sight line to every cell.")
@click.option("--mvh", type=click.Path(dir_okay=False), default=None,
              help="Also write the minimum-visible-height GeoTIFF (m above ground; float32, NaN nodata).")
@click.option("--png", type=click.Path(dir_okay=False), default=None, help="Map (hillshade + visible area).")
@click.option("--geojson", type=click.Path(dir_okay=False), default=None, help="Visible-area polygons (WGS84).")
@fill_voids_opt
@json_opt
def viewshed(lat, lon, output, dem_path, observer_height, target_height, radius_km, refraction, no_curvature,
             method, mvh, png, geojson, fill_voids, as_json):
    """Where an observer at LAT LON can see, within --radius km."""
    from .. import elevation as el
    from .. import export
    from ..viewshed import check_radius_km
    from ..viewshed import viewshed as run

    lat, lon = el.check_lat_lon(lat, lon)
    export.check_output_paths(**{"-o": output, "--mvh": mvh, "--png": png, "--geojson": geojson})
    radius_m = check_radius_km("--radius", radius_km)
    dem = el.dem_for(dem_path, lat, lon, radius_m, fill_voids=fill_voids)
    result = run(dem, lat, lon, observer_height=observer_height, target_height=target_height, radius_m=radius_m,
                 refraction=refraction, curvature=not no_curvature, method=method)
    summary = result.summary()
    tags = {"terrain_viewshed": export.dumps(summary)}
    outputs = {"visibility_tif": output}
    with export.all_or_nothing():  # a failed --png/--geojson/--mvh leaves no -o behind either
        export.write_geotiff(output, export.visibility_band(result.visible, result.min_visible_height_m),
                             dem.transform, dem.crs, nodata=export.VIS_NODATA, tags=tags, description="visible")
        if mvh:
            export.write_geotiff(mvh, result.min_visible_height_m, dem.transform, dem.crs, nodata=float("nan"),
                                 tags=tags, description="min visible height (m above ground)")
            outputs["mvh_tif"] = mvh
        if geojson:
            export.write_geojson(geojson, result.visible, dem.transform, dem.crs,
                                 {"observer_height_m": observer_height, "target_height_m": target_height})
            outputs["geojson"] = geojson
        if png:
            from ..plot import viewshed_map

            viewshed_map(result, dem, png)
            outputs["png"] = png
    summary["outputs"] = outputs
    if as_json:
        click.echo(export.dumps(summary))
        return
    s = result.stats
    click.echo(f"visible {s['visible_area_km2']:.2f} km2 = {100 * s['visible_fraction']:.1f}% of the "
               f"{s['disc_area_km2']:.1f} km2 disc; method {method}")
    if s["farthest_visible"]:
        f = s["farthest_visible"]
        click.echo(f"farthest visible: {f['distance_m'] / 1000:.2f} km at {f['lat']:.5f} N {f['lon']:.5f} E")
    click.echo(summary["dem"]["note"])
    click.echo(f"wrote {', '.join(outputs.values())}")
