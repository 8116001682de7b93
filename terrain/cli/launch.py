"""The ``terrain`` command's entry point: hand the command to a running ``terrain server``, else run it here.

A command run in a fresh process pays for importing numpy, rasterio, pyproj and numba and for numba building
its compiler context before the first kernel (~0.8 s on a 2-core machine; the work on a small DEM takes
milliseconds). ``terrain server start`` keeps one process with all of that done; while it runs, this entry
point (standard library only) passes the command line, working directory, environment and its own
stdin/stdout/stderr (as file descriptors, so output, terminals and exit codes are the command's own) and
umask over a Unix socket to it, and a forked copy of the server runs the command. Without a server, or when the server
runs other code (a reinstall, another environment) or was started with other settings that are read at
import (``NUMBA_*``, ``PROJ_*``, ``GDAL_*``, ``CPL_*``, ``PYTHON*``), the command runs in this process as
before.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys

PROTOCOL = 1
ENV_SOCKET = "TERRAIN_SERVER_SOCKET"  # the socket's path (default: server_socket_path())
ENV_OFF = "TERRAIN_NO_SERVER"  # set to 1: always run in this process


def server_socket_path() -> str:
    """$TERRAIN_SERVER_SOCKET, else terrain-server/server.sock in $XDG_RUNTIME_DIR (or in ~/.cache; a folder
    of its own, as the socket's folder must be closed to others)."""
    if os.environ.get(ENV_SOCKET):
        return os.environ[ENV_SOCKET]
    base = os.environ.get("XDG_RUNTIME_DIR") or os.environ.get("XDG_CACHE_HOME") or \
        os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "terrain-server", "server.sock")


def build_id() -> dict:
    """Which code this is: the interpreter, environment and package folder (the install), and the package's
    version and newest .py modification time (its code)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    newest = 0
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                newest = max(newest, os.stat(os.path.join(folder, name)).st_mtime_ns)
    from .. import __version__

    return {"python": os.path.realpath(sys.executable), "prefix": sys.prefix, "package": root, "version": __version__,
            "mtime_ns": newest}


def same_install(a, b) -> bool:
    """True if two build_id()s are the same install (possibly of other code: reinstalled or edited)."""
    keys = ("python", "prefix", "package")
    return isinstance(a, dict) and isinstance(b, dict) and all(a.get(k) == b.get(k) for k in keys)


IMPORT_TIME_PREFIXES = ("NUMBA_", "PROJ_", "GDAL_", "CPL_", "PYTHON")


def import_time_settings(env) -> dict:
    """The environment variables read when numba, pyproj, GDAL or Python start (fixed for a server's life)."""
    return {k: v for k, v in env.items() if k.startswith(IMPORT_TIME_PREFIXES)}


def _connect(path: str, timeout_s: float):
    if not hasattr(socket, "AF_UNIX") or not hasattr(socket, "send_fds") or not os.path.exists(path):
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout_s)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        return None
    sock.settimeout(None)
    return sock


def request(path: str, message: dict, fds=(), timeout_s: float = 5.0):
    """Send one message (and file descriptors) to the server at path; the connected socket, or None if no
    server answers there."""
    sock = _connect(path, timeout_s)
    if sock is None:
        return None
    try:
        socket.send_fds(sock, [b"T"], list(fds))
        sock.sendall(json.dumps(message).encode() + b"\n")
    except OSError:
        sock.close()
        return None
    return sock


def read_line(stream) -> dict | None:
    line = stream.readline()
    if not line:
        return None
    try:
        return json.loads(line)
    except ValueError:
        return None


def _run_on_server(argv) -> int | None:
    """The command's exit code from the server, or None if it must run here."""
    if os.environ.get(ENV_OFF) == "1" or (argv and argv[0] == "server"):
        return None
    umask = os.umask(0o022)
    os.umask(umask)
    message = {"op": "run", "protocol": PROTOCOL, "argv": list(argv), "cwd": os.getcwd(), "env": dict(os.environ),
               "umask": umask, "build": build_id()}
    sock = request(server_socket_path(), message, (0, 1, 2))
    if sock is None:
        return None
    with sock, sock.makefile("rb") as stream:
        first = read_line(stream)
        if not first or "pid" not in first:  # refused (other code or settings) or gone: run it here
            return None
        pid = first["pid"]
        while True:
            try:
                last = read_line(stream)
                break
            except KeyboardInterrupt:  # Ctrl-C reaches this process: pass it on to the command
                try:
                    os.kill(pid, signal.SIGINT)
                except OSError:
                    pass
    if not last or "rc" not in last:
        sys.stderr.write("Error: the terrain server's worker stopped without an exit status\n")
        return 1
    return int(last["rc"])


def main() -> None:
    argv = sys.argv[1:]
    try:
        rc = _run_on_server(argv)
    except OSError:
        rc = None
    if rc is not None:
        sys.exit(rc)
    from .main import cli

    cli(prog_name="terrain")
