"""terrain tiles fetch|list."""

import click

from .. import constants
from .options import json_opt, quiet_opt


@click.group()
def tiles():
    """Elevation tiles: download and list."""


@tiles.command()
@click.argument("names", nargs=-1, required=True)
@click.option("--url-template", default=constants.TILE_URL_TEMPLATE, show_default=True,
              help="Mirror URL with {name} (N48E037) and {lat_dir} (N48).")
@click.option("--dest", type=click.Path(file_okay=False), default=None, help="Directory (default: the user cache).")
@click.option("--retries", type=int, default=constants.DOWNLOAD_RETRIES, show_default=True)
@click.option("--timeout", type=float, default=constants.DOWNLOAD_TIMEOUT_S, show_default=True,
              help="Socket timeout (s).")
@click.option("--deadline", type=float, default=constants.DOWNLOAD_DEADLINE_S, show_default=True,
              help="Overall time per tile, all attempts (s).")
@click.option("--overwrite", is_flag=True, help="Download even if the tile is cached.")
@quiet_opt
@json_opt
def fetch(names, url_template, dest, retries, timeout, deadline, overwrite, quiet, as_json):
    """Download SRTM tiles (e.g. N48E037), verified, into the cache."""
    from tqdm import tqdm

    from ..export import dumps
    from ..tiles import fetch_tile

    def bar(total=None, desc=None):
        return tqdm(total=total, desc=desc, unit="B", unit_scale=True, leave=False)

    done = []
    for name in names:
        path = fetch_tile(name, url_template=url_template, dest_dir=dest, retries=retries, timeout_s=timeout,
                          deadline_s=deadline,
                          overwrite=overwrite, progress=None if quiet or as_json else bar)
        done.append({"name": name.upper(), "path": str(path)})
        if not as_json:
            click.echo(f"{name.upper()}: {path}")
    if as_json:
        click.echo(dumps({"fetched": done}))


@tiles.command(name="list")
@click.option("--dem", "dem_path", type=click.Path(), default=None, help="Extra directory to search first.")
@json_opt
def list_(dem_path, as_json):
    """Tiles available locally, finest first, and where they come from."""
    from ..export import dumps
    from ..tiles import local_tiles, search_path

    found = local_tiles(dem_path)
    rows = [{"name": t.name, "arcsec": t.arcsec, "kind": t.kind, "origin": t.origin, "path": str(t.path)}
            for t in sorted(found, key=lambda t: (t.name, t.arcsec))]
    if as_json:
        click.echo(dumps({"search_path": [{"dir": str(d), "origin": o} for d, o in search_path(dem_path)],
                          "tiles": rows}))
        return
    for d, o in search_path(dem_path):
        click.echo(f"# {o:9s} {d}")
    for r in rows:
        click.echo(f"{r['name']}  {r['kind'].upper():4s} {r['arcsec']:>4g}\"  {r['origin']:9s} {r['path']}")
