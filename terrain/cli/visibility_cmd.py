"""terrain visibility-map: total viewshed (visible area from every cell), locally or on Dask."""

import click

from .. import constants
from .options import dem_opt, height_opt, json_opt, lat_lon_args, quiet_opt, refraction_opt, target_height_opt


@click.command(name="visibility-map")
@lat_lon_args
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="GeoTIFF of visible area (km², float32; NaN where not computed).")
@click.option("--extent", "extent_km", type=float, default=20.0, show_default=True,
              help="Map every cell within this distance (km) of LAT LON.")
@click.option("--radius", "radius_km", type=float, default=10.0, show_default=True,
              help="Visible area is counted within this radius (km) of each cell.")
@height_opt
@target_height_opt
@refraction_opt
@click.option("--method", type=click.Choice(["sector", "checked"]), default=constants.TOTAL_VIEWSHED_METHOD,
              show_default=True, help="sector: rays shared by a row of observers (an estimate, ~0.3 % mean error "
                                      "at 360 sectors); checked: a full viewshed per observer (exact, slower).")
@click.option("--directions", "n_directions", type=int, default=constants.TOTAL_VIEWSHED_DIRECTIONS,
              show_default=True, help="Sectors (equal azimuth) for --method sector.")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True,
              help="cuda: the sector kernel on a CUDA GPU (numba.cuda); an error if none is usable.")
@click.option("--stride", type=int, default=1, show_default=True, help="Every STRIDE-th cell is an observer.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Dask scheduler (tcp://host:8786); with --workers N a LocalCluster is started instead.")
@click.option("--workers", type=int, default=0, show_default=True,
              help="Start a Dask LocalCluster with N single-threaded workers (0: no Dask).")
@click.option("--tile", type=int, default=256, show_default=True, help="Observer tile side for Dask tasks.")
@click.option("--png", type=click.Path(dir_okay=False), default=None)
@dem_opt
@quiet_opt
@json_opt
def visibility_map(lat, lon, output, extent_km, radius_km, observer_height, target_height, refraction, method,
                   n_directions, device, stride,
                   scheduler, workers, tile, png, dem_path, quiet, as_json):
    """Where is the high ground? Visible area within --radius from every cell around LAT LON."""
    import time

    import numpy as np
    from tqdm import tqdm

    from .. import elevation as el
    from .. import export
    from ..errors import InvalidParameterError
    from ..total import total_viewshed
    from ..viewshed import check_radius_km

    lat, lon = el.check_lat_lon(lat, lon)
    export.check_output_paths(**{"-o": output, "--png": png})
    extent_m = check_radius_km("--extent", extent_km)
    radius_m = check_radius_km("--radius", radius_km)
    if radius_m <= 0:
        raise InvalidParameterError(f"--radius {radius_km!r} km must be > 0")
    if workers < 0 or tile < 1:
        raise InvalidParameterError(f"--workers {workers} must be >= 0 and --tile {tile} >= 1")
    dem = el.dem_for(dem_path, lat, lon, extent_m + radius_m)
    dem.index(lat, lon)  # the centre must be on the DEM (InvalidParameterError otherwise)
    from .. import geodesy

    lon_g, lat_g = dem.cell_center_lonlat(*np.mgrid[0 : dem.shape[0], 0 : dem.shape[1]])
    dist, _ = geodesy.distance_azimuth(lat, lon, lat_g, lon_g)
    outside = np.asarray(dist).reshape(dem.shape) > extent_m
    outside.flat[np.argmin(dist)] = False  # the centre's own cell, even with --extent 0
    if stride > 1:  # observers sit on the lattice of every stride-th cell (anchored at (0, 0)): keep one at least
        rr, cc = np.mgrid[0 : dem.shape[0], 0 : dem.shape[1]]
        lattice = (rr % stride == 0) & (cc % stride == 0)
        if not (lattice & ~outside).any():
            d = np.where(lattice, np.asarray(dist).reshape(dem.shape), np.inf)
            outside.flat[np.argmin(d)] = False  # the lattice cell nearest the centre
    rows, cols = np.nonzero(~outside)
    region = (rows.min(), rows.max() + 1, cols.min(), cols.max() + 1)  # observers only around the extent
    client = cluster = None
    if scheduler or workers:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise InvalidParameterError("--workers/--scheduler need Dask: pip install 'terrain[distributed]'") from None

        if scheduler:
            client = Client(scheduler)
        else:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None)
            client = Client(cluster)
    try:
        t0 = time.perf_counter()
        area = total_viewshed(dem, radius_m, observer_height=observer_height, target_height=target_height,
                              refraction=refraction, stride=stride, method=method, n_directions=n_directions, device=device,
                              client=client, tile=tile, region=region,
                              progress=None if quiet or as_json else (lambda total: tqdm(total=total, desc="tiles")))
        secs = time.perf_counter() - t0
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    area[outside] = np.nan
    if not np.isfinite(area).any():
        raise InvalidParameterError("no cell within --extent has a visible area (all void or off the DEM); "
                                    "nothing written")
    summary = {"centre": {"lat": lat, "lon": lon}, "extent_m": extent_m, "radius_m": radius_m,
               "observer_height_m": observer_height, "target_height_m": target_height, "refraction_k": refraction,
               "method": method, "n_directions": n_directions if method == "sector" else None,
               "device": device, "stride": stride, "observers": int(np.isfinite(area).sum()), "seconds": secs,
               "dask": bool(client is not None), "max_km2": float(np.nanmax(area)),
               "median_km2": float(np.nanmedian(area)), "dem": {"resolution": dem.resolution,
                                                               "note": dem.resolution_note}}
    with export.all_or_nothing():
        export.write_geotiff(output, area, dem.transform, dem.crs, nodata=float("nan"),
                             tags={"terrain_visibility_map": export.dumps(summary)}, description="visible area (km2)")
        if png:
            from ..plot import raster_map

            x, y = dem.to_dem_xy(lat, lon)
            raster_map(dem, area, png, cmap="magma", label="visible area (km²)",
                       marks=[(float(x), float(y), "centre", "observer")],
                       title=f"Visible area within {radius_km:g} km from every cell (observer {observer_height:g} m, "
                             f"target {target_height:g} m) - {dem.resolution_note}")
    if as_json:
        click.echo(export.dumps(summary))
        return
    click.echo(f"{summary['observers']} observers in {secs:.1f} s; visible area median {summary['median_km2']:.1f}, "
               f"max {summary['max_km2']:.1f} km2; {dem.resolution_note}")
