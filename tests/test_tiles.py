"""terrain tiles fetch against a local HTTP server (no internet here)."""

import gzip
import http.server
import threading
import time

import numpy as np
import pytest
from click.testing import CliRunner

import terrain
from terrain import DownloadError, InvalidParameterError
from terrain.cli.main import cli
from terrain.tiles import fetch_tile, parse_tile_name, tile_name, tiles_for_bounds

GOOD = np.arange(1201 * 1201, dtype=np.int64).reshape(1201, 1201) % 300
GOOD_GZ = gzip.compress(GOOD.astype(">i2").tobytes())


class _Handler(http.server.BaseHTTPRequestHandler):
    hits: dict = {}  # noqa: RUF012

    def log_message(self, *args):
        pass

    def do_GET(self):
        name = self.path.rsplit("/", 1)[-1]
        _Handler.hits[name] = _Handler.hits.get(name, 0) + 1
        mode = self.path.split("/")[1]
        if mode == "good":
            self._send(GOOD_GZ)
        elif mode == "flaky" and _Handler.hits[name] == 1:
            self._send(GOOD_GZ[: len(GOOD_GZ) // 2], claimed=len(GOOD_GZ))
        elif mode == "flaky":
            self._send(GOOD_GZ)
        elif mode == "truncated":
            self._send(GOOD_GZ[: len(GOOD_GZ) // 2], claimed=len(GOOD_GZ))
        elif mode == "wrongsize":
            self._send(gzip.compress(b"\x00" * 1000))
        elif mode == "slow":
            time.sleep(2.0)
            self._send(GOOD_GZ)
        else:
            self.send_error(404)

    def _send(self, body, claimed=None):
        self.send_response(200)
        self.send_header("Content-Length", str(claimed or len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _no_partials(d):
    return [p.name for p in d.iterdir()] if d.exists() else []


def test_tile_names_round_trip():
    assert tile_name(48, 37) == "N48E037" and tile_name(-1, -70) == "S01W070"
    assert parse_tile_name("n48e037") == (48, 37)
    assert tiles_for_bounds(47.9, 36.9, 48.1, 37.1) == ["N47E036", "N47E037", "N48E036", "N48E037"]
    with pytest.raises(InvalidParameterError, match="N48E037"):
        parse_tile_name("X48E037")


def test_good_download_is_verified_and_used(server, tmp_path, monkeypatch):
    monkeypatch.setenv("TERRAIN_CACHE_DIR", str(tmp_path))
    path = fetch_tile("N48E037", url_template=server + "/good/{lat_dir}/{name}.hgt.gz", retries=0)
    assert path == tmp_path / "N48E037.hgt" and path.stat().st_size == 2 * 1201 * 1201
    assert _no_partials(tmp_path) == ["N48E037.hgt"]
    dem = terrain.load_dem(48.5, 37.5, 1000)
    assert dem.resolution == 'SRTM 3"' and dem.sources == (str(path),)


@pytest.mark.parametrize(("mode", "match"), [("truncated", "truncated"), ("wrongsize", "not an SRTM tile"),
                                             ("missing", "HTTP 404")])
def test_hostile_downloads_fail_clearly_and_leave_nothing(server, tmp_path, mode, match):
    with pytest.raises(DownloadError, match=match):
        fetch_tile("N48E037", url_template=server + f"/{mode}/{{name}}.hgt.gz", dest_dir=tmp_path,
                   retries=1, backoff_s=0.01)
    assert _no_partials(tmp_path) == []


def test_404_is_not_retried_but_truncation_is(server, tmp_path):
    _Handler.hits.clear()
    with pytest.raises(DownloadError):
        fetch_tile("N10E010", url_template=server + "/missing/{name}.hgt.gz", dest_dir=tmp_path, retries=3,
                   backoff_s=0.01)
    assert _Handler.hits["N10E010.hgt.gz"] == 1
    path = fetch_tile("N11E010", url_template=server + "/flaky/{name}.hgt.gz", dest_dir=tmp_path, retries=2,
                      backoff_s=0.01)
    assert _Handler.hits["N11E010.hgt.gz"] == 2 and path.stat().st_size == 2 * 1201 * 1201


def test_slow_server_times_out(server, tmp_path):
    with pytest.raises(DownloadError, match="N48E037"):
        fetch_tile("N48E037", url_template=server + "/slow/{name}.hgt.gz", dest_dir=tmp_path, retries=0,
                   timeout_s=0.3)
    assert _no_partials(tmp_path) == []


def test_interrupted_write_leaves_no_partial(tmp_path, monkeypatch):
    from terrain import tiles

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(tiles.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        tiles._atomic_write(tmp_path / "N48E037.hgt", b"x" * 100)
    assert _no_partials(tmp_path) == []


def test_cli_fetch_and_list(server, tmp_path, monkeypatch):
    monkeypatch.setenv("TERRAIN_CACHE_DIR", str(tmp_path))
    runner = CliRunner()
    res = runner.invoke(cli, ["tiles", "fetch", "N48E037", "--url-template", server + "/good/{name}.hgt.gz",
                              "--quiet"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["tiles", "list", "--json"])
    assert res.exit_code == 0
    import json

    listed = json.loads(res.output)
    origins = {(t["name"], t["origin"], t["arcsec"]) for t in listed["tiles"]}
    assert ("N48E037", "cache", 3.0) in origins and ("N48E037", "embedded", 30.0) in origins
    res = runner.invoke(cli, ["tiles", "fetch", "N01E001", "--url-template", server + "/missing/{name}.hgt.gz",
                              "--retries", "0"])
    assert res.exit_code == 1
    assert res.output.strip().count("\n") == 0 and "HTTP 404" in res.output
