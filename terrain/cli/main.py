"""The ``terrain`` command group: one place where errors become one line."""

import logging
import sys
import warnings

import click

from ..errors import TerrainError, TerrainWarning

# rasterio imports boto3 (for s3:// sessions) when it is installed: ~0.1 s of every command's start for a
# feature no command uses (DEM paths are local files). The command-line process opts out; the library,
# imported by other programs, does not.
sys.modules.setdefault("boto3", None)


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except TerrainError as exc:  # one line on stderr, exit 1, no traceback
            raise click.ClickException(_one_line(exc)) from exc
        except OSError as exc:  # the system refused something (disk, permissions, network) that we did not wrap
            raise click.ClickException(f"{type(exc).__name__}: {_one_line(exc)}") from exc
        except MemoryError as exc:
            raise click.ClickException("out of memory: use a smaller --radius/--extent or a coarser DEM") from exc


def _one_line(exc) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _show_warning(message, category, filename, lineno, file=None, line=None):
    click.echo(f"Warning: {message}", err=True)


@click.group(cls=_Group)
@click.option("-v", "--verbose", count=True, help="More logging.")
@click.version_option(package_name="terrain")
@click.pass_context
def cli(ctx, verbose):
    """terrain: terrain, line-of-sight and radio-horizon analysis.

    Coordinates are decimal degrees WGS84, LAT LON. Every result states the
    DEM and resolution it was computed at.
    """
    logging.basicConfig(level=logging.WARNING - 10 * verbose)
    warnings.showwarning = _show_warning
    warnings.simplefilter("once", TerrainWarning)
    ctx.ensure_object(dict)


def _register():
    from .elevation_cmd import elevation
    from .highground_cmd import highground
    from .radio_cmds import coverage, jamming, profile
    from .server_cmd import server
    from .tiles_cmd import tiles
    from .viewshed_cmd import viewshed
    from .visibility_cmd import visibility_map

    for command in (elevation, tiles, viewshed, profile, coverage, jamming, highground, visibility_map, server):
        cli.add_command(command)


_register()

if __name__ == "__main__":  # python -m terrain.cli.main, as the console script
    cli(prog_name="terrain")
