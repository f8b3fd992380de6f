"""Charts for the report: seaborn bar charts with a text alternative, the same bytes every time.

A :class:`Chart` holds an SVG drawing and its text alternative. In a notebook
it displays as Markdown, ``![text alternative](data:image/svg+xml;base64,...)``,
so the executed notebook carries the picture and its description together:
Jupyter shows the picture, and the renderers (pandoc, Quarto) make it a figure
whose image has the text alternative as ``alt`` and as its visible caption.

Following the Analysis Function's charts guidance, a chart has one scale
(measures of different sizes are drawn as small multiples, each panel with
its own axis), counts have whole-number ticks, a target is drawn as a line,
and the title is not drawn in the picture: it is the figure's caption
(:attr:`Chart.title`), so the picture keeps its room for the data and stays
legible on a 390 px phone screen. Charts are drawn small (:data:`WIDTH`
inches) with 11 pt text, so that in the PDF, at their natural size, no text is
smaller than 9 pt.

Determinism: matplotlib's ``Agg`` backend, fixed rcParams (font, sizes,
``svg.hashsalt``) and ``metadata={"Date": None}`` make the SVG identical on
every run; text is drawn as paths so no font is needed to show it.

The palette is the Analysis Function's accessible categorical palette, kept as
data in ``palette.yaml``. Colour never carries meaning alone: bars are
labelled with their values (in grouped charts with their group too) and each
line has its own marker and dash pattern. Charts are drawn from a report's
protected figures or the tables made from them: a value the disclosure policy
withholds (:class:`~cpstats.figures.figures.Withheld`, or ``[c]`` in a table)
is never a bar of its height: it is a pale hatched band across the plot marked
``[c] withheld`` (:func:`_mark_withheld`), or a gap in a line marked ``[c]``;
the text alternative says ``[c]`` and what it means, and the chart's output
says it holds one (:attr:`Chart.withheld`), for the note the report puts under
it. Nothing here decides what is withheld.

Examples
--------
>>> chart = bar_chart(["Neglect", "Emotional abuse"], [18, 20], title="By category", value_label="Children")
>>> chart.alt
'Bar chart: By category. Neglect 18, Emotional abuse 20.'
>>> chart.svg == bar_chart(["Neglect", "Emotional abuse"], [18, 20], title="By category", value_label="Children").svg
True
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import pandas as pd

from cpstats.figures.figures import is_withheld

__all__ = [
    "PALETTE",
    "RC_PARAMS",
    "Chart",
    "configure_matplotlib",
    "bar_chart",
    "grouped_bar_chart",
    "comparison_chart",
    "chart_from_table",
    "grouped_chart_from_table",
    "describe_bars",
    "describe_lines",
    "line_chart",
    "small_multiples",
    "trend_chart",
    "figure_to_svg",
]

PALETTE_FILE = Path(__file__).resolve().parent / "palette.yaml"


@lru_cache(maxsize=None)
def _palette_file() -> dict:
    import yaml

    return yaml.safe_load(PALETTE_FILE.read_text(encoding="utf-8"))


PALETTE = tuple(_palette_file()["categorical"])
"""Analysis Function (afcharts) categorical palette, in order (from ``palette.yaml``)."""
MARKERS = tuple(_palette_file()["markers"])
LINE_STYLES = tuple(_palette_file()["line_styles"])
WITHHELD = "[c]"
WIDTH = 3.0
"""Width of a chart's figure in inches (before its labels). At its natural size in the PDF its text is 11 pt
(:data:`RC_PARAMS`); on a 390 px phone, where a page's column is 340 to 366 px wide, a chart is scaled down
by a fifth at most, so that its smallest text stays about 11 px or more (the tests measure it)."""
LINE_WIDTH = WIDTH + 1.2
"""Width of a line chart (and of small multiples) in inches: five year labels side by side, not overlapping."""
TEXT_SIZE = 11
"""Size in points of the smallest text of a chart: tick labels, value labels, legend."""
LABEL_WIDTH = 24
"""Longer category labels are wrapped onto several lines at this many characters."""

RC_PARAMS = {
    "text.parse_math": False,  # labels from data are plain text: "$x$" is drawn as written, never as mathtext
    "svg.hashsalt": "cpstats",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 12,
    "axes.titlesize": 12,
    "axes.labelsize": 12,
    "xtick.labelsize": TEXT_SIZE,
    "ytick.labelsize": TEXT_SIZE,
    "legend.fontsize": TEXT_SIZE,
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": _palette_file()["axis"],
    "axes.labelcolor": _palette_file()["text"],
    "xtick.color": _palette_file()["text"],
    "ytick.color": _palette_file()["text"],
    "text.color": _palette_file()["text"],
    "figure.figsize": (WIDTH, 3.0),
    "figure.dpi": 100,
    "savefig.bbox": "tight",
    "path.simplify": True,
}
"""matplotlib settings for every chart; fixed so that charts are the same bytes each run."""


@dataclass(frozen=True)
class Chart:
    """A chart as SVG text with its text alternative.

    Attributes
    ----------
    svg : str
        The drawing.
    alt : str
        The text alternative: what the chart shows, with every value.
    title : str
        The chart's title, shown as the figure's caption (it is not drawn in the picture).
    """

    svg: str
    alt: str
    title: str = ""
    withheld: bool = False
    """Whether a value of the chart is withheld (``[c]``): its output says so, and the report puts the note
    saying what ``[c]`` means under it (:func:`cpstats.present.tables.withheld_note`)."""
    source: str = "the authority's own records, computed by cpstats"
    """The source line under the chart (every chart has one); its output's metadata carries it."""

    def data_uri(self) -> str:
        """The SVG as a ``data:`` URI."""
        encoded = base64.b64encode(self.svg.encode("utf-8")).decode("ascii")
        return f"data:image/svg+xml;base64,{encoded}"

    def to_markdown(self) -> str:
        """A Markdown image whose alt text is the text alternative and whose title is the chart's title.

        The renderers show the title as the figure's caption, and the text
        alternative as the image's ``alt``.
        """
        alt = self.alt.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
        title = self.title.replace("\\", "\\\\").replace('"', '\\"')
        return f'![{alt}]({self.data_uri()} "{title}")' if title else f"![{alt}]({self.data_uri()})"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_mimebundle_(self, include=None, exclude=None):
        # whether it holds a withheld value goes in the output's metadata, for the note under it
        chart = {"source": self.source, **({"withheld": True} if self.withheld else {})}
        return {"text/markdown": self.to_markdown()}, {"cpstats": {"chart": chart}}


def configure_matplotlib() -> None:
    """Select the ``Agg`` backend and the fixed settings in :data:`RC_PARAMS`."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update(RC_PARAMS)


def figure_to_svg(figure) -> str:
    """Write a matplotlib figure as SVG text without a date, then close it."""
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(figure)
    return buffer.getvalue()


def _number(value: float) -> str:
    """A value as a chart label: whole numbers without decimals."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def describe_bars(labels: Sequence[str], values: Sequence[float], title: str, unit: str = "",
                  texts: Sequence[str] | None = None) -> str:
    """The text alternative of a bar chart: its title and every bar's value (``texts`` as labelled, if given).

    >>> describe_bars(["A", "B"], [1, 2.5], "Things", "%")
    'Bar chart: Things. A 1%, B 2.5%.'
    >>> describe_bars(["A", "B"], [1, 0], "Things", texts=["1", "[c]"])
    'Bar chart: Things. A 1, B [c] ([c]: withheld to protect confidentiality, drawn as a hatched band marked [c] withheld: a small count of people, or a larger figure withheld so that a small one cannot be worked out).'
    """
    texts = list(texts) if texts is not None else [f"{_number(value)}{unit}" for value in values]
    bars = ", ".join(f"{label} {text}" for label, text in zip(labels, texts))
    return f"Bar chart: {title}. {bars}{_withheld_note(texts)}."


WITHHELD_ALT = ("withheld to protect confidentiality{how}: a small count of people, or a larger figure withheld so "
                "that a small one cannot be worked out")
"""What the text alternative of a chart holding ``[c]`` says it means (the note under the chart gives the threshold)."""


def _withheld_note(texts: Sequence[str], how: str = ", drawn as a hatched band marked [c] withheld") -> str:
    return f" ({WITHHELD}: {WITHHELD_ALT.format(how=how)})" if WITHHELD in texts else ""


def _wrap(label: str) -> str:
    """A category label wrapped onto lines of at most :data:`LABEL_WIDTH` characters."""
    import textwrap

    return "\n".join(textwrap.wrap(str(label), LABEL_WIDTH)) or str(label)


def _whole_numbers(values) -> bool:
    numbers = [float(v) for v in values if v is not None and not is_withheld(v) and v == v]
    return bool(numbers) and all(v.is_integer() for v in numbers)


def _integer_ticks(axis) -> None:
    """Ticks at whole numbers only: a count has no half."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True, nbins=5))


def _label_bars(ax, unit: str, texts: Sequence[Sequence[str]] | None = None) -> None:
    """Write each bar's value at its end, so the chart can be read without the axis.

    ``texts`` gives the label of each bar, container by container, where it is
    not the value itself (e.g. ``[c]`` for a withheld count).
    """
    for number, container in enumerate(ax.containers):
        labels = [f"{_number(v)}{unit}" for v in container.datavalues]
        if texts is not None and number < len(texts) and len(texts[number]) == len(labels):
            labels = list(texts[number])
        ax.bar_label(container, labels=["" if _withheld_text(t) else t for t in labels], padding=3, fontsize=TEXT_SIZE)


def _withheld_text(text: str) -> bool:
    return text == WITHHELD or text.endswith(f": {WITHHELD}")


WITHHELD_BAR = "[c] withheld"
"""What a withheld bar says where it would be drawn."""


def _mark_withheld(ax, texts: Sequence[Sequence[str]]) -> None:
    """Draw each withheld bar (its label ``[c]``, container by container) as a placeholder: a pale hatched band
    across the whole plot, unlike any bar of data, with ``[c] withheld`` written on it, so that it is never
    read as a zero or left out. Call it once the axis's limits are set."""
    from matplotlib.patches import Rectangle

    left, right = ax.get_xlim()
    for number, container in enumerate(ax.containers):
        labels = texts[number] if number < len(texts) else ()
        for patch, text in zip(container.patches, labels):
            if not _withheld_text(text):
                continue
            y, height = patch.get_y(), patch.get_height()
            ax.add_patch(Rectangle((left, y), right - left, height, facecolor="none", edgecolor=_palette_file()["axis"],
                                   hatch="///", linewidth=0.8, alpha=0.45, zorder=0.5))
            shown = WITHHELD_BAR if text == WITHHELD else text.removesuffix(WITHHELD) + WITHHELD_BAR
            ax.text(left + (right - left) * 0.02, y + height / 2, shown, va="center", ha="left", fontsize=TEXT_SIZE,
                    color=_palette_file()["text"], zorder=3,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5})
    ax.set_xlim(left, right)


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    value_label: str,
    unit: str = "",
    color_index: int = 0,
    texts: Sequence[str] | None = None,
    target: float | None = None,
    target_label: str = "Target",
) -> Chart:
    """A horizontal bar chart, one bar per label, each bar labelled with its value.

    Parameters
    ----------
    labels : sequence of str
        Bar labels, top to bottom.
    values : sequence of numbers
        Bar values.
    title : str
        Chart title: the figure's caption and the start of the text alternative.
    value_label : str
        Axis label for the values.
    unit : str
        Appended to each value label, e.g. ``"%"``.
    color_index : int
        Which colour of :data:`PALETTE` to use.
    texts : sequence of str, optional
        Each bar's label where it is not its value, e.g. ``[c]``.
    target : number, optional
        A target drawn as a dashed line across the bars, named in the legend and the text alternative.
    target_label : str
        The target line's name, e.g. ``"Target: 2 a month"``.

    Returns
    -------
    Chart

    >>> bar_chart(["May", "June"], [1, 3], title="Audits", value_label="Audits", target=2, target_label="Target: 2 a month").alt
    'Bar chart: Audits. May 1, June 3. Target: 2 a month.'
    """
    configure_matplotlib()
    import matplotlib.pyplot as plt
    import seaborn as sns

    data = pd.DataFrame({"label": [_wrap(label) for label in labels], "value": [float(v) for v in values]})
    lines = sum(label.count("\n") + 1 for label in data["label"])
    height = 0.6 + 0.25 * len(data) + 0.1 * lines + (0.25 if target is not None else 0)
    figure, ax = plt.subplots(figsize=(WIDTH, height))
    sns.barplot(data=data, y="label", x="value", color=PALETTE[color_index], saturation=1, ax=ax, orient="h")
    _label_bars(ax, unit, [texts] if texts is not None else None)
    if target is not None:
        # the line is named where it is drawn, above the bars, not in a legend the eye must go to
        from matplotlib.transforms import blended_transform_factory

        ax.axvline(float(target), color=PALETTE[3], linestyle="dashed", linewidth=2)
        ax.text(float(target), 1.01, target_label, transform=blended_transform_factory(ax.transData, ax.transAxes),
                ha="center", va="bottom", fontsize=TEXT_SIZE, color=_palette_file()["text"])
    ax.set_xlabel(value_label)
    ax.set_ylabel("")
    if _whole_numbers(values) and not unit:
        _integer_ticks(ax.xaxis)
    ax.margins(x=0.18)
    if texts is not None and WITHHELD in texts:
        _mark_withheld(ax, [texts])
    alt = describe_bars(labels, values, title, unit, texts)
    if target is not None:
        alt += f" {target_label}."
    return Chart(figure_to_svg(figure), alt, title, withheld=WITHHELD in (texts or ()))


def grouped_bar_chart(
    data: pd.DataFrame,
    *,
    label: str,
    group: str,
    value: str,
    title: str,
    value_label: str,
) -> Chart:
    """Horizontal bars for each label, one bar per group (e.g. per year).

    Use it for values of one size only: measures of different sizes need
    one chart each (or :func:`small_multiples`).

    Parameters
    ----------
    data : pandas.DataFrame
        Long form: one row per (label, group) with a numeric ``value`` column.
    label, group, value : str
        Column names.
    title, value_label : str
        Chart title and axis label.
    """
    configure_matplotlib()
    import matplotlib.pyplot as plt
    import seaborn as sns

    groups = list(dict.fromkeys(data[group]))
    labels = list(dict.fromkeys(data[label]))
    shown = {(row[label], row[group]): row["text"] if isinstance(row.get("text"), str) else _number(row[value]) for row in data.to_dict("records")}
    height = 1.0 + 0.32 * len(labels) * len(groups)
    drawn = data.assign(**{label: data[label].map(_wrap)})
    figure, ax = plt.subplots(figsize=(WIDTH, height))
    sns.barplot(data=drawn, y=label, x=value, hue=group, palette=list(PALETTE[: len(groups)]), saturation=1, ax=ax, orient="h")
    # each bar names its group as well as its value: the colour is not the only way to tell them apart
    _label_bars(ax, "", [[f"{g}: {shown.get((name, g), '')}" for name in labels] for g in groups])
    ax.set_xlabel(value_label)
    ax.set_ylabel("")
    if _whole_numbers(data[value]):
        _integer_ticks(ax.xaxis)
    ax.margins(x=0.35)
    _mark_withheld(ax, [[f"{g}: {shown.get((name, g), '')}" for name in labels] for g in groups])
    ax.legend(title="", frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=len(groups))
    parts = []
    for name in labels:
        parts.append(name + ": " + ", ".join(f"{g} {shown[(name, g)]}" for g in groups if (name, g) in shown))
    alt = f"Bar chart: {title}. " + "; ".join(parts) + _withheld_note(list(shown.values())) + "."
    return Chart(figure_to_svg(figure), alt, title, withheld=WITHHELD in shown.values())


def comparison_chart(la_name: str, la_value: float | None, england, *, year_label: str, title: str, unit: str = "") -> Chart | None:
    """Two bars: the authority's value and England's for the same year.

    ``england`` is :func:`cpstats.data.reference.england_value`'s answer; without
    it only the authority's bar is drawn. Returns ``None`` when the
    authority's value is not applicable, so nothing misleading is drawn; a
    withheld value is a hatched band marked ``[c] withheld``.
    """
    if la_value is None:
        return None
    withheld = is_withheld(la_value)
    labels, values = [f"{la_name} {year_label}"], [0.0 if withheld else la_value]
    texts = [WITHHELD if withheld else f"{_number(la_value)}{unit}"]
    if england is not None:
        labels.append(f"England {year_label}")
        values.append(england[0])
        texts.append(f"{_number(england[0])}{unit}")
    return bar_chart(labels, values, title=title, value_label=title, unit=unit, texts=texts)


def _cell_number(cell) -> float | None:
    """A table cell in display form ("1,234", "45.0%") as a number; ``None`` for a GSS symbol."""
    text = str(cell).replace(",", "").rstrip("%")
    try:
        return float(text)
    except ValueError:
        return None


def _as_written(cell, unit: str) -> str:
    """A table cell as a bar's label: as the table writes it, with the unit once.

    >>> _as_written("45.0%", "%"), _as_written("1,234", "")
    ('45.0%', '1,234')
    """
    text = str(cell).strip()
    return text if not unit or text.endswith(unit) else text + unit


def chart_from_table(
    table: pd.DataFrame,
    *,
    label_column: str,
    value_column: str,
    title: str,
    value_label: str | None = None,
    unit: str = "",
    target: float | None = None,
    target_label: str = "Target",
) -> Chart:
    """A bar chart of one column of a :mod:`cpstats.present.tables` table, without its ``Total`` row.

    Cells are read back from their display form ("1,234", "45.0%"), so the
    chart shows exactly the numbers of the table beside it; rows whose cell
    is a symbol such as ``[z]`` are left out. The table is built from the
    report's protected figures, so a withheld cell is already ``[c]``: it is a
    hatched band marked ``[c] withheld``.
    """
    rows = [
        (label, cell)
        for label, cell in zip(table[label_column], table[value_column])
        if label != "Total" and (cell == WITHHELD or _cell_number(cell) is not None)
    ]
    return bar_chart(
        [label for label, _ in rows], [0.0 if cell == WITHHELD else _cell_number(cell) for _, cell in rows],
        title=title, value_label=value_label or value_column, unit=unit,
        # each bar is labelled as its cell is written in the table (45.0%, 1,234), so the two agree to the digit
        texts=[WITHHELD if cell == WITHHELD else _as_written(cell, unit) for _, cell in rows],
        target=target, target_label=target_label,
    )


def grouped_chart_from_table(
    table: pd.DataFrame,
    *,
    label_column: str,
    group_columns: Sequence[str],
    title: str,
    value_label: str,
) -> Chart:
    """Grouped bars from a :mod:`cpstats.present.tables` table: one bar per column in ``group_columns``.

    E.g. a table with a ``Measure`` column and one column per year gives, for
    each measure, one bar per year. A withheld cell (public report) is a
    hatched band marked ``[c] withheld``.
    """
    records = [
        {"label": label, "group": column, "value": 0.0 if cell == WITHHELD else _cell_number(cell),
         "text": WITHHELD if cell == WITHHELD else None}
        for label, row in zip(table[label_column], table.to_dict("records"))
        for column in group_columns
        for cell in [row[column]]
        if cell == WITHHELD or _cell_number(cell) is not None
    ]
    return grouped_bar_chart(
        pd.DataFrame(records), label="label", group="group", value="value", title=title, value_label=value_label,
    )


def describe_lines(x_labels: Sequence[str], series: dict, title: str, unit: str = "") -> str:
    """The text alternative of a line chart: its title and every point of every line.

    >>> describe_lines(["2016-17", "2017-18"], {"Rutland": [24.9, 23.3], "England": [None, 45.9]}, "Rate")
    'Line chart: Rate. Rutland: 2016-17 24.9, 2017-18 23.3; England: 2016-17 not available, 2017-18 45.9.'
    """
    parts = []
    for name, values in series.items():
        points = ", ".join(
            f"{x} {_point_text(v, unit)}" for x, v in zip(x_labels, values)
        )
        parts.append(f"{name}: {points}")
    withheld = _any_withheld(series)
    return (f"Line chart: {title}. " + "; ".join(parts)
            + _withheld_note([WITHHELD] if withheld else [], ", a gap in the line marked [c]") + ".")


def _any_withheld(series: dict) -> bool:
    return any(is_withheld(v) for values in series.values() for v in values)


def _point_text(value, unit: str) -> str:
    if is_withheld(value):
        return WITHHELD
    if value is None or value != value:
        return "not available"
    return _number(value) + unit


def _plotted(value) -> float | None:
    """A point's height, ``None`` where it is not available or withheld (a gap in the line)."""
    if value is None or is_withheld(value) or value != value:
        return None
    return float(value)


def _draw_line(ax, positions, values, number: int, name: str, unit: str, below: Sequence[bool] = (),
               labelled: bool = True) -> None:
    """One line, each point labelled with its value: above the point, or below it where ``below`` says so
    (the lower of two lines at that step, so that labels where lines meet do not overlap). An unlabelled line
    (a comparator beside the labelled ones) is drawn thinner; its values are in the text alternative."""
    colour = PALETTE[number % len(PALETTE)]
    ys = [float("nan") if _plotted(v) is None else _plotted(v) for v in values]
    # a marker and dash pattern of its own, so that the lines differ by more than colour
    ax.plot(positions, ys, marker=MARKERS[number % len(MARKERS)], linestyle=LINE_STYLES[number % len(LINE_STYLES)],
            color=colour, label=name, linewidth=2 if labelled else 1.3, markersize=6 if labelled else 4)
    for x, v in zip(positions, values):
        if is_withheld(v):  # a withheld point is a gap in the line, marked where it would be, never left silent
            ax.annotate(WITHHELD, (x, 0), textcoords="offset points", xytext=(0, 4), ha="center", va="bottom",
                        fontsize=TEXT_SIZE, color=colour)
    if not labelled:
        return
    for index, (x, v) in enumerate(zip(positions, values)):
        if _plotted(v) is not None:
            under = index < len(below) and below[index]
            ax.annotate(f"{_number(v)}{unit}", (x, _plotted(v)), textcoords="offset points",
                        xytext=(0, -9 if under else 7), ha="center", va="top" if under else "bottom",
                        fontsize=TEXT_SIZE, color=colour)


def _lower_at_each_step(series: dict) -> dict[str, list[bool]]:
    """For each line, whether it is the lower of the lines at each step (its labels go below its points).

    >>> _lower_at_each_step({"A": [42.9, 23.3], "B": [42.1, 45.9]})
    {'A': [False, True], 'B': [True, False]}
    """
    names = list(series)
    lower = {name: [] for name in names}
    for step in range(max((len(v) for v in series.values()), default=0)):
        heights = {name: _plotted(series[name][step]) if step < len(series[name]) else None for name in names}
        shown = {name: h for name, h in heights.items() if h is not None}
        top = max(shown, key=shown.get) if len(shown) > 1 else None
        for name in names:
            lower[name].append(top is not None and name in shown and name != top)
    return lower


def _value_axis(ax, values, unit: str) -> None:
    """From zero, with room above the highest point for its label; whole-number ticks for counts."""
    heights = [_plotted(v) for v in values if _plotted(v) is not None]
    highest = max(heights, default=0.0)
    ax.set_ylim(0, highest * 1.25 if highest > 0 else 1)
    if _whole_numbers(values) and not unit:
        _integer_ticks(ax.yaxis)


def line_chart(
    x_labels: Sequence[str],
    series: dict,
    *,
    title: str,
    value_label: str,
    unit: str = "",
    labelled: int | None = None,
    intervals: dict | None = None,
) -> Chart:
    """Lines over the years, one per series, each point labelled with its value.

    The lines share one axis: give it series of the same measure (the
    authority's rate and England's); series of different sizes belong in
    :func:`small_multiples`.

    Parameters
    ----------
    x_labels : sequence of str
        The years (or other steps), left to right.
    series : dict
        Line name to its values, one per label; ``None`` where not available
        (the line is broken there).
    title, value_label : str
        Chart title (the figure's caption) and the axis label for the values.
    unit : str
        Appended to each value label, e.g. ``"%"``.
    labelled : int, optional
        How many of the series, from the first, have their points labelled (all by default); the others
        (comparators: the region, the neighbours) are thinner lines whose values the text alternative gives.
    intervals : dict, optional
        A series' name to its points' 95% intervals (:class:`cpstats.figures.uncertainty.Interval`, a withheld
        one, or ``None``), drawn as error bars and stated in the text alternative.
    """
    configure_matplotlib()
    import matplotlib.pyplot as plt

    labelled = len(series) if labelled is None else labelled
    figure, ax = plt.subplots(figsize=(LINE_WIDTH, 2.8 if len(series) <= 2 else 3.2))
    positions = list(range(len(x_labels)))
    below = _lower_at_each_step(series)  # a label goes below its point where any line, labelled or not, is above
    for number, (name, values) in enumerate(series.items()):
        _draw_line(ax, positions, values, number, name, unit, below.get(name, ()), labelled=number < labelled)
    highs = []
    for number, (name, values) in enumerate(series.items()):
        if name in (intervals or {}):
            highs += _draw_intervals(ax, positions, values, intervals[name], number)
    ax.set_xticks(positions, list(x_labels))
    ax.set_ylabel(value_label)
    _value_axis(ax, [v for values in series.values() for v in values] + highs, unit)
    ax.margins(x=0.08)
    if len(series) > 1:  # below the plot, where it cannot cover a line or a label
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(0, -0.12), ncol=1 if len(series) > 2 else len(series))
    alt = describe_lines(x_labels, series, title, unit)
    for name, found in (intervals or {}).items():
        if name in series:
            alt += f" {describe_intervals(x_labels, name, found, unit)}"
    return Chart(figure_to_svg(figure), alt, title, withheld=_any_withheld(series))


def _bounds(interval) -> tuple[float, float] | None:
    """An interval's ends, or ``None`` (withheld, not available)."""
    if interval is None or is_withheld(interval):
        return None
    low, high = getattr(interval, "low", None), getattr(interval, "high", None)
    return None if low is None or high is None else (float(low), float(high))


def _draw_intervals(ax, positions, values, intervals, number: int) -> list[float]:
    """Error bars of a line's 95% intervals, in its colour, a little to the left of each point so that they never
    run through its value's label; nothing where the point or its interval is withheld. Returns the bars' tops."""
    colour = PALETTE[number % len(PALETTE)]
    xs, ys, below, above = [], [], [], []
    for x, v, interval in zip(positions, values, intervals):
        ends = _bounds(interval)
        if ends is None or _plotted(v) is None:
            continue
        y = _plotted(v)
        xs.append(x - 0.24), ys.append(y), below.append(max(0.0, y - ends[0])), above.append(max(0.0, ends[1] - y))
    if xs:
        ax.errorbar(xs, ys, yerr=[below, above], fmt="none", ecolor=colour, elinewidth=1.1, capsize=4, capthick=1.1,
                    alpha=0.8, label="95% interval", zorder=1)
    return [y + a for y, a in zip(ys, above)]


def describe_intervals(x_labels: Sequence[str], name: str, intervals, unit: str = "") -> str:
    """The text alternative's sentence of a line's 95% intervals.

    >>> from cpstats.figures.uncertainty import Interval
    >>> describe_intervals(["2016-17", "2017-18"], "Rutland", [Interval(15.1, 36.8, "rate"), "[c]"])
    'Error bars: the 95% intervals of Rutland: 2016-17 15.1 to 36.8, 2017-18 [c].'
    """
    parts = []
    for x, interval in zip(x_labels, intervals):
        ends = _bounds(interval)
        text = (WITHHELD if is_withheld(interval) else "not available") if ends is None else \
            f"{_number(ends[0])}{unit} to {_number(ends[1])}{unit}"
        parts.append(f"{x} {text}")
    return f"Error bars: the 95% intervals of {name}: " + ", ".join(parts) + "."


def small_multiples(
    x_labels: Sequence[str],
    series: dict,
    *,
    title: str,
    value_label: str = "",
    unit: str = "",
) -> Chart:
    """One small line chart per series, one above the other, each with its own scale from zero.

    For measures of different sizes (referrals in hundreds, plans in tens),
    which on one axis would flatten the smaller into a line along the bottom.
    Each panel is titled with its series' name; the years are shared.

    >>> chart = small_multiples(["2016-17", "2017-18"], {"Referrals": [412, 305], "Plans started": [34, 20]}, title="Demand")
    >>> chart.alt
    'Line chart: Demand. Referrals: 2016-17 412, 2017-18 305; Plans started: 2016-17 34, 2017-18 20.'
    """
    configure_matplotlib()
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(len(series), 1, figsize=(LINE_WIDTH, 0.4 + 1.8 * len(series)), sharex=True, squeeze=False)
    positions = list(range(len(x_labels)))
    for number, ((name, values), ax) in enumerate(zip(series.items(), axes[:, 0])):
        _draw_line(ax, positions, values, number, name, unit)
        ax.set_title(name, fontsize=12, pad=10)
        ax.set_ylabel(value_label)
        _value_axis(ax, values, unit)
        ax.margins(x=0.08)
    axes[-1, 0].set_xticks(positions, list(x_labels))
    figure.tight_layout(h_pad=1.2)
    return Chart(figure_to_svg(figure), describe_lines(x_labels, series, title, unit), title,
                 withheld=_any_withheld(series))


def trend_chart(trend: pd.DataFrame, columns: dict, *, title: str, value_label: str, unit: str = "",
                separate: bool = False, comparators: dict | None = None, intervals: dict | None = None) -> Chart:
    """A line chart of some columns of :func:`cpstats.figures.trends.headline_trend`'s table.

    ``columns`` maps a column of ``trend`` to the line's name in the legend.
    With ``separate`` each column is a panel of its own, with its own scale
    (:func:`small_multiples`): for measures of different sizes. ``comparators``
    (the same kind of mapping: the region's and the neighbours' columns) are
    drawn as thinner lines without value labels, after the labelled ones. ``intervals`` maps a column to its
    95% interval each year (:func:`cpstats.present.fairness.trend_intervals`), drawn as error bars.
    """
    def values(column):
        return [None if v is None or (not is_withheld(v) and v != v) else v for v in trend[column]]

    series = {label: values(column) for column, label in columns.items() if column in trend.columns}
    labelled = len(series)
    series.update({label: values(column) for column, label in (comparators or {}).items()
                   if column in trend.columns and any(v is not None for v in values(column))})
    if separate:
        chart = small_multiples([str(year) for year in trend.index], series, title=title, value_label=value_label, unit=unit)
    else:
        chart = line_chart([str(year) for year in trend.index], series, title=title, value_label=value_label, unit=unit,
                           labelled=labelled,
                           intervals={columns[c]: list(v) for c, v in (intervals or {}).items() if c in columns})
    if len(series) > labelled or any(str(column).startswith("england:") for column in columns):
        from dataclasses import replace

        chart = replace(chart, source="the authority's own records, computed by cpstats; England, the region and the "
                                      "statistical neighbours: DfE, Children in need statistics")
    return chart
