"""Matplotlib maps: hillshade, overlays, observer marker, scale bar, north arrow. No science here."""

from __future__ import annotations

import math
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LightSource

from .export import atomic_path
from .geodesy import apply_affine


def _extent(transform, shape):
    rows, cols = shape
    left, top = apply_affine(transform, 0, 0)
    right, bottom = apply_affine(transform, cols, rows)
    return left, right, bottom, top


#: Colour of "visible" overlays (the captions name it).
VISIBLE_COLOUR = "#ff8c00"  # dark orange
#: Marker style per kind of mark: (marker, face colour, size).
MARKS = {"site": ("*", "red", 15), "station": ("^", "blue", 10), "jammer": ("X", "black", 10),
         "town": ("s", "black", 5), "observer": ("^", "blue", 10)}


def true_scale_aspect(dem) -> float:
    """Data aspect that draws the grid at true ground scale: y units per x unit of equal length on the
    ground (1 / cos(latitude) on a lat/lon grid at its mid latitude; 1 on a projected grid)."""
    dx, dy = dem.mean_cell_size_m
    return (dy / abs(dem.transform.e)) / (dx / abs(dem.transform.a))


def hillshade_axes(dem, *, title="", figsize=(9, 8)):
    """A figure with the DEM hillshaded (LightSource, sun from the NW) in its own coordinates, at true scale.

    The title goes above the figure (not the axes), so the colour bars to the right never sit under it.
    """
    fig, ax = plt.subplots(figsize=figsize, dpi=110, layout="constrained")
    elev = np.where(dem.void, np.nanmin(dem.elevation) if np.isfinite(dem.elevation).any() else 0, dem.elevation)
    dx, dy = dem.mean_cell_size_m
    ls = LightSource(azdeg=315, altdeg=45)
    shade = ls.hillshade(elev, vert_exag=3.0, dx=dx, dy=dy)
    ext = _extent(dem.transform, dem.shape)
    ax.imshow(shade, cmap="gray", extent=ext, interpolation="nearest", vmin=0, vmax=1)
    terrain_img = ax.imshow(elev, cmap="terrain", alpha=0.35, extent=ext, interpolation="nearest")
    fig.colorbar(terrain_img, ax=ax, shrink=0.6, label="elevation (m)", location="left", pad=0.08)
    if dem.is_geographic:
        ax.set_xlabel("longitude (deg E)")
        ax.set_ylabel("latitude (deg N)")
    else:
        ax.set_xlabel("x (m)")
        ax.set_ylabel("y (m)")
    ax.set_aspect(true_scale_aspect(dem))
    fig.suptitle("\n".join(textwrap.fill(line, 120) for line in title.splitlines()), fontsize=8)
    return fig, ax


def overlay(ax, dem, values, **kw):
    """imshow of a grid over the map, keeping the true-scale aspect (imshow would reset it to 'equal')."""
    return ax.imshow(values, extent=_extent(dem.transform, dem.shape), interpolation="nearest",
                     aspect=ax.get_aspect(), **kw)


def visible_overlay(ax, dem, visible, alpha=0.55):
    """The visible cells in VISIBLE_COLOUR."""
    from matplotlib.colors import ListedColormap

    return overlay(ax, dem, np.ma.masked_where(~visible, np.ones(visible.shape)), cmap=ListedColormap([VISIBLE_COLOUR]),
                   alpha=alpha, vmin=0, vmax=1)


def mark(ax, x, y, kind, text=""):
    """A labelled point in the style of its kind (MARKS)."""
    marker, colour, size = MARKS.get(kind, MARKS["observer"])
    ax.plot(x, y, marker=marker, color=colour, markersize=size, markeredgecolor="white", linestyle="none")
    if text:
        ax.annotate(text, (x, y), xytext=(5, 5), textcoords="offset points", fontsize=7, color="black",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7})


def add_scale_bar_and_north(ax, dem):
    """A scale bar (km) bottom-left and a north arrow top-right."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width_units = x1 - x0
    metres_per_unit = dem.mean_cell_size_m[0] / abs(dem.transform.a)  # true ground metres (any CRS, scale factor)
    target_m = width_units * metres_per_unit / 5
    nice = 10 ** math.floor(math.log10(target_m))
    for m in (5, 2, 1):
        if m * nice <= target_m:
            nice *= m
            break
    length = nice / metres_per_unit
    bx, by = x0 + 0.05 * width_units, y0 + 0.06 * (y1 - y0)
    ax.plot([bx, bx + length], [by, by], color="k", lw=3, solid_capstyle="butt")
    ax.text(bx + length / 2, by + 0.015 * (y1 - y0), f"{nice / 1000:g} km", ha="center", va="bottom", fontsize=8)
    ax.annotate("N", xy=(0.94, 0.95), xytext=(0.94, 0.84), xycoords="axes fraction", ha="center", va="center",
                fontsize=11, fontweight="bold", arrowprops={"facecolor": "k", "width": 3, "headwidth": 9})


def save(fig, path):
    """Save a figure atomically and close it."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", bbox_inches="tight")
    plt.close(fig)


def viewshed_map(result, dem, path):
    """PNG: hillshade, visible area in translucent orange, radius circle, observer, scale bar, north arrow."""
    p = result.params
    title = (
        f"Viewshed from {p['observer']['lat']:.4f} N {p['observer']['lon']:.4f} E - eye {p['observer_height_m']:g} m, "
        f"target {p['target_height_m']:g} m, radius {p['radius_m'] / 1000:g} km, "
        + (f"curvature k={p['refraction_k']:.3f}" if p["curvature"] else "no curvature")
        + f", {p['method']}\n{p['dem']['note']}\n"
        f"visible {result.stats['visible_area_km2']:.1f} km2 ({100 * result.stats['visible_fraction']:.1f}% of disc)"
    )
    fig, ax = hillshade_axes(dem, title=title)
    visible_overlay(ax, dem, result.visible)
    outside = np.ma.masked_where(~np.isnan(result.min_visible_height_m), np.ones(dem.shape))
    overlay(ax, dem, outside, cmap="Greys", alpha=0.35, vmin=0, vmax=1)
    mark(ax, p["observer"]["x"], p["observer"]["y"], "observer", "observer")
    add_scale_bar_and_north(ax, dem)
    save(fig, path)


def profile_plot(prof, path):
    """SPLAT!-style path profile: terrain with earth bulge, the ray, the first and 60 % Fresnel zones."""
    s = prof.summary
    d_km = prof.distance_m / 1000
    ground = prof.terrain_m + prof.bulge_m
    fig, ax = plt.subplots(figsize=(10, 4.5), dpi=110)
    base = np.nanmin(ground) - 20
    ax.fill_between(d_km, base, ground, color="#8b6d4b", alpha=0.8, label=f"terrain + earth bulge (K={s['k_factor']:.3g})")
    ax.plot(d_km, prof.ray_m, color="tab:blue", lw=1.2, label="line of sight")
    frac = s["fresnel_fraction"]
    ax.plot(d_km, prof.ray_m - prof.fresnel_m, color="tab:green", lw=0.8, ls="--", label="1st Fresnel zone")
    ax.plot(d_km, prof.ray_m + prof.fresnel_m, color="tab:green", lw=0.8, ls="--")
    ax.plot(d_km, prof.ray_m - frac * prof.fresnel_m, color="tab:orange", lw=0.8, label=f"{frac:.0%} of 1st Fresnel zone")
    for ob in s["obstructions"]:
        bulge = np.interp(ob["distance_m"], prof.distance_m, prof.bulge_m)
        ax.plot(ob["distance_m"] / 1000, ob["terrain_m"] + bulge, "rx", ms=5)
    ax.set_xlabel("distance from end 1 (km)")
    ax.set_ylabel("height (m a.s.l., bulged frame)")
    clr = s["min_clearance_m"]
    ax.set_title(
        f"{s['end1']['lat']:.4f},{s['end1']['lon']:.4f} ({s['end1']['antenna_height_m']:g} m) -> "
        f"{s['end2']['lat']:.4f},{s['end2']['lon']:.4f} ({s['end2']['antenna_height_m']:g} m): "
        f"{s['distance_m'] / 1000:.2f} km, az {s['bearing_deg']:.1f} deg, {s['freq_mhz']:g} MHz\n"
        f"{'LOS' if s['line_of_sight'] else 'OBSTRUCTED'}; min clearance {clr:.1f} m "
        f"({s['min_clearance_pct_f1']:.0f}% F1); loss {s['path_loss_db']:.1f} dB "
        f"(FSL {s['free_space_loss_db']:.1f} + diffraction {s['diffraction_loss_db']:.1f}); {s['dem']['resolution']}",
        fontsize=8)
    ax.legend(fontsize=7, loc="lower right")
    save(fig, path)


def raster_map(dem, values, path, *, title, label, cmap="viridis", marks=(), vmin=None, vmax=None):
    """PNG of a float grid over the hillshade, with labelled points ``marks`` [(x, y, text, kind)] (kind from
    MARKS: a jammer and a station look different)."""
    fig, ax = hillshade_axes(dem, title=title)
    img = overlay(ax, dem, np.ma.masked_invalid(values), cmap=cmap, alpha=0.6, vmin=vmin, vmax=vmax)
    fig.colorbar(img, ax=ax, shrink=0.6, label=label)
    for x, y, text, kind in marks:
        mark(ax, x, y, kind, text)
    add_scale_bar_and_north(ax, dem)
    save(fig, path)


def study_overview(dem, view, sites_xy, path, *, title):
    """Hillshade of the study area, the site's viewshed, comparison sites (lowland/other), towns, the site."""
    fig, ax = hillshade_axes(dem, title=title)
    if view is not None:
        visible_overlay(ax, dem, view, alpha=0.5)
    for (x, y, kind, label) in sites_xy:
        if kind == "lowland":
            ax.plot(x, y, "o", ms=2.5, color="tab:blue", alpha=0.8)
        elif kind == "other":
            ax.plot(x, y, "o", ms=2.5, color="0.35", alpha=0.8)
        else:
            mark(ax, x, y, "town" if kind == "town" else "site", label)
    ax.plot([], [], "o", color="tab:blue", label="lowland sample site")
    ax.plot([], [], "o", color="0.35", label="other sample site")
    ax.plot([], [], "s", color=VISIBLE_COLOUR, label="visible from the site's mast")
    ax.legend(fontsize=7, loc="lower right")
    add_scale_bar_and_north(ax, dem)
    save(fig, path)


def distributions(panels, path, *, title):
    """Histograms of sample values (all and lowland) with the site (red) and towns (dotted) marked.

    panels: [(label, all_values, lowland_values, site_value, {town: value})].
    """
    n = len(panels)
    cols = 3
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(13, 3.4 * rows), dpi=100)
    for ax, (label, all_v, low_v, site_v, towns) in zip(np.ravel(axes), panels, strict=False):
        all_v = np.asarray([v for v in all_v if v is not None and np.isfinite(v)])
        low_v = np.asarray([v for v in low_v if v is not None and np.isfinite(v)])
        bins = np.histogram_bin_edges(all_v, bins=30) if all_v.size else 10
        ax.hist(all_v, bins=bins, color="0.7", label="all sample sites")
        ax.hist(low_v, bins=bins, color="tab:blue", alpha=0.6, label="lowland sites")
        if site_v is not None:
            ax.axvline(site_v, color="red", lw=2, label="site")
        for v in towns.values():
            if v is not None:
                ax.axvline(v, color="k", lw=0.8, ls=":")
        ax.set_xlabel("\n".join(textwrap.wrap(label, 48)), fontsize=8)
        ax.set_ylabel("sample sites", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in np.ravel(axes)[n:]:
        ax.axis("off")
    np.ravel(axes)[0].legend(fontsize=7)
    fig.suptitle(title + " (dotted: named towns)", fontsize=10)
    fig.tight_layout()
    save(fig, path)
