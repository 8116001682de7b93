"""terrain server: commands run in a forked warm worker give the same files, output and exit codes as in
their own process; refusals and a missing server fall back to the command's own process."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
import rasterio
from helpers import make_dem
from synthetic import fractal_terrain, hgt_tile

from terrain.cli import launch
from terrain.export import write_geotiff

pytestmark = pytest.mark.skipif(not hasattr(socket, "send_fds"), reason="needs Unix descriptor passing")

ENTRY = "import sys; from terrain.cli.launch import main; sys.argv[0] = 'terrain'; main()"


def _terrain(env, *args, cwd, umask=None):
    """The command as the console script runs it; cwd: where it runs (outside the source tree, so that the
    client and the server it starts import the same install of terrain)."""
    return subprocess.run([sys.executable, "-c", ENTRY, *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=600, preexec_fn=None if umask is None else (lambda: os.umask(umask)))


def _shell_env():
    """The environment of a shell: this test process's, less what its own imports set (rasterio sets GDAL_DATA
    and PROJ_DATA), so that clients look like commands typed by a user."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("GDAL_", "PROJ_", "CPL_"))}


@pytest.fixture()
def server_env(tmp_path):
    env = {**_shell_env(), launch.ENV_SOCKET: str(tmp_path / "srv" / "s.sock")}
    env.pop(launch.ENV_OFF, None)
    yield env
    _terrain(env, "server", "stop", cwd=tmp_path)


def _dem(tmp_path):
    dem = make_dem(fractal_terrain(60, 50, seed=31, relief_m=120), cell_m=30.0)
    path = tmp_path / "dem.tif"
    write_geotiff(path, dem.elevation, dem.transform, dem.crs, nodata=-32768.0)
    return path


def test_commands_through_the_server_match_their_own_process(tmp_path, server_env):
    dem = _dem(tmp_path)
    assert _terrain(server_env, "server", "status", cwd=tmp_path).returncode == 1
    started = _terrain(server_env, "server", "start", cwd=tmp_path)
    assert started.returncode == 0 and "ready" in started.stdout, started.stderr
    assert _terrain(server_env, "server", "status", cwd=tmp_path).returncode == 0
    args = ["viewshed", "48.0", "37.0", "--dem", str(dem), "--radius", "0.6"]
    here = _terrain({**server_env, launch.ENV_OFF: "1"}, *args, "-o", "here.tif", cwd=tmp_path, umask=0o077)
    there = subprocess.run([sys.executable, "-X", "importtime", "-c", ENTRY, *args, "-o", "there.tif"],
                           env=server_env, cwd=tmp_path, capture_output=True, text=True, timeout=600,
                           preexec_fn=lambda: os.umask(0o077))
    assert here.returncode == there.returncode == 0, there.stderr
    assert "| numba" not in there.stderr and "rasterio" not in there.stderr  # it ran in the server, not here
    there.stderr = "\n".join(ln for ln in there.stderr.splitlines() if not ln.startswith("import time:"))
    assert here.stdout.replace("here.tif", "") == there.stdout.replace("there.tif", "")
    with rasterio.open(tmp_path / "here.tif") as a, rasterio.open(tmp_path / "there.tif") as b:
        np.testing.assert_array_equal(a.read(), b.read())
    assert (tmp_path / "here.tif").stat().st_mode == (tmp_path / "there.tif").stat().st_mode  # the client's umask
    bad = _terrain(server_env, "viewshed", "91", "37", "--dem", str(dem), "-o", str(tmp_path / "x.tif"), cwd=tmp_path)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().splitlines() == ["Error: latitude '91' is outside [-90, 90] degrees"]
    assert not (tmp_path / "x.tif").exists()
    # the worker sees the client's environment (here: where tiles are searched)
    hgt_tile(tmp_path / "tiles", "N10E010", side=1201, seed=3)
    assert _terrain(server_env, "elevation", "10.5", "10.5", cwd=tmp_path).returncode == 1
    found = _terrain({**server_env, "TERRAIN_DEM_PATH": str(tmp_path / "tiles")}, "elevation", "10.5", "10.5",
                     cwd=tmp_path)
    assert found.returncode == 0 and "N10E010" in found.stdout, found.stderr
    # a client that sends garbage, or a request without descriptors, is refused; the server keeps serving
    path = server_env[launch.ENV_SOCKET]
    with socket.socket(socket.AF_UNIX) as raw:
        raw.connect(path)
        raw.sendall(b"\x00garbage\n")
        assert b"refused" in raw.recv(4096)
    sock = launch.request(path, {"op": "run", "protocol": launch.PROTOCOL, "argv": [], "cwd": "/", "env": {},
                                 "build": launch.build_id()})
    with sock, sock.makefile("rb") as stream:
        assert "refused" in json.loads(stream.readline())
    assert _terrain(server_env, "server", "status", cwd=tmp_path).returncode == 0


def _ask(path, build):
    sock = launch.request(path, {"op": "run", "protocol": launch.PROTOCOL, "argv": ["--version"], "cwd": "/",
                                 "env": dict(os.environ), "build": build}, (0, 1, 2))
    with sock, sock.makefile("rb") as stream:
        return json.loads(stream.readline())


def test_a_server_running_other_code_sends_its_clients_home(tmp_path, server_env):
    """A client of another install is refused and the server keeps serving; one of this install with newer
    code (reinstalled, edited) is refused and the stale server stops; the command then runs in its own process."""
    dem = _dem(tmp_path)
    assert _terrain(server_env, "server", "start", cwd=tmp_path).returncode == 0
    path = server_env[launch.ENV_SOCKET]
    assert "another install" in _ask(path, {**launch.build_id(), "package": "/elsewhere/terrain"})["refused"]
    assert _terrain(server_env, "server", "status", cwd=tmp_path).returncode == 0
    assert "older code" in _ask(path, {**launch.build_id(), "mtime_ns": 0})["refused"]
    assert _terrain(server_env, "server", "status", cwd=tmp_path).returncode == 1  # the stale server stopped
    own = _terrain(server_env, "viewshed", "48.0", "37.0", "--dem", str(dem), "--radius", "0.3",
                   "-o", str(tmp_path / "own.tif"), cwd=tmp_path)
    assert own.returncode == 0 and (tmp_path / "own.tif").exists()


def test_server_refuses_a_socket_directory_others_can_enter(tmp_path):
    folder = tmp_path / "open"
    folder.mkdir()
    folder.chmod(0o777)
    env = {**os.environ, launch.ENV_SOCKET: str(folder / "s.sock")}
    res = _terrain(env, "server", "start", cwd=tmp_path)
    assert res.returncode == 1 and "Traceback" not in res.stderr and "chmod 700" in res.stderr


def test_default_socket_lives_in_a_folder_of_its_own(monkeypatch, tmp_path):
    """The tile cache (~/.cache/terrain) may be open to others; the socket's folder must not be shared with it."""
    monkeypatch.delenv(launch.ENV_SOCKET, raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert launch.server_socket_path() == str(tmp_path / "terrain-server" / "server.sock")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    assert launch.server_socket_path() == str(tmp_path / "run" / "terrain-server" / "server.sock")
