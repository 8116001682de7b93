"""The study's report: blocks of text, tables and figures built only from the results dict."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import plot
from ..export import write_json
from ..jamming import jamming_margin
from ..radio import MODEL, coverage
from ..report import write_report
from ..viewshed import viewshed
from .verdict import ROBUST_PROBABILITY

LABELS = {
    "elevation_m": "elevation (m)",
    "relief_5km_m": "relative relief within 5 km (m)",
}


def fmt(v, nd=1) -> str:
    """A number as the report prints it (the same rounding everywhere)."""
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "n/a"
    return f"{v:,.{nd}f}"


def ordinal(p) -> str:
    """A percentile as printed: 'the 83rd' style, from the same rounding as fmt(p, 0)."""
    if p is None or not np.isfinite(p):
        return "n/a"
    n = int(fmt(p, 0).replace(",", ""))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def label(key: str) -> str:
    if key in LABELS:
        return LABELS[key]
    parts = key.split("_")
    if key.startswith("tpi_"):
        return f"topographic position index, {parts[1]} (m)"
    if key.startswith("viewshed_"):
        return f"visible area, observer {parts[1]}, within {parts[2]} (km²)"
    if key.startswith("radio_los_"):
        return f"radio LOS area to a drone at {parts[2]} (km²)"
    if key.startswith("radio_fresnel_"):
        return f"60% Fresnel-clear area, drone at {parts[2]} (km²)"
    if key.startswith("radio_median_range_"):
        return f"median per-azimuth LOS range, drone at {parts[3]} (km)"
    if key.startswith(("jam_uplink_area_", "jam_downlink_area_", "jam_both_area_")):
        what = {"uplink": "the control uplink (station -> drone) beats one jammer",
                "downlink": "the video downlink (drone -> station) beats one jammer",
                "both": "both directions beat one jammer"}[parts[1]]
        return f"area where {what}, drone at {parts[3]} (km², mean over the ring)"
    if key == "jam_at_station_dbm":
        return "jamming power received at the ground station (dBm, mean over the ring)"
    if key.startswith("high_point_"):
        return f"town high point ({parts[2]}) {' '.join(parts[3:-1])} (m)"
    return key


def _ci(c) -> str:
    """'ratio x [lo, hi]' where a ratio is meaningful, else 'difference +d [lo, hi]' (same units as the metric)."""
    ci = c.get("ratio_ci95")
    if ci:
        return f"{fmt(c['ratio_to_lowland_median'], 2)}x [{fmt(ci[0], 2)}, {fmt(ci[1], 2)}]"
    ci = c.get("difference_ci95")
    if ci:
        return f"{c['difference_from_lowland_median']:+,.1f} [{ci[0]:+,.1f}, {ci[1]:+,.1f}]"
    return "n/a"


def _ci_pair(ci) -> str:
    return f"95% CI {ci[0]:+.1f} to {ci[1]:+.1f} dB" if ci else "no CI"


def _checks(entry, mc) -> str:
    """The DEM-error and resolution checks of one verdict, in words."""
    parts = []
    if entry.get("dem_error"):
        e = entry["dem_error"]
        lo, hi = e["percentile_ci95"]
        parts.append(f"Under the data's own error ({fmt(e['rmse_m'])} m RMSE, {fmt(mc['correlation_m'] / 1000, 0)} km "
                     f"correlation) it stays in the top quartile in {fmt(100 * e['p_top_quartile'], 0)}% of runs "
                     f"(percentile {fmt(lo, 0)}-{fmt(hi, 0)})")
    if entry.get("coarse"):
        parts.append("on cells coarsened " + ", ".join(f"x{c['factor']} the {ordinal(c['percentile_all'])}"
                                                       for c in entry["coarse"]) + " percentile (sensitivity sites)")
    return ("; ".join(parts) + f". **{entry['robustness'].capitalize()}.**") if parts else ""


def _table(res, keys, who):
    rows = []
    for k in keys:
        c = res["comparisons"][k][who]
        rows.append([label(k), fmt(c["value"]), fmt(c["lowland_median"]), fmt(c["all_median"]),
                     fmt(c["percentile_all"], 0), fmt(c["percentile_lowland"], 0), _ci(c), c["verdict"]])
    return ("table", ["metric", "site", "lowland median", "all median", "percentile (all)", "percentile (lowland)",
                      "vs lowland median: ratio or difference [95% CI]", "reading"], rows)


def build_blocks(res: dict, figs: dict) -> list:
    cfg = res["config"]
    name = cfg["name"]
    v = res["verdict"]
    data = res["data"]
    mc_all = res["monte_carlo"]
    mc = mc_all["main"]
    coarse = "coarse data" in data["note"]
    blocks = [("h1", res["title"]),
              ("p", f"**Resolution: {data['resolution']}, cells {fmt(data['cell_size_m'][0], 0)} m E-W x "
                    f"{fmt(data['cell_size_m'][1], 0)} m N-S.** " + data["note"] + "."
                    + (" Every area below is an area of ~0.6 km² cells: small-scale cover (buildings, trees, "
                       "balkas, spoil heaps) is invisible to this analysis." if coarse else ""))]
    if res.get("quick"):
        blocks.append(("p", "**Quick run** (`--quick`): fewer comparison sites, jammers and DEM-error runs than the "
                            "full study; its percentiles are coarser. Run `terrain highground` for the full study."))
    high, see, radio, jam = (v["is_it_high"], v["does_it_see_more"], v["do_signals_travel_further"],
                             v["is_it_harder_to_jam"])
    blocks += [("h2", "Verdict"), ("p", "**" + v["bottom_line"] + "**"), ("ul", [
        f"**Is it high?** {name}'s topographic position index at {cfg['lowland_tpi_radius_m'] / 1000:g} km is "
        f"{fmt(high['value'])} m: the {ordinal(high['percentile_all'])} percentile of {res['sites']['n_sample']} "
        f"sites within {cfg['radius_m'] / 1000:g} km ({high['verdict']}). " + _checks(high, mc),
        f"**Does it see more?** From a {see['metric'].split('_')[1]} mast it sees {fmt(see['value'])} km² within "
        f"{see['metric'].split('_')[2]}: {_ci(see)} against the lowland median (95% CI), "
        f"{ordinal(see['percentile_all'])} percentile of all sites ({see['verdict']}). " + _checks(see, mc),
        f"**Do signals travel further?** A {cfg['tx_height_m']:g} m ground station has radio line of sight to a "
        f"drone at {radio['metric'].split('_')[2]} over {fmt(radio['value'])} km² of the "
        f"{cfg['radio_radius_m'] / 1000:g} km disc: {_ci(radio)} against the lowland median (95% CI), "
        f"{ordinal(radio['percentile_all'])} percentile ({radio['verdict']}). " + _checks(radio, mc),
        f"**Is it harder to jam?** Against one {cfg['jam_jammer'][1]:g} dBm jammer {cfg['jam_jammer'][0]:g} m up, "
        f"{cfg['jam_ring'][1] / 1000:g} km away (mean over {cfg['jam_ring'][0]} bearings), processing gain "
        f"{cfg['jam_processing_gain_db']:g} dB: the control uplink ({cfg['jam_control'][1]:g} dBm station -> drone "
        f"at {cfg['jam_drone_height_m']:g} m) holds over {fmt(jam['value'])} km² ({ordinal(jam['percentile_all'])} "
        f"percentile, {jam['verdict']}); the video downlink ({cfg['jam_drone_eirp_dbm']:g} dBm drone -> station) "
        f"over {fmt(jam['downlink']['value'])} km² ({ordinal(jam['downlink']['percentile_all'])} percentile). The "
        f"station receives {fmt(jam['jamming_at_station']['value'])} dBm of jamming, "
        f"{jam['jamming_at_station']['difference_from_lowland_median_db']:+.1f} dB against the lowland median "
        f"({_ci_pair(jam['jamming_at_station']['difference_ci95_db'])}): {jam['both_directions']}. Not tested "
        "under DEM error (too costly). Over the sensitivity cases (other jammer powers, an airborne jammer, a "
        "processing gain; fewer sites and jammers) the percentiles range "
        + "; ".join(f"{d} {fmt(lo, 0)}-{fmt(hi, 0)}" for d, (lo, hi) in jam["sensitivity_percentile_range"].items())
        + ": the jamming ranking is the least stable of the four.",
    ]), ("p", "**How to read this.** The percentile among *all* sample sites is the fair test of the claim: "
              "lowland sites are lower by definition, so beating their median is expected of any site above "
              "the local mean. An answer is *robust* when the site is in the top quartile of all sites, stays there "
              f"in at least {ROBUST_PROBABILITY:.0%} of the DEM-error runs (the data's own published vertical error) "
              "and still is on the DEM coarsened x2; *fragile* when it is in the top quartile but one of those "
              "checks fails. The article's wording (\"a nation of lowlands\") is not tested here: the "
              "comparison is with the region around the site.")]
    ground = data["site_ground"]
    if "quoted_m" in ground:
        blocks.append(("p", f"**Site elevation.** The DEM post at the centre reads {fmt(ground['post_m'], 0)} m "
                            f"(its eight neighbours {fmt(ground['neighbours_min_m'], 0)}-"
                            f"{fmt(ground['neighbours_max_m'], 0)} m); {name} is usually quoted at "
                            f"~{fmt(ground['quoted_m'], 0)} m. A post stands for a cell of "
                            f"{fmt(ground['cell_m'][0], 0)} x {fmt(ground['cell_m'][1], 0)} m, whose high and low "
                            "ground differ by tens of metres, and the data's own vertical error is "
                            f"±{fmt(data['vertical_error']['le90_m'], 0)} m at 90 %: the "
                            f"{fmt(ground['post_m'] - ground['quoted_m'], 0)} m difference is within both."))
    blocks += [("h2", "Method"), ("ul", [
        f"Site: {name}, centre {cfg['lat']:.4f} N {cfg['lon']:.4f} E; its high point: "
        + res["rules"]["town_high_point"] + f" ({res['sites']['target_high_point']['lat']:.4f} N "
        f"{res['sites']['target_high_point']['lon']:.4f} E).",
        "Comparison sites: " + res["rules"]["sample"] + ". Lowland: " + res["rules"]["lowland"]
        + f" ({res['sites']['n_lowland']} of {res['sites']['n_sample']}).",
        "Statistics: " + res["rules"]["percentile"] + "; " + res["rules"]["ci"] + ".",
        f"Viewsheds: observer {', '.join(f'{h:g}' for h in cfg['observer_heights_m'])} m, target "
        f"{cfg['target_height_m']:g} m above ground, refraction k = {cfg['refraction']:.4f} (light), earth curvature "
        "on; per-site areas by terrain.visible_areas_by_radius, method \"" + res["rules"].get(
            "viewshed_method", "checked") + "\" (one viewshed per site and height to the largest radius; "
        "\"checked\" is R3's visibility, cell for cell, \"fast\" `terrain viewshed`'s default, within 0.05 % of "
        "its areas, benchmarks workload study); the total-visibility map by method \"" + res["total_visibility"].get("method", "checked") + "\""
        + (f" on every {res['total_visibility']['stride']}th cell" if res["total_visibility"].get("stride", 1) > 1
           else "") + ".",
        f"Radio: ground station {cfg['tx_height_m']:g} m, drones {', '.join(f'{h:g}' for h in cfg['drone_heights_m'])}"
        f" m, {cfg['freq_mhz']:g} MHz, K = {cfg['k_factor']:.4g}, {cfg['fresnel']:.0%} Fresnel clearance, radius "
        f"{cfg['radio_radius_m'] / 1000:g} km (terrain.coverage)."
        + ("" if data.get("path_metrics_resolution", data["resolution"]) == data["resolution"] else
           " Line of sight on the data's own cells; the Fresnel-clear area from a lattice of every "
           f"{data['fresnel_lattice_stride']}th cell, each path walked on the data's own cells "
           "(terrain.radio.fresnel_clear_area); the path-loss maps behind the jamming figures on "
           + data["path_metrics_resolution"] + " (the data block-averaged: such maps walk a whole profile for "
           "every cell)."),
        f"Jamming: control station {cfg['jam_control'][0]:g} m / {cfg['jam_control'][1]:g} dBm (uplink); drone "
        f"transmitter {cfg['jam_drone_eirp_dbm']:g} dBm (downlink); jammers {cfg['jam_jammer'][0]:g} m / "
        f"{cfg['jam_jammer'][1]:g} dBm on a ring of {cfg['jam_ring'][0]} at {cfg['jam_ring'][1] / 1000:g} km, one "
        f"at a time; processing gain {cfg['jam_processing_gain_db']:g} dB; S/J >= 0 dB; link area within "
        f"{cfg['jam_radius_m'] / 1000:g} km. Uplink: S/J at the drone (jammer -> drone); downlink: S/J at the "
        "station (jammer -> station, one path per jammer). Evaluated for "
        f"{cfg['jam_sites']} sample sites.",
        "Propagation: " + MODEL + "; isotropic antennas.",
        f"Runtime {fmt(res['runtime_s'], 0)} s ("
        + ", ".join(f"{k} {v:.0f} s" for k, v in res.get("stage_times_s", {}).items()) + "); data: " + "; ".join(data["provenance"]["sources"]) + "; "
        f"terrain {res['provenance']['version']}" + (f", commit {res['provenance']['commit'][:12]}"
                                                     if res["provenance"]["commit"] else "")
        + f", run {res['provenance']['date_utc']}.",
    ])]
    comp = res["comparisons"]
    groups = [("1. Is it high?", [k for k in comp if k.startswith(("elevation", "tpi", "relief", "high_point"))]),
              ("2. Does it see more?", [k for k in comp if k.startswith("viewshed")]),
              ("3. Do signals travel further?", [k for k in comp if k.startswith("radio")]),
              ("4. Is it harder to jam?", [k for k in comp if k.startswith("jam")])]
    for title, keys in groups:
        blocks += [("h2", title), _table(res, keys, name)]
    towns = [t["name"] for t in res["sites"]["towns"]]
    if towns:
        show = [v["is_it_high"]["metric"], v["does_it_see_more"]["metric"], v["do_signals_travel_further"]["metric"],
                v["is_it_harder_to_jam"]["metric"]]
        rows = [[w] + [f"{fmt(comp[k][w]['value'])} ({fmt(comp[k][w]['percentile_all'], 0)})" for k in show]
                for w in [name, *towns]]
        blocks += [("h2", "Named towns (value, percentile among all sites)"), ("table", ["site"] + [label(k) for k in show], rows)]
    sens = res["sensitivity"]
    rows = []
    for case, ranks in sens.items():
        if not isinstance(ranks, dict) or case == "sites":
            continue
        for k, r in ranks.items():
            if isinstance(r, dict):
                rows.append([case + (f" ({ranks['resolution']})" if "resolution" in ranks else ""), label(k),
                             fmt(r["value"]), fmt(r["percentile_all"], 0), fmt(r["percentile_lowland"], 0),
                             fmt(r["ratio_to_lowland_median"], 2)])  # n/a where the lowland median is <= 0
    blocks += [("h2", "Sensitivity"),
               ("p", f"Headline metrics re-computed for the site and {sens['sites']} sample sites under other "
                     "assumptions: K (radio refraction), light refraction, and the DEM coarsened by block averaging "
                     "(and the embedded DTED0 when finer SRTM was used). The jamming cases (jammer power, an "
                     f"airborne jammer, a processing gain) re-run the site and {cfg['jam_sensitivity']['sites']} "
                     f"sample sites with {cfg['jam_sensitivity']['jammers']} jammers each. Observer height and radius "
                     "are varied in the tables above."),
               ("table", ["case", "metric", "site", "percentile (all)", "percentile (lowland)",
                          "ratio to lowland median"], rows)]
    rows = []
    for case in mc_all["cases"]:
        for k, p in case["p_top_quartile"].items():
            lo, hi = case["percentile_ci95"][k]
            rows.append([f"{fmt(case['correlation_m'] / 1000, 0)} km" + (" (main)" if case is mc else ""),
                         label(k), fmt(mc_all["noise_free_percentile"][k], 0), f"{fmt(100 * p, 0)}%",
                         f"{fmt(lo, 0)}-{fmt(hi, 0)}", str(case["runs"])])
    blocks += [("h2", "DEM error"), ("p", (
        f"Vertical error of the data in use: {fmt(mc_all['le90_m'], 0)} m LE90 = {fmt(mc_all['rmse_m'])} m RMSE "
        f"({mc_all['rmse_source']}). Each run adds a {mc_all['field']} with that RMSE to the DEM and ranks the site "
        f"among the same {mc_all['sites']} sample sites. Test: {mc_all['test']}. The correlation length of the "
        "error is not published for these data, so it is varied."
        + ("" if mc_all.get("run_on", "the data as loaded") == "the data as loaded" else
           f" The runs use the DEM block-averaged to {mc_all['run_on']} (thousands of viewsheds and LOS maps), "
           "with the error field of the data's own RMSE; the baseline column is on that grid too.")
    )),
        ("table", ["error correlation", "metric", "percentile without error", "P(top quartile)",
                   "percentile 95% interval", "runs"], rows)]
    hp = res["high_point_comparison"]
    keys = [k for k in hp["comparisons"] if k.startswith(("elevation", "tpi", "relief", "high_point", "viewshed"))]
    blocks += [("h2", "The town's high point, like with like"),
               ("p", f"Rule: {hp['rule']}. (Radio and jamming are compared for the centres only.)"),
               ("table", ["metric", "high point", "sample high points: lowland median", "all median",
                          "percentile (all)", "percentile (lowland)", "vs lowland median [95% CI]", "reading"],
                [[label(k), fmt(c["value"]), fmt(c["lowland_median"]), fmt(c["all_median"]),
                  fmt(c["percentile_all"], 0), fmt(c["percentile_lowland"], 0), _ci(c), c["verdict"]]
                 for k, c in ((k, hp["comparisons"][k]) for k in keys)])]
    tv = res["total_visibility"]
    blocks += [("h2", "Where is the real high ground?"), ("p", (
        f"Visible area within {tv['radius_m'] / 1000:g} km from every cell of the study area (observer "
        f"{tv['observer_height_m']:g} m, target {tv['target_height_m']:g} m): the site sees {fmt(tv['site_km2'])} km², "
        f"the {ordinal(tv['site_percentile_in_area'])} percentile of the area (median {fmt(tv['area_median_km2'])}, "
        f"max {fmt(tv['area_max_km2'])} km²)."))]
    for path, caption in figs.values():
        blocks.append(("img", path, caption))
    blocks += [("h2", "Limitations"), ("ul", [
        "Resolution: " + data["note"] + ".",
        "Bare-earth DEM: no buildings, forest or spoil heaps; real line of sight from a town is often less.",
        "Radio: no antenna patterns, fading, clutter or troposcatter; delta-Bullington diffraction runs a median "
        "9.5 dB below ITM (Longley-Rice) on non-LOS paths here (benchmarks, workload itm), so non-LOS reach is "
        "optimistic; jammers are isotropic emitters at fixed EIRP, not any specific system.",
        "DEM error: tested for the height, view and radio questions; the jamming question only under other jammer "
        "powers, heights and processing gain (Sensitivity).",
        "The sample is regional (within the study radius), not national.",
    ])]
    return blocks


def write_outputs(res: dict, arrays: dict, out_dir, progress=None) -> dict:
    """Figures, results.json, report.md and report.html in out_dir; returns {name: path}."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cfg = res["config"]
    dem, sub = arrays["dem"], arrays["study_dem"]
    name = cfg["name"]
    figs = {}
    h_view = 10.0 if 10.0 in cfg["observer_heights_m"] else cfg["observer_heights_m"][0]
    vs = viewshed(sub, cfg["lat"], cfg["lon"], observer_height=h_view, target_height=cfg["target_height_m"],
                  radius_m=max(cfg["view_radii_m"]), refraction=cfg["refraction"])
    pts = [(*_xy(sub, s.lat, s.lon), "lowland" if low else "other", "")
           for s, low in zip(arrays["sample"], arrays["is_lowland"], strict=True) if sub.contains(s.lat, s.lon)]
    pts += [(*_xy(sub, t.lat, t.lon), "town", t.name) for t in arrays["towns"] if sub.contains(t.lat, t.lon)]
    pts.append((*_xy(sub, cfg["lat"], cfg["lon"]), "target", name))
    p = out / "overview.png"
    plot.study_overview(sub, vs.visible, pts, p, title=f"{name}: study area, comparison sites and the viewshed "
                        f"from a {h_view:g} m mast ({max(cfg['view_radii_m']) / 1000:g} km) - {dem.resolution}")
    figs["overview"] = (p, f"Study area; dark orange: visible from a {h_view:g} m mast at {name}; dots: "
                           "comparison sites (blue: lowland); squares: named towns.")
    panels = []
    for key in [res["verdict"][q]["metric"] for q in ("is_it_high", "does_it_see_more", "do_signals_travel_further",
                                                       "is_it_harder_to_jam")] + [
            res["verdict"]["is_it_harder_to_jam"]["downlink"]["metric"], "jam_at_station_dbm", "elevation_m",
            "radio_fresnel_100m_km2"]:
        if key not in res["values"]:
            continue
        vals = res["values"][key]
        low = [x for x, lo in zip(vals["sample"], arrays["is_lowland"], strict=True) if lo]
        panels.append((label(key), vals["sample"], low, vals["fixed"][name],
                       {t.name: vals["fixed"].get(t.name) for t in arrays["towns"]}))
    p = out / "distributions.png"
    plot.distributions(panels, p, title=f"{name} (red) against the comparison sites")
    figs["distributions"] = (p, "Distributions over the comparison sites; red: the site.")
    tv = res["total_visibility"]
    p = out / "total_visibility.png"
    plot.raster_map(sub, arrays["total_visibility"], p, cmap="magma", label="visible area (km²)",
                    marks=[(*_xy(sub, cfg["lat"], cfg["lon"]), name, "site")],
                    title=f"Total visibility: area visible within {tv['radius_m'] / 1000:g} km from each cell "
                          f"(observer {tv['observer_height_m']:g} m, target {tv['target_height_m']:g} m) - "
                          f"{dem.resolution}")
    figs["total_visibility"] = (p, "Total visibility: bright cells see the most; the site is marked.")
    h_drone = 100.0 if 100.0 in cfg["drone_heights_m"] else cfg["drone_heights_m"][0]
    pdem = arrays.get("path_dem", dem)
    cov = coverage(pdem, cfg["lat"], cfg["lon"], tx_height=cfg["tx_height_m"], rx_height=h_drone,
                   radius_m=cfg["radio_radius_m"], k_factor=cfg["k_factor"], freq_mhz=cfg["freq_mhz"])
    p = out / "coverage.png"
    plot.raster_map(pdem, np.where(cov.los, cov.rx_power_dbm, np.nan), p, cmap="plasma", label="received power (dBm)",
                    marks=[(*_xy(pdem, cfg["lat"], cfg["lon"]), name, "station")],
                    title=f"Radio LOS from a {cfg['tx_height_m']:g} m station at {name} to a drone at {h_drone:g} m, "
                          f"{cfg['freq_mhz']:g} MHz, K={cfg['k_factor']:.3g} - {pdem.resolution}")
    figs["coverage"] = (p, f"Where a drone at {h_drone:g} m has radio line of sight to a ground station in {name}.")
    from .. import geodesy

    n_j, ring = cfg["jam_ring"]
    jammers = [(*geodesy.destination(cfg["lat"], cfg["lon"], 360.0 * j / n_j, ring), *cfg["jam_jammer"])
               for j in range(n_j)]
    for direction in ("uplink", "downlink"):
        jm = jamming_margin(pdem, (cfg["lat"], cfg["lon"]), jammers[:1], control_height=cfg["jam_control"][0],
                            control_eirp_dbm=cfg["jam_control"][1], drone_height=cfg["jam_drone_height_m"],
                            freq_mhz=cfg["freq_mhz"], radius_m=cfg["jam_radius_m"], k_factor=cfg["k_factor"],
                            direction=direction, drone_eirp_dbm=cfg["jam_drone_eirp_dbm"],
                            processing_gain_db=cfg["jam_processing_gain_db"])
        p = out / f"jamming_{direction}.png"
        where = "at the drone" if direction == "uplink" else "at the station, for a drone in each cell"
        plot.raster_map(pdem, jm.sj_db, p, cmap="RdYlGn", vmin=-30, vmax=30, label=f"S/J {where} (dB)",
                        marks=[(*_xy(pdem, cfg["lat"], cfg["lon"]), f"station ({name})", "station"),
                               (*_xy(pdem, *jammers[0][:2]), "jammer", "jammer")],
                        title=f"{direction.capitalize()} S/J {where}, drone at {cfg['jam_drone_height_m']:g} m: "
                              f"station at {name}, one jammer of the ring (due north, {ring / 1000:g} km, "
                              f"{jammers[0][3]:g} dBm, {jammers[0][2]:g} m) - {pdem.resolution}")
        figs[f"jamming_{direction}"] = (p, f"{direction.capitalize()} signal-to-jamming ratio against the ring's "
                                           "northern jammer (black cross); green: the link holds; blue triangle: "
                                           "the station.")
    results_path = write_json(out / "results.json", res)
    md, page = write_report(build_blocks(res, figs), out, res["title"])
    return {"results": results_path, "report_md": md, "report_html": page, **{k: v[0] for k, v in figs.items()}}


def _xy(dem, lat, lon):
    x, y = dem.to_dem_xy(lat, lon)
    return float(x), float(y)
