"""Fuzz: tile downloads from a faulty mirror on 127.0.0.1.

The mirror answers each request in one of many ways (good gzip/zip/raw/two-member gzip; 404,
500, flaky; truncated, cut mid-chunk, bad status line, empty, corrupt, all zeros, another tile,
a gzip bomb, a huge Content-Length, a 1-byte drip, slow headers, an HTML page, a redirect loop).
``fetch_tile`` must return the exact tile or raise DownloadError within its deadline, leave no
partial file, clean stale partials of dead processes and re-fetch a truncated cached tile.
"""

from __future__ import annotations

import gzip
import http.server
import io
import threading
import time
import zipfile

import numpy as np
import pytest
from fuzzkit import TALLY, Refuted, run_case
from synthetic import fractal_terrain

from terrain.tiles import fetch_tile

RAW = np.round(fractal_terrain(1201, 1201, seed=8, relief_m=200)).astype(">i2").tobytes()
GZ = gzip.compress(RAW, compresslevel=1)


def _zip(member, data=RAW):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr(member, data)
    return buf.getvalue()


BODIES = {
    "good": GZ, "good_zip": _zip("N48E037.hgt"), "good_raw": RAW,
    "good_two_members": gzip.compress(RAW[:1000], compresslevel=1) + gzip.compress(RAW[1000:], compresslevel=1),
    "zeros": gzip.compress(b"\0" * len(RAW)), "wrong_member": _zip("N10E010.hgt"),
    "bomb": gzip.compress(b"\0" * (60 << 20), compresslevel=9), "wrong_size": gzip.compress(b"\1" * 1000),
    "html": b"<html><body>Please log in to the Wi-Fi</body></html>", "empty": b"",
}
GOOD = {"good", "good_zip", "good_raw", "good_two_members", "flaky"}
MODES = [*BODIES, "corrupt", "missing", "error500", "flaky", "truncated", "chunked_cut", "bad_status",
         "garbage_status", "huge_length", "drip", "slow_headers", "redirect_loop"]


class _Mirror(http.server.BaseHTTPRequestHandler):
    hits: dict = {}  # noqa: RUF012
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def do_GET(self):
        _, mode, case, _ = self.path.split("/", 3)
        with _Mirror.lock:
            _Mirror.hits[case] = _Mirror.hits.get(case, 0) + 1
            hit = _Mirror.hits[case]
        try:
            self._answer(mode, hit)
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            pass

    def _answer(self, mode, hit):
        if mode in BODIES:
            return self._send(BODIES[mode])
        if mode == "corrupt":
            body = bytearray(GZ)
            body[len(body) // 2] ^= 0x5A
            return self._send(bytes(body))
        if mode == "missing":
            return self.send_error(404)
        if mode == "error500" or (mode == "flaky" and hit == 1):
            return self.send_error(500)
        if mode == "flaky":
            return self._send(GZ)
        if mode == "truncated":
            return self._send(GZ[: len(GZ) // 3], claimed=len(GZ))
        if mode == "chunked_cut":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"%x\r\n" % 100000 + GZ[:5000])
            self.wfile.flush()
            self.close_connection = True
            return None
        if mode in ("bad_status", "garbage_status"):
            self.wfile.write(b"HTTP/1.1 abc\r\n\r\n" if mode == "bad_status" else b"\x00\xff garbage\r\n\r\n")
            self.close_connection = True
            return None
        if mode == "huge_length":
            return self._send(b"x" * 100, claimed=10**10)
        if mode == "drip":
            self.send_response(200)
            self.send_header("Content-Length", str(len(GZ)))
            self.end_headers()
            for i in range(40):
                self.wfile.write(GZ[i:i + 1])
                self.wfile.flush()
                time.sleep(0.1)
            return None
        if mode == "slow_headers":
            time.sleep(1.5)
            return self._send(GZ)
        if mode == "redirect_loop":
            self.send_response(302)
            self.send_header("Location", self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return self.send_error(400)

    def _send(self, body, claimed=None):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body) if claimed is None else claimed))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def mirror():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Mirror)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_mirror_fuzz(mirror, tmp_path, fuzz_scale):
    """>= 150 downloads from the faulty mirror (x --fuzz-scale): the exact tile or a DownloadError, in time."""
    rng = np.random.default_rng(37)
    n = 150 * fuzz_scale
    slow = {"drip", "slow_headers"}
    for i in range(n):
        mode = MODES[i % len(MODES)] if i < len(MODES) else MODES[rng.integers(len(MODES))]
        if mode in slow and i >= len(MODES) and rng.random() < 0.7:
            mode = "good"  # the slow modes cost seconds each: keep a few of them
        d = tmp_path / f"m{i}"
        d.mkdir()
        stale = d / f".N48E037.hgt.{4_000_000 + i}.x1y2.part"  # pid beyond pid_max: its writer is dead
        stale.write_bytes(b"half a tile")
        cached_bad = rng.random() < 0.15
        if cached_bad:
            (d / "N48E037.hgt").write_bytes(RAW[: int(rng.integers(1, len(RAW) - 1))])
        retries = int(rng.integers(0, 3))
        timeout_s, deadline_s = 0.5, 1.5
        url = f"{mirror}/{mode}/c{i}/{{name}}.hgt.gz"
        expect_error = mode not in GOOD or (mode == "flaky" and retries == 0)

        def check(path, mode=mode):
            if path.read_bytes() != RAW:
                raise Refuted(f"{mode}: the cached tile differs from the one served")

        t0 = time.monotonic()
        run_case("mirror", mode, expect_error,
                 lambda url=url, d=d, retries=retries, t=timeout_s, dl=deadline_s: fetch_tile(
                     "N48E037", url_template=url, dest_dir=d, retries=retries, backoff_s=0.01, timeout_s=t,
                     deadline_s=dl),
                 check, bound_s=15, desc=f"{mode} retries={retries} cached_bad={cached_bad}")
        took = time.monotonic() - t0
        left = sorted(p.name for p in d.iterdir() if p.name.endswith(".part"))
        if left:
            TALLY.add("mirror", mode, "garbage", f"partial files left: {left}")
        if took > deadline_s + timeout_s + 1.0:
            TALLY.add("mirror", mode, "hang", f"took {took:.1f} s, deadline {deadline_s} s")
    assert TALLY.bad("mirror") == 0, "\n".join(f for f in TALLY.failures if f.startswith("mirror/"))
