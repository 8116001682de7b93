"""``terrain server``: one warm process (imports done, kernels loaded) that forks a worker per command.

Run as ``python -m terrain.cli.server --socket PATH --idle S`` (``terrain server start`` does that). The
socket lives in a directory only its user can enter and the server serves only its own user (SO_PEERCRED
where the system has it). A worker is a fork of the server: it takes the client's stdin/stdout/stderr,
working directory, environment and command line, runs the ``terrain`` command group exactly as the
command-line process would, and reports the exit status. A client of another install, or whose
import-time settings (``launch.import_time_settings``) differ from the server's, is told to run the command
itself; a client of the same install with other code (reinstalled, edited: ``launch.build_id``) too, and
the stale server stops.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import socket
import struct
import sys
import tempfile
import time

from . import launch


def warm_up() -> None:
    """Import every command and run the kernels and I/O of a small viewshed once, so that workers start
    with numba's context built and the kernels loaded (only the threads of terrain's own pool, which
    forked workers replace; numba's parallel kernels are left to the workers)."""
    import numpy as np
    from affine import Affine

    from .. import viewshed
    from ..elevation import Dem, open_dem
    from ..export import write_geotiff
    from .main import cli  # noqa: F401  (imports every command module)

    z = np.add.outer(np.arange(24.0), np.arange(20.0)).astype(np.float32) * 3.0
    dem = Dem.from_array(z, Affine(30.0, 0, 0, 0, -30.0, 720.0), "EPSG:32637")
    with tempfile.TemporaryDirectory() as tmp:
        write_geotiff(os.path.join(tmp, "dem.tif"), dem.elevation, dem.transform, dem.crs, nodata=-32768.0)
        dem = open_dem(os.path.join(tmp, "dem.tif"))
        viewshed(dem, 300.0, 360.0, coords="dem", radius_m=400.0)


def _peer_uid(conn) -> int | None:
    if not hasattr(socket, "SO_PEERCRED"):
        return None
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


def _reply(conn, message: dict) -> None:
    try:
        conn.sendall(json.dumps(message).encode() + b"\n")
    except OSError:
        pass


def _read_request(conn):
    """(message, file descriptors) from a client, or (None, fds) if it sent nothing readable."""
    conn.settimeout(5.0)
    try:
        _, fds, _, _ = socket.recv_fds(conn, 1, 3)
        with conn.makefile("rb") as stream:
            message = launch.read_line(stream)
    except (OSError, ValueError):
        return None, []
    finally:
        conn.settimeout(None)
    return message, fds


def _worker(conn, listener, message, fds, added) -> None:
    """In the forked worker: become the client's command, report its exit status, never return. A failure
    before the command starts (say, the client's working directory is gone) is not reported: the client,
    told no pid, runs the command itself."""
    code = 1
    started = False
    try:
        listener.close()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), line_buffering=os.isatty(1),
                                      write_through=not os.isatty(1))
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), line_buffering=True,
                                      errors="backslashreplace")
        os.chdir(message["cwd"])
        os.umask(int(message.get("umask", 0o022)) & 0o777)
        os.environ.clear()
        os.environ.update({**added, **message["env"]})
        tempfile.tempdir = None  # the client's TMPDIR, not the one the server's warm-up cached
        sys.argv = ["terrain", *message["argv"]]
        _reply(conn, {"pid": os.getpid()})
        started = True
        from .main import cli

        try:
            cli.main(args=list(message["argv"]), prog_name="terrain")
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if isinstance(exc.code, str):
                sys.stderr.write(exc.code + "\n")
    except BaseException as exc:
        if started:
            try:
                sys.stderr.write(f"Error: {type(exc).__name__}: {exc}\n")
            except Exception:
                pass
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        _reply(conn, {"rc": code})
        os._exit(code)


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _handle(conn, listener, build: dict, settings: dict, added: dict) -> str | None:
    """Answer one connection; "stop" when the server should stop. A request it cannot serve is refused (the
    client then runs the command itself); nothing a client sends stops the loop otherwise."""
    fds = []
    try:
        uid = _peer_uid(conn)
        message, fds = _read_request(conn)
        if (uid is not None and uid != os.getuid()) or not isinstance(message, dict):
            _reply(conn, {"refused": "not a terrain client of this user"})
        elif message.get("op") == "ping":
            _reply(conn, {"pid": os.getpid(), "build": build})
        elif message.get("op") == "stop":
            _reply(conn, {"stopped": os.getpid()})
            return "stop"
        elif message.get("op") != "run" or message.get("protocol") != launch.PROTOCOL or len(fds) != 3:
            _reply(conn, {"refused": "unknown request"})
        elif launch.same_install(message.get("build"), build) and message.get("build") != build:
            _reply(conn, {"refused": "the server runs older code of this install: restart it"})
            return "stop"  # stale: its clients now run in their own processes
        elif message.get("build") != build:
            _reply(conn, {"refused": "the server runs another install"})
        elif launch.import_time_settings(message.get("env", {})) != settings:
            _reply(conn, {"refused": "other import-time settings"})
        else:
            sys.stdout.flush()
            sys.stderr.flush()
            if os.fork() == 0:
                _worker(conn, listener, message, fds, added)
    except Exception as exc:  # a broken request or a failed fork: that client runs the command itself
        _reply(conn, {"refused": f"{type(exc).__name__}: {exc}"})
    finally:
        for fd in fds:
            try:
                os.close(fd)
            except OSError:
                pass
    return None


def serve(path: str, idle_s: float, settings: dict, added: dict) -> None:
    """Listen on path until idle for idle_s seconds or told to stop. settings: the import-time environment
    the server started with (clients must match it); added: what its imports set in the environment."""
    build = launch.build_id()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(16)
    listener.settimeout(1.0)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    last = time.monotonic()
    try:
        while time.monotonic() - last < idle_s:
            _reap()
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            last = time.monotonic()
            with conn:
                if _handle(conn, listener, build, settings, added) == "stop":
                    return
    finally:
        listener.close()
        try:
            os.unlink(path)
        except OSError:
            pass


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m terrain.cli.server")
    ap.add_argument("--socket", required=True)
    ap.add_argument("--idle", type=float, default=1800.0, help="stop after this many seconds without a request")
    args = ap.parse_args(argv)
    sys.modules.setdefault("boto3", None)  # as the command-line process (terrain.cli.main)
    launched = dict(os.environ)
    warm_up()
    # what the imports set (rasterio sets GDAL_DATA / PROJ_DATA for its bundled data): a client's own process
    # would set the same on import, so workers add it to the client's environment
    added = {k: v for k, v in os.environ.items() if k not in launched}
    serve(args.socket, args.idle, launch.import_time_settings(launched), added)


if __name__ == "__main__":
    main()
