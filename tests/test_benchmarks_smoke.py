"""The benchmark suite runs (quick, peers hidden) and writes its results; no timing is asserted."""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not (ROOT / "benchmarks" / "__main__.py").exists(), reason="needs the source tree")
def test_quick_suite_runs_with_peers_skipped(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # hide gdal_viewshed & co: they must be reported as skipped
    monkeypatch.syspath_prepend(str(ROOT))
    from benchmarks.__main__ import main

    assert main(["--quick", "--only", "real", "floor", "--out", str(tmp_path), "--no-report"]) == 0
    result = json.loads(next(tmp_path.glob("*.json")).read_text())
    real = result["workloads"]["real"]
    assert "skipped" in real["gdal_viewshed"]
    assert real["ours_fast"]["agreement_with_exact"] >= 0.995
    from benchmarks import report

    report.write_results_md(tmp_path, tmp_path / "RESULTS.md")
    assert "skipped" in (tmp_path / "RESULTS.md").read_text() or "not installed" in (tmp_path / "RESULTS.md").read_text()
    del sys.modules["benchmarks.__main__"]
