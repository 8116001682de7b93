"""Ranks, ratios and bootstrap confidence intervals (seeded, reproducible)."""

from __future__ import annotations

import numpy as np


def percentile_of(value: float, sample) -> float:
    """Percentage of the sample strictly below value, plus half of the ties (mid-rank), in [0, 100]."""
    s = np.asarray(sample, dtype=np.float64)
    s = s[np.isfinite(s)]
    if s.size == 0 or not np.isfinite(value):
        return float("nan")
    return float(100.0 * ((s < value).sum() + 0.5 * (s == value).sum()) / s.size)


def compare(value: float, all_sites, lowland, *, seed: int, n_boot: int = 2000) -> dict:
    """Percentiles among all and lowland sites, ratio to (where the median is > 0) and difference from
    the lowland median, with bootstrap 95 % CIs (resampling the lowland sites)."""
    all_sites = np.asarray(all_sites, dtype=np.float64)
    lowland = np.asarray(lowland, dtype=np.float64)
    all_sites = all_sites[np.isfinite(all_sites)]
    lowland = lowland[np.isfinite(lowland)]
    med = float(np.median(lowland)) if lowland.size else float("nan")
    rng = np.random.default_rng(seed)
    meds, pcts = [], []
    for _ in range(n_boot if lowland.size else 0):
        b = lowland[rng.integers(0, lowland.size, lowland.size)]
        meds.append(np.median(b))
        pcts.append(percentile_of(value, b))
    meds = np.asarray(meds)
    use_ratio = lowland.size > 0 and med > 0 and bool(np.all(meds > 0))
    def ci(x):
        return [float(np.percentile(x, 2.5)), float(np.percentile(x, 97.5))] if len(x) else None
    return {
        "value": float(value),
        "percentile_all": percentile_of(value, all_sites),
        "percentile_lowland": percentile_of(value, lowland),
        "percentile_lowland_ci95": ci(pcts),
        "lowland_median": med,
        "all_median": float(np.median(all_sites)) if all_sites.size else float("nan"),
        "ratio_to_lowland_median": value / med if use_ratio else None,
        "ratio_ci95": ci(value / meds) if use_ratio else None,
        "difference_from_lowland_median": value - med,
        "difference_ci95": ci(value - meds),
        "n_all": int(all_sites.size),
        "n_lowland": int(lowland.size),
    }


def verdict(c: dict) -> str:
    """Plain words for one comparison, from the percentile among all sites and the CI against the lowlands."""
    if c.get("ratio_ci95"):
        above_lowland = c["ratio_ci95"][0] > 1.0
        below_lowland = c["ratio_ci95"][1] < 1.0
    elif c.get("difference_ci95"):
        above_lowland = c["difference_ci95"][0] > 0.0
        below_lowland = c["difference_ci95"][1] < 0.0
    else:
        return "not comparable"
    p = c["percentile_all"]
    if above_lowland and p >= 75:
        return "clearly more than typical"
    if above_lowland:
        return "more than the lowland median, not exceptional"
    if below_lowland:
        return "less than the lowland median"
    return "not distinguishable from the lowland median"
