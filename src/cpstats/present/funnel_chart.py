"""A funnel plot (:mod:`cpstats.figures.funnel`) as a chart with its text alternative, and its table.

Every English authority is a small grey dot; the statistical neighbours are triangles; the authority is
a large diamond, labelled. England's rate is a solid line, the 95% control limits dashed and the 99.8%
limits dotted, so no meaning rests on colour alone. The text alternative states where the authority
stands and how many authorities lie beyond each limit; :func:`funnel_table` gives the authority's and
its neighbours' values with the limits at their populations, for the page and the downloads, and
:func:`funnel_points_table` every authority's, offered for download beside the plot.
"""

from __future__ import annotations

import pandas as pd

from cpstats.figures.funnel import Funnel
from cpstats.present.charts import PALETTE, TEXT_SIZE, WIDTH, Chart, configure_matplotlib, figure_to_svg
from cpstats.present.numbers import format_count, format_rate

__all__ = ["funnel_chart", "describe_funnel", "funnel_table", "funnel_points_table"]


def describe_funnel(f: Funnel, la_name: str, title: str) -> str:
    """The text alternative: the authority's rate, population and position, England's rate and who lies beyond."""
    own = f.authority
    below95, above95 = f.outside("95")
    below998, above998 = f.outside("998")
    neighbours = f.points[f.points["role"] == "neighbour"]
    return (f"Funnel plot: {title}. {len(f.points)} English authorities, each its rate per 10,000 children against "
            f"its number of children under 18. {la_name}: {format_rate(own['rate'])} per 10,000 with "
            f"{format_count(int(own['population']))} children, {f.position}. England: {format_rate(f.england)}. "
            f"Beyond the 95% limits: {format_count(below95)} authorities below and {format_count(above95)} above; "
            f"beyond the 99.8% limits: {format_count(below998)} below and {format_count(above998)} above. "
            f"Statistical neighbours within the 95% limits: {format_count(int(neighbours['within_95'].sum()))} "
            f"of {format_count(len(neighbours))}.")


def funnel_chart(f: Funnel, la_name: str, *, title: str) -> Chart:
    """The funnel plot of ``f``, the authority labelled ``la_name``."""
    configure_matplotlib()
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(WIDTH + 0.8, 2.9))  # drawn small, so its text stays legible on a phone
    thousands = 1000.0
    limits = f.limits
    axes.axhline(f.england, color=PALETTE[0], linewidth=1.5, label=f"England {format_rate(f.england)}")
    for level, style in (("95", "--"), ("998", ":")):
        name = "95%" if level == "95" else "99.8%"
        axes.plot(limits["population"] / thousands, limits[f"low_{level}"], linestyle=style, color=PALETTE[0],
                  linewidth=1.2, label=f"{name} limits")
        axes.plot(limits["population"] / thousands, limits[f"high_{level}"], linestyle=style, color=PALETTE[0],
                  linewidth=1.2)
    for role, marker, size, colour, label in (
        ("other", "o", 14, "#9a9a9a", "Other authorities"),
        ("neighbour", "^", 40, PALETTE[1], "Statistical neighbours"),
        ("authority", "D", 70, PALETTE[2], la_name),
    ):
        points = f.points[f.points["role"] == role]
        axes.scatter(points["population"] / thousands, points["rate"], s=size, marker=marker, color=colour,
                     edgecolors="black" if role == "authority" else "none", linewidths=0.8, label=label,
                     zorder=3 if role != "other" else 2, clip_on=False)
    own = f.authority
    axes.annotate(la_name, (own["population"] / thousands, own["rate"]), xytext=(6, -12), textcoords="offset points",
                  fontsize=TEXT_SIZE)
    axes.set_xscale("log")
    from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

    low, high = limits["population"].min() / thousands, limits["population"].max() / thousands
    ticks = [t for t in (1, 2, 5, 10, 20, 50, 100, 200, 500) if low <= t <= high]
    if len(ticks) > 5:  # a wide range: fewer labels, so that none runs into the next on a narrow chart
        ticks = [t for t in (1, 3, 10, 30, 100, 300, 1000) if low <= t <= high]
    axes.xaxis.set_major_locator(FixedLocator(ticks))
    axes.xaxis.set_minor_locator(NullLocator())
    axes.xaxis.set_minor_formatter(NullFormatter())
    axes.set_xticklabels([f"{t:,}" for t in ticks])
    axes.set_xlabel("Children under 18 (thousands, log scale)")
    axes.set_ylabel("Per 10,000 children")
    axes.set_ylim(bottom=0, top=max(f.points["rate"].max(), f.england) * 1.1)  # the limits run off at the narrow end
    axes.legend(loc="upper left", bbox_to_anchor=(0, -0.2), fontsize=TEXT_SIZE, frameon=False, ncols=1)
    return Chart(figure_to_svg(figure), describe_funnel(f, la_name, title), title,
                 source="other authorities: DfE, Children in need statistics, and ONS mid-year population estimates; "
                        f"{la_name}: its own records, computed by cpstats")


def _where(row, england: float) -> str:
    if row["within_95"]:
        return "Within the 95% limits"
    side = "Below" if row["rate"] < england else "Above"
    return f"{side} the 95% limit" if row["within_998"] else f"{side} the 99.8% limit"


def funnel_points_table(f: Funnel, la_name: str) -> pd.DataFrame:
    """Every authority of a funnel plot, as the plot draws it: its DfE code, name, children, rate, both limits at its
    size and where it stands; the authority first (its rate the report's protected figure), then its neighbours,
    then every other authority by code. The others' figures are DfE's published ones."""
    from cpstats.figures.funnel import LIMITS, control_limits

    order = {"authority": 0, "neighbour": 1, "other": 2}
    rows = f.points.assign(_order=f.points["role"].map(order)).sort_values(["_order", "la_code"], kind="stable")
    low95, high95 = control_limits(f.england, rows["population"], LIMITS[0])
    low998, high998 = control_limits(f.england, rows["population"], LIMITS[1])
    roles = {"authority": "This report's authority", "neighbour": "Statistical neighbour", "other": "Other authority"}
    return pd.DataFrame({
        "Authority": [la_name if role == "authority" else str(name) for name, role in zip(rows["la_name"], rows["role"])],
        "DfE code": [str(int(code)) for code in rows["la_code"]],
        "Role in the plot": [roles[role] for role in rows["role"]],
        "Children under 18": [format_count(int(n)) for n in rows["population"]],
        "Per 10,000": [format_rate(r) for r in rows["rate"]],
        "95% limits at that size": [f"{format_rate(lo)} to {format_rate(hi)}" for lo, hi in zip(low95, high95)],
        "99.8% limits at that size": [f"{format_rate(lo)} to {format_rate(hi)}" for lo, hi in zip(low998, high998)],
        "Where it stands": [_where(row, f.england) for _, row in rows.iterrows()],
    })


def funnel_table(f: Funnel, la_name: str) -> pd.DataFrame:
    """The authority and its statistical neighbours in a funnel: rate, children, and where each stands."""
    from cpstats.figures.funnel import LIMITS, control_limits

    rows = f.points[f.points["role"] != "other"]
    rows = pd.concat([rows[rows["role"] == "authority"], rows[rows["role"] == "neighbour"].sort_values("rate")])
    low95, high95 = control_limits(f.england, rows["population"], LIMITS[0])

    def where(row) -> str:
        return _where(row, f.england)

    return pd.DataFrame({
        "Authority": [la_name if role == "authority" else f"{name} (neighbour)"
                      for name, role in zip(rows["la_name"], rows["role"])],
        "Children under 18": [format_count(int(n)) for n in rows["population"]],
        "Per 10,000": [format_rate(r) for r in rows["rate"]],
        "95% limits at that size": [f"{format_rate(lo)} to {format_rate(hi)}" for lo, hi in zip(low95, high95)],
        "Where it stands": [where(row) for _, row in rows.iterrows()],
    })
