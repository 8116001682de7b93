"""Fuzz: the CLI, invoked with seeded arguments and output paths, some of them failing.

A run must either exit 0 having written every output it was asked for (readable GeoTIFF, JSON,
GeoJSON, PNG), or exit non-zero with one ``Error:`` line (click's usage errors: exit 2) and
leave no output and no temporary file behind. Failing outputs: an empty name, a directory, a
parent that is a file, an unreachable folder, the same path twice, and a full disk (the file
size limit RLIMIT_FSIZE, which makes writes fail with EFBIG like a full disk does).
"""

from __future__ import annotations

import json
import resource
import signal
import sys
from contextlib import contextmanager

import numpy as np
import pytest
import rasterio
from affine import Affine
from click.testing import CliRunner
from fuzzkit import TALLY, Hang, watchdog
from synthetic import fractal_terrain

from terrain.cli.main import cli
from terrain.export import write_geotiff

SITE = (48.2828, 37.1828)
LAT_OK = ["48.2828", "48.29", "48.275"]
LON_OK = ["37.1828", "37.19", "37.175"]
BAD_COORD = ["91", "abc", "nan", "inf", "-200", "10", ""]  # "10": a valid number off the DEM
POOLS = {
    "height": (["2", "0", "30", "150.5"], ["-1", "nan", "1e6", "abc", "inf"]),
    "radius": (["0.5", "1", "2.5"], ["0", "-1", "nan", "20000", "1e308", "abc"]),
    "freq": (["2400", "2.4GHz", "5.8g", "433", "868 MHz", "5.8G"], ["2.4", "0.5", "abc", "200GHz", "-5", ""]),
    "fresnel": (["0.6", "1", "0.3"], ["0", "1.5", "-0.2", "nan"]),
    "refraction": (["0.13", "0", "-0.5"], ["1", "-20", "nan"]),
    "k": (["1.333", "1", "1e6"], ["0", "-1", "nan"]),
    "power": (["20", "-10", "40"], ["1e3", "nan", "-500"]),
    "method_vs": (["fast", "checked", "exact"], ["bogus"]),
    "extent": (["0", "0.5", "1.5"], ["-1", "nan", "5000"]),
    "stride": (["1", "2", "3"], ["0", "-2", "x"]),
}


@pytest.fixture(scope="module")
def dem_files(tmp_path_factory):
    """The same fractal terrain around Pokrovsk as a UTM and as a lat/lon GeoTIFF."""
    d = tmp_path_factory.mktemp("clidem")
    z = fractal_terrain(70, 70, seed=3, relief_m=150) + 100
    import pyproj

    x, y = pyproj.Transformer.from_crs(4326, 32637, always_xy=True).transform(SITE[1], SITE[0])
    utm = write_geotiff(d / "utm.tif", z, Affine(100, 0, x - 3500, 0, -100, y + 3500), "EPSG:32637")
    geo = write_geotiff(d / "geo.tif", z, Affine(1 / 900, 0, SITE[1] - 35 / 900, 0, -1 / 1200, SITE[0] + 35 / 1200),
                        "EPSG:4326")
    return [str(utm), str(geo)]


@contextmanager
def disk_full(limit_bytes: int):
    """Writes past ``limit_bytes`` fail with EFBIG (as on a full disk) until the block ends."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old)


class Case:
    """One CLI invocation being built: its arguments, whether it is invalid, and its output files."""

    def __init__(self, rng, p_bad):
        self.rng, self.p_bad = rng, p_bad
        self.args, self.bad, self.outputs, self.reasons = [], False, {}, []

    def value(self, pool):
        good, bad = POOLS[pool]
        if self.rng.random() < self.p_bad:
            self.bad = True
            v = bad[self.rng.integers(len(bad))]
            self.reasons.append(f"{pool}={v!r}")
            return v
        return good[self.rng.integers(len(good))]

    def opt(self, flag, pool, p=0.5):
        if self.rng.random() < p:
            self.args += [flag, self.value(pool)]

    def coord(self, i=0):
        if self.rng.random() < self.p_bad / 2:
            self.bad = True
            lat = BAD_COORD[self.rng.integers(len(BAD_COORD))]
            self.reasons.append(f"lat={lat!r}")
            return [lat, LON_OK[i % 3]]
        return [LAT_OK[(i + int(self.rng.integers(3))) % 3], LON_OK[(i + int(self.rng.integers(3))) % 3]]

    def output(self, flag, d, ext, kind):
        r = self.rng.random()
        path = str(d / f"out{flag.strip('-')}{ext}")
        if r < self.p_bad / 5:
            self.bad = True
            path = [
                "", str(d), str(d / "afile.txt" / f"x{ext}"), f"/proc/self/nope/x{ext}",
                self.outputs.get("-o", ("", ""))[0] or str(d),
            ][self.rng.integers(5)]
            self.reasons.append(f"{flag}={path!r}")
        self.args += [flag, path]
        self.outputs[flag] = (path, kind)


def _build(rng, d, dems, p_bad):
    c = Case(rng, p_bad)
    command = ["viewshed", "coverage", "jamming", "profile", "elevation", "visibility-map", "tiles", "highground"][
        rng.choice(8, p=[0.3, 0.2, 0.1, 0.12, 0.1, 0.1, 0.04, 0.04])]
    dem = dems[rng.integers(2)]
    png = rng.random() < 0.04
    if command == "viewshed":
        c.args = ["viewshed", *c.coord(), "--dem", dem]
        c.output("-o", d, ".tif", "tif")
        if rng.random() < 0.3:
            c.output("--mvh", d, ".tif", "tif")
        if rng.random() < 0.2:
            c.output("--geojson", d, ".geojson", "json")
        if png:
            c.output("--png", d, ".png", "png")
        c.opt("--height", "height")
        c.opt("--target-height", "height")
        c.opt("--radius", "radius", 0.8)
        c.opt("--refraction", "refraction", 0.3)
        c.opt("--method", "method_vs", 0.3)
    elif command == "coverage":
        c.args = ["coverage", *c.coord(), "--dem", dem, "--radius", "1.5"]
        c.output("-o", d, ".tif", "tif")
        if rng.random() < 0.3:
            c.output("--power-tif", d, ".tif", "tif")
        if png:
            c.output("--png", d, ".png", "png")
        for flag, pool in (("--tx-height", "height"), ("--rx-height", "height"), ("--freq", "freq"),
                           ("--fresnel", "fresnel"), ("--k", "k"), ("--eirp", "power"), ("--rx-gain", "power")):
            c.opt(flag, pool, 0.4)
    elif command == "jamming":
        j = c.coord(1)
        c.args = ["jamming", *c.coord(), "--dem", dem, "--radius", "1", "--jammer", ",".join(j)]
        c.output("-o", d, ".tif", "tif")
        for flag, pool in (("--drone-height", "height"), ("--freq", "freq"), ("--jammer-eirp", "power"),
                           ("--margin", "power")):
            c.opt(flag, pool, 0.3)
    elif command == "profile":
        a, b = c.coord(0), c.coord(1)
        c.args = ["profile", *a, *b, "--dem", dem]
        if a == b and not c.bad:
            c.bad = True
            c.reasons.append("same ends")
        if png:
            c.output("--png", d, ".png", "png")
        for flag, pool in (("--height1", "height"), ("--freq", "freq"), ("--fresnel", "fresnel"), ("--k", "k")):
            c.opt(flag, pool, 0.4)
    elif command == "elevation":
        c.args = ["elevation", *c.coord(), "--dem", dem]
    elif command == "visibility-map":
        c.args = ["visibility-map", *c.coord(), "--dem", dem]
        c.output("-o", d, ".tif", "tif")
        c.opt("--extent", "extent", 0.9)
        c.args += ["--radius", "1"] if rng.random() > p_bad / 3 else ["--radius", c.value("radius")]
        c.opt("--stride", "stride", 0.3)
    elif command == "tiles":  # only ways to fail fast: bad templates, timeouts, a closed port
        bad = [["--url-template", "http://127.0.0.1:1/{nope}.hgt"], ["--url-template", "not a url {name}"],
               ["--url-template", "http://[::1/{name}"], ["--timeout", "-1"], ["--timeout", "nan"],
               ["--retries", "-3"], ["--url-template", "http://127.0.0.1:1/{name}.hgt.gz", "--retries", "0"],
               ["--url-template", "ftp://127.0.0.1/{name}"], ["--url-template", "http://127.0.0.1:99999/{name}"]]
        c.args = ["tiles", "fetch", "N48E037", "--dest", str(d / "tiles"), "--quiet", *bad[rng.integers(len(bad))]]
        c.bad = True
        c.reasons.append("tiles")
    else:
        bad = [["--site", "abc"], ["--site", "91,37"], ["--site", "48"], ["--radius", "-5"], ["--samples", "0"],
               ["--radius", "nan"], ["--out", str(d / "afile.txt")]]
        c.args = ["highground", "--quiet", "--dem", str(d), "--out", str(d / "hg"), *bad[rng.integers(len(bad))]]
        c.bad = True
        c.reasons.append("highground")
    if rng.random() < 0.3 and command not in ("tiles", "highground"):
        c.args.append("--json")
    return command, c


def _check_outputs(c, result):
    for flag, (path, kind) in c.outputs.items():
        try:
            if kind == "tif":
                with rasterio.open(path) as ds:
                    ds.read(1)
            elif kind == "json":
                json.loads(open(path).read())
            elif open(path, "rb").read(8) != b"\x89PNG\r\n\x1a\n":
                return f"{flag} {path} is not a PNG"
        except Exception as exc:
            return f"{flag} {path} unreadable: {exc}"
    if "--json" in c.args:
        try:
            json.loads(result.stdout)
        except ValueError as exc:
            return f"--json printed no JSON: {exc}: {result.stdout[:200]!r}"
    return None


def _leftovers(d, before):
    return sorted({p.name for p in d.iterdir()} - before)


def test_cli_fuzz(tmp_path, dem_files, fuzz_scale, monkeypatch):
    """>= 400 seeded CLI runs (x --fuzz-scale): exit 0 with readable outputs, or one Error: line and nothing left."""
    rng = np.random.default_rng(31)
    runner = CliRunner()
    (tmp_path / "afile.txt").write_text("not a directory")
    n = 400 * fuzz_scale
    for i in range(n):
        d = tmp_path / f"run{i}"
        d.mkdir()
        (d / "afile.txt").write_text("x")
        command, c = _build(rng, d, dem_files, p_bad=0.0 if i < 8 else 0.45)
        full = i >= 8 and rng.random() < 0.06 and c.outputs and not c.bad
        no_dask = command == "visibility-map" and rng.random() < 0.1
        if no_dask:
            c.args += ["--workers", "2"]
            monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
        expect_error = c.bad or full or no_dask
        before = {p.name for p in d.iterdir()}
        kind = command + ("/disk-full" if full else "") + ("/no-dask" if no_dask else "")
        desc = " ".join(c.args) + (f" [{', '.join(c.reasons)}]" if c.reasons else "")
        try:
            with watchdog(60):
                if full:
                    with disk_full(300):
                        result = runner.invoke(cli, c.args)
                else:
                    result = runner.invoke(cli, c.args)
        except Hang:
            TALLY.add("cli", kind, "hang", desc)
            continue
        finally:
            if no_dask:
                monkeypatch.delitem(sys.modules, "distributed")
        _classify(c, result, expect_error, kind, desc, d, before)
    assert TALLY.bad("cli") == 0, "\n".join(f for f in TALLY.failures if f.startswith("cli/"))


def _classify(c, result, expect_error, kind, desc, d, before):
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        tb = "".join(traceback.format_exception(result.exception, limit=-3))
        return TALLY.add("cli", kind, "crash", f"{type(result.exception).__name__}: {result.exception}: {desc}\n{tb}")
    if result.exit_code == 0:
        if expect_error:
            return TALLY.add("cli", kind, "silent_wrong", f"exit 0: {desc}")
        problem = _check_outputs(c, result)
        return TALLY.add("cli", kind, "garbage" if problem else "correct", f"{problem}: {desc}")
    errors = [ln for ln in result.stderr.splitlines() if ln.strip() and not ln.startswith("Warning:")]
    left = [n for n in _leftovers(d, before) if n != "tiles"]
    if left:
        return TALLY.add("cli", kind, "garbage", f"left behind {left}: {desc}")
    if "Traceback" in result.output:
        return TALLY.add("cli", kind, "crash", f"traceback printed: {desc}")
    one_line = result.exit_code == 1 and len(errors) == 1 and errors[0].startswith("Error: ")
    usage = result.exit_code == 2 and any(ln.startswith("Error: ") for ln in errors)
    if not (one_line or usage):
        return TALLY.add("cli", kind, "garbage", f"exit {result.exit_code}, stderr {result.stderr[-300:]!r}: {desc}")
    if not expect_error:
        return TALLY.add("cli", kind, "garbage", f"valid run refused: {errors[-1]}: {desc}")
    return TALLY.add("cli", kind, "clean_error")
