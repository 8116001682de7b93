"""terrain server start|stop|status: a warm process that runs the commands of this user (``server.py``)."""

import os
import socket
import subprocess
import sys
import time

import click

from ..errors import ServerError
from . import launch

START_TIMEOUT_S = 300.0  # the warm-up compiles the kernels where numba's cache is empty (~15 s on 2 cores)


def _ask(path: str, op: str):
    """The server's one-line answer to a "ping" or "stop", or None if no server answers at path."""
    sock = launch.request(path, {"op": op}, timeout_s=2.0)
    if sock is None:
        return None
    with sock, sock.makefile("rb") as stream:
        return launch.read_line(stream) or {}


def _private_dir(path: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, mode=0o700, exist_ok=True)
    st = os.stat(folder)
    if st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise ServerError(f"socket directory {folder} must belong to you and be closed to others (chmod 700)")


@click.group()
def server():
    """A warm process that runs terrain commands (start-up in ~0.1 s instead of ~1 s)."""


@server.command()
@click.option("--idle-minutes", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Stop after this long without a command.")
def start(idle_minutes):
    """Start the server for this user ($TERRAIN_SERVER_SOCKET or the runtime directory); commands then run in
    it whenever it answers (TERRAIN_NO_SERVER=1: never)."""
    if not hasattr(socket, "AF_UNIX") or not hasattr(socket, "send_fds"):
        raise ServerError("terrain server needs Unix sockets with descriptor passing (Linux, macOS)")
    path = launch.server_socket_path()
    _private_dir(path)
    running = _ask(path, "ping")
    if running and "pid" in running:
        click.echo(f"terrain server already running (pid {running['pid']}, {path})")
        return
    if os.path.exists(path):
        os.unlink(path)  # nobody answers there: a server that did not stop cleanly
    log = os.path.join(os.path.dirname(path), "server.log")
    t0 = time.monotonic()
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "terrain.cli.server", "--socket", path, "--idle",
                                 str(idle_minutes * 60.0)], stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                start_new_session=True)
    while time.monotonic() - t0 < START_TIMEOUT_S:
        if proc.poll() is not None:
            raise ServerError(f"the server stopped during its warm-up (exit {proc.returncode}); see {log}")
        answer = _ask(path, "ping")
        if answer and "pid" in answer:
            click.echo(f"terrain server ready (pid {answer['pid']}, warm-up {time.monotonic() - t0:.1f} s, "
                       f"{path}); it stops after {idle_minutes:g} min idle or with: terrain server stop")
            return
        time.sleep(0.1)
    proc.terminate()
    raise ServerError(f"the server did not answer within {START_TIMEOUT_S:.0f} s; see {log}")


@server.command()
def stop():
    """Stop this user's server."""
    answer = _ask(launch.server_socket_path(), "stop")
    if answer is None:
        click.echo("no terrain server running")
        return
    click.echo(f"terrain server stopped (pid {answer.get('stopped', '?')})")


@server.command()
def status():
    """Whether this user's server runs (exit status 0) or not (1)."""
    path = launch.server_socket_path()
    answer = _ask(path, "ping")
    if not answer or "pid" not in answer:
        click.echo(f"no terrain server running ({path})")
        sys.exit(1)
    mine = launch.build_id()
    if answer.get("build") == mine:
        how = "same code as this install"
    elif launch.same_install(answer.get("build"), mine):
        how = "older code of this install: restart it"
    else:
        how = "it serves another install of terrain"
    click.echo(f"terrain server running (pid {answer['pid']}, {path}); {how}")
