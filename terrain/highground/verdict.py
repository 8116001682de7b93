"""Verdicts: what the numbers support, with the data's own uncertainty attached. No new numbers here.

A question's answer is **robust** when the site is in the top quartile of all sample sites, stays there
in at least ROBUST_PROBABILITY of the DEM-error runs (the data's own vertical error), and still is on
the DEM coarsened by the mildest factor tried (x2 on DTED0; the coarser factors are reported beside it); **fragile** when it is in the top quartile but one of those fails; and
**not supported** when it is not in the top quartile at all.
"""

from __future__ import annotations

#: Fraction of DEM-error runs in which the site must stay in the top quartile for a robust answer.
ROBUST_PROBABILITY = 0.8
TOP_QUARTILE = 75.0

QUESTIONS = ("is_it_high", "does_it_see_more", "do_signals_travel_further", "is_it_harder_to_jam")


def headline_keys(cfg) -> dict:
    """The metric that answers each question (the jamming one: the uplink; the downlink is set beside it)."""
    h_view = 10.0 if 10.0 in cfg.observer_heights_m else cfg.observer_heights_m[0]
    h_drone = 100.0 if 100.0 in cfg.drone_heights_m else cfg.drone_heights_m[0]
    return {
        "is_it_high": f"tpi_{cfg.lowland_tpi_radius_m / 1000:g}km_m",
        "does_it_see_more": f"viewshed_{h_view:g}m_{max(cfg.view_radii_m) / 1000:g}km_km2",
        "do_signals_travel_further": f"radio_los_{h_drone:g}m_km2",
        "is_it_harder_to_jam": f"jam_uplink_area_{cfg.jam_drone_height_m:g}m_km2",
    }


def _coarsened(sensitivity: dict) -> list:
    """The coarsening cases of the sensitivity runs, mildest first."""
    return sorted((k for k in sensitivity if k.startswith("resolution_x")), key=lambda k: int(k.split("x")[1]))


def _robustness(p_all, p_top, p_coarse) -> str:
    if p_all is None or p_all < TOP_QUARTILE:
        return "not supported"
    if p_top is not None and p_top < ROBUST_PROBABILITY:
        return "fragile"
    if p_coarse is not None and p_coarse < TOP_QUARTILE:
        return "fragile"
    return "robust"


def verdicts(res: dict, cfg) -> dict:
    """Per question: the comparison numbers, the DEM-error and resolution checks, and a robustness word;
    plus the jamming directions side by side and one bottom-line sentence."""
    comp = res["comparisons"]
    name = cfg.name
    mc = res["monte_carlo"]["main"]
    coarse_keys = _coarsened(res["sensitivity"])
    out = {}
    for q, key in headline_keys(cfg).items():
        c = comp[key][name]
        entry = {"metric": key, **{k: c[k] for k in (
            "value", "percentile_all", "percentile_lowland", "ratio_to_lowland_median", "ratio_ci95",
            "difference_from_lowland_median", "difference_ci95", "verdict")}}
        entry["dem_error"] = ({"p_top_quartile": mc["p_top_quartile"][key], "percentile_ci95": mc["percentile_ci95"][key],
                               "rmse_m": res["monte_carlo"]["rmse_m"]} if key in mc["p_top_quartile"] else None)
        entry["coarse"] = [{"case": ck, "factor": int(ck.split("x")[1]), "resolution": res["sensitivity"][ck]["resolution"],
                            "percentile_all": res["sensitivity"][ck][key]["percentile_all"]}
                           for ck in coarse_keys if key in res["sensitivity"][ck]] or None
        entry["robustness"] = _robustness(c["percentile_all"], (entry["dem_error"] or {}).get("p_top_quartile"),
                                          entry["coarse"][0]["percentile_all"] if entry["coarse"] else None)
        out[q] = entry
    h = f"{cfg.jam_drone_height_m:g}m"
    down = comp[f"jam_downlink_area_{h}_km2"][name]
    station = comp["jam_at_station_dbm"][name]
    up = out["is_it_harder_to_jam"]
    out["is_it_harder_to_jam"]["downlink"] = {
        "metric": f"jam_downlink_area_{h}_km2", "value": down["value"], "percentile_all": down["percentile_all"],
        "verdict": down["verdict"]}
    out["is_it_harder_to_jam"]["jamming_at_station"] = {
        "metric": "jam_at_station_dbm", "value": station["value"], "percentile_all": station["percentile_all"],
        "difference_from_lowland_median_db": station["difference_from_lowland_median"],
        "difference_ci95_db": station["difference_ci95"]}
    spread = {}
    for case, ranks in res["sensitivity"].items():
        if case.startswith(("jamming_", "jammer_", "airborne_", "processing_")):
            for direction in ("uplink", "downlink"):
                r = ranks.get(f"jam_{direction}_area_{h}_km2")
                if isinstance(r, dict):
                    spread.setdefault(direction, []).append(r["percentile_all"])
    up["sensitivity_percentile_range"] = {d: [min(v), max(v)] for d, v in spread.items()}
    up_ok, down_ok = up["percentile_all"] >= TOP_QUARTILE, down["percentile_all"] >= TOP_QUARTILE
    up["both_directions"] = ("harder to jam both ways" if up_ok and down_ok else
                             "harder to jam on the uplink only: its station also hears the jammers better" if up_ok else
                             "harder to jam on the downlink only" if down_ok else "not harder to jam either way")
    if up_ok and not down_ok:
        up["robustness"] = "not supported (mixed)"
    out["bottom_line"] = bottom_line(res, cfg, out)
    return out


def bottom_line(res: dict, cfg, v: dict) -> str:
    """One sentence a journalist can quote, built from the robustness words and the data's limits."""
    data = res["data"]
    err = res["monte_carlo"]
    name = cfg.name
    robust = [q for q in QUESTIONS[:3] if v[q]["robustness"] == "robust"]
    fragile = [q for q in QUESTIONS[:3] if v[q]["robustness"] == "fragile"]
    words = {"is_it_high": "stands higher", "does_it_see_more": "sees farther",
             "do_signals_travel_further": "has longer radio line of sight to drones"}
    def listed(qs):
        w = [words[q] for q in qs]
        return w[0] if len(w) == 1 else ", ".join(w[:-1]) + " and " + w[-1]

    parts = []
    if robust:
        parts.append(f"{name} {listed(robust)} than three quarters of the surrounding "
                     f"{cfg.radius_m / 1000:g} km, and that survives the data's own error")
    if fragile:
        p_top = [v[q]["dem_error"]["p_top_quartile"] for q in fragile if v[q]["dem_error"]]
        worst = min((c for q in fragile for c in (v[q]["coarse"] or [])), key=lambda c: c["percentile_all"],
                    default=None)
        why = []
        if p_top:
            share = (f"{100 * min(p_top):.0f} %" if min(p_top) == max(p_top) else
                     f"{100 * min(p_top):.0f}-{100 * max(p_top):.0f} %")
            why.append(f"it stays in the top quartile in only {share} of runs with the data's own error "
                       f"(±{err['le90_m']:.0f} m at 90 %)")
        if worst is not None and worst["percentile_all"] < 75:
            why.append(f"on cells coarsened x{worst['factor']} one of them falls to the "
                       f"{worst['percentile_all']:.0f}th percentile")
        parts.append(("it " if robust else f"{name} ") + listed(fragile) + " than three quarters of the region on "
                     "this DEM, but not robustly: " + " and ".join(why or ["a check fails"]))
    if not robust and not fragile:
        parts.append(f"{name} does not rank in the top quarter of the surrounding {cfg.radius_m / 1000:g} km "
                     "for height, view or radio reach")
    jam = v["is_it_harder_to_jam"]["both_directions"]
    station = v["is_it_harder_to_jam"]["jamming_at_station"]
    diff = station["difference_from_lowland_median_db"]
    parts.append(f"on jamming it is {jam}" + (f" ({diff:+.0f} dB of jamming at the station against the "
                                              "lowland median)" if diff is not None else ""))
    cell = max(data["cell_size_m"])
    size = f"{cell / 1000:.1f} km" if cell >= 500 else f"{cell:.0f} m"
    return ("Bottom line: on " + data["resolution"] + f" data (~{size} cells), "
            + "; ".join(parts) + ". The claim is "
            + ("supported" if len(robust) == 3 else "partly supported" if robust else
               "plausible but not established" if fragile else "not supported") + " by these data.")
