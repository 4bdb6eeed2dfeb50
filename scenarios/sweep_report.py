"""A sweep as files: `sweep.json` for tools, `sweep.csv` (one row per point and arm) for a
spreadsheet, and one self-contained `sweep.html` with the tornado chart (inline CSS and SVG, no
script, opens offline). Pure functions of the sweep dict: the same sweep gives the same bytes."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from simulator.scenarios.experiment import HEADLINE_FIGURES
from simulator.scenarios.report import CHAR_WIDTH, CSS, _domain, _esc, _legend, _money, _percent, _plain, _tick
from simulator.scenarios.sweep import HEADLINE, headline

ENDS = ("mean", "low", "high")

# the bar; each end's whisker and label (the value giving the lowest headline, the highest); the base run
BAR_COLOR, LOW_COLOR, HIGH_COLOR, BASE_COLOR = "#bfdbfe", "#1d4ed8", "#b45309", "#b91c1c"
SWEEP_CSS = """
svg.chart .bar { fill: %s; }
svg.chart .whisker { stroke-width: 1.5; fill: none; }
svg.chart .low { stroke: %s; } svg.chart text.low { fill: %s; stroke: none; }
svg.chart .high { stroke: %s; } svg.chart text.high { fill: %s; stroke: none; }
svg.chart .base { stroke: %s; stroke-width: 1.5; stroke-dasharray: 5 3; }
svg.chart .base-band { fill: %s; opacity: 0.08; }
svg.chart text.value { font-size: 11px; }
footer { color: #6b7280; font-size: 12px; margin: 0 0 24px; }
""" % (BAR_COLOR, LOW_COLOR, LOW_COLOR, HIGH_COLOR, HIGH_COLOR, BASE_COLOR, BASE_COLOR)


def write_sweep(sweep: dict, out_dir: Path) -> tuple[Path, Path, Path]:
    """Write sweep.json, sweep.csv and sweep.html into `out_dir`; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = out_dir / "sweep.json", out_dir / "sweep.csv", out_dir / "sweep.html"
    paths[0].write_text(json.dumps(sweep, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths[1].write_text(render_csv(sweep), encoding="utf-8")
    paths[2].write_text(render_html(sweep), encoding="utf-8")
    return paths


def _points(sweep: dict) -> list[tuple[str, object, dict]]:
    """(parameter, value, intervals) for the base run (parameter "base", no value), then each point."""
    return [("base", "", sweep["base"]["intervals"])] + [(p["parameter"], p["value"], p["intervals"])
                                                       for p in sweep["points"]]


def render_csv(sweep: dict) -> str:
    """One row per point and arm: each headline figure's mean, low and high, then the headline
    uplift's (empty for the first arm, the comparison base)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    spread = [f"{figure}_{end}" for figure in HEADLINE_FIGURES for end in ENDS]
    writer.writerow(["parameter", "value", "arm", *spread, *(f"uplift_{HEADLINE}_{end}" for end in ENDS)])
    for parameter, value, intervals in _points(sweep):
        for arm, figures in intervals["arms"].items():
            uplift = (intervals["uplift"].get(arm) or {}).get(HEADLINE) or {}
            writer.writerow([parameter, value, arm, *(figures[f][end] for f in HEADLINE_FIGURES for end in ENDS),
                             *(uplift.get(end, "") for end in ENDS)])
    return out.getvalue()


def _interval_text(interval: dict | None) -> str:
    if interval is None:
        return "n/a"
    mean, low, high = (_percent(interval[end], True) for end in ENDS)
    return f"{mean} ({low} to {high})"


def _tornado_chart(sweep: dict, width: int = 900) -> str:
    """A bar per parameter from its lowest to its highest headline (each end labelled with the value
    that gave it, its 95% interval as a whisker), widest on top; the dashed line is the base run."""
    bars = sweep["tornado"]
    base = headline(sweep["base"], sweep["headline"]["arm"])
    label_w = max([len(b["parameter"]) for b in bars] + [4]) * CHAR_WIDTH + 12
    room = 16 * CHAR_WIDTH  # each end's "value: uplift" label
    plot_x, plot_w = label_w + room, width - label_w - 2 * room
    ends = [e["uplift"] for b in bars for e in (b["low"], b["high"]) if e] + ([base] if base else [])
    lo, hi, step = _domain([v for e in ends for v in (e["low"], e["high"])])
    x = lambda v: plot_x + (v - lo) / (hi - lo) * plot_w  # noqa: E731
    row, top = 46, 24
    height = top + row * len(bars) + 28
    parts = []
    tick = lo
    while tick <= hi + step / 2:
        label = _esc(_tick(tick * 100, step * 100))
        parts.append(f'<line class="gridline" x1="{x(tick):.1f}" y1="{top - 6}" x2="{x(tick):.1f}" y2="{height - 22}"/>'
                     f'<text x="{x(tick):.1f}" y="{height - 6}" text-anchor="middle">{label}%</text>')
        tick += step
    if base:
        parts.append(f'<rect class="base-band" x="{x(base["low"]):.1f}" y="{top - 6}" '
                     f'width="{x(base["high"]) - x(base["low"]):.1f}" height="{height - top - 16}"/>'
                     f'<line class="base" id="base-line" data-value="{base["mean"]}" '
                     f'x1="{x(base["mean"]):.1f}" y1="{top - 12}" x2="{x(base["mean"]):.1f}" y2="{height - 22}"/>'
                     f'<text x="{x(base["mean"]):.1f}" y="{top - 14}" text-anchor="middle">as it stands: '
                     f'{_esc(_percent(base["mean"], True))}</text>')
    for i, bar in enumerate(bars):
        y = top + i * row
        parts.append(f'<text x="0" y="{y + 12}">{_esc(bar["parameter"])}</text>')
        if bar["width"] is None:
            parts.append(f'<text x="{plot_x}" y="{y + 12}" class="value">no headline: the first arm recovered nothing '
                         'at some value</text>')
            continue
        low, high = bar["low"], bar["high"]
        x0, x1 = x(low["uplift"]["mean"]), x(high["uplift"]["mean"])
        parts.append(f'<rect class="bar tornado-bar" data-parameter="{_esc(bar["parameter"])}" '
                     f'data-low="{low["uplift"]["mean"]}" data-high="{high["uplift"]["mean"]}" x="{x0:.1f}" y="{y}" '
                     f'width="{max(x1 - x0, 1):.1f}" height="16"><title>{_esc(_bar_text(bar))}</title></rect>')
        for end, side, offset in ((low, "low", 5), (high, "high", 11)):
            a, b = x(end["uplift"]["low"]), x(end["uplift"]["high"])
            parts.append(f'<path class="whisker {side}" d="M{a:.1f} {y + offset}H{b:.1f}M{a:.1f} {y + offset - 3}v6'
                         f'M{b:.1f} {y + offset - 3}v6"/>')
        for end, side, at, anchor in ((low, "low", min(x0, x(low["uplift"]["low"])) - 4, "end"),
                                      (high, "high", max(x1, x(high["uplift"]["high"])) + 4, "start")):
            parts.append(f'<text class="value {side}" x="{at:.1f}" y="{y + 30}" text-anchor="{anchor}">'
                         f'{_esc(_plain(end["value"]))}: {_esc(_percent(end["uplift"]["mean"], True))}</text>')
    return (f'<svg class="chart" id="tornado" role="img" xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" style="max-width: {width}px">'
            f'<title>Headline uplift against each varied parameter</title>{"".join(parts)}</svg>')


def _bar_text(bar: dict) -> str:
    low, high = bar["low"], bar["high"]
    return (f'{bar["parameter"]}: {_plain(low["value"])} gives {_interval_text(low["uplift"])}, '
            f'{_plain(high["value"])} gives {_interval_text(high["uplift"])}')


def _points_table(sweep: dict) -> str:
    arm = sweep["headline"]["arm"]
    arms = list(sweep["base"]["intervals"]["arms"])
    currency = _esc(sweep["currency"])
    head = "".join(f'<th class="num">{_esc(name)}: recovered revenue ({currency})</th>' for name in arms)
    rows = []
    for parameter, value, intervals in _points(sweep):
        label = "the scenario as it stands" if parameter == "base" else _esc(parameter)
        money = [[_money(intervals["arms"][name][HEADLINE][end], "") for end in ENDS] for name in arms]
        cells = "".join(f'<td class="num">{mean} ({low} to {high})</td>' for mean, low, high in money)
        rows.append(f'<tr><td>{label}</td><td class="num">{_esc(_plain(value))}</td>'
                    f'<td class="num">{_esc(_interval_text(intervals["uplift"][arm][HEADLINE]))}</td>{cells}</tr>')
    return ('<table id="points"><thead><tr><th>parameter</th><th class="num">value</th>'
            f'<th class="num">headline uplift (95% interval)</th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


LEGEND = (("the value giving the lowest headline, its interval", LOW_COLOR),
          ("the value giving the highest headline, its interval", HIGH_COLOR),
          ("the scenario as it stands, its interval", BASE_COLOR))


def render_html(sweep: dict) -> str:
    """The sweep as one page that opens from a file, offline, anywhere."""
    h = sweep["headline"]
    method = sweep["base"]["intervals"]["method"]
    base_values = ", ".join(f"{name} {_plain(value)}" for name, value in sweep["base"]["values"].items())
    scenario = _esc(sweep["scenario"])
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>Flow Sandbox sensitivity: {scenario}</title><style>{CSS}{SWEEP_CSS}</style></head><body><main>'
        f'<header><h1>Sensitivity: {scenario}</h1><p class="muted">{_plain(sweep["visitors"])} visitors · '
        f'{_plain(sweep["horizon_days"])} days · {_plain(sweep["replications"])} replications per point</p></header>'
        '<section><h2>What moves the headline</h2><p>The headline is the recovered revenue (orders that would not '
        f'have happened without any message) of <strong>{_esc(h["arm"])}</strong> against '
        f'<strong>{_esc(h["against"])}</strong>. Each bar moves one assumption over the values shown, every other one '
        'as the scenario has it, and spans the lowest to the highest headline those values give; the widest bar is '
        'the assumption the headline leans on most. Whiskers are 95% intervals over the replications; the dashed '
        f'line and its band are the scenario as it stands ({_esc(base_values)}).</p>'
        f'{_legend(LEGEND)}{_tornado_chart(sweep)}</section>'
        f'<section><h2>Every point</h2>{_points_table(sweep)}</section>'
        f'<footer>Seed {_esc(sweep["seed"])} · {_esc(sweep["replications"])} replications per point · intervals: '
        f'{_esc(method)} · Flow Sandbox {_esc(sweep["version"])}</footer>'
        '</main></body></html>\n')


def summary(sweep: dict) -> str:
    """The tornado as text for a terminal: widest first."""
    h = sweep["headline"]
    lines = [f'{sweep["scenario"]}: {h["figure"]} of {h["arm"]} vs {h["against"]}, as it stands '
             f'{_interval_text(headline(sweep["base"], h["arm"]))}']
    for bar in sweep["tornado"]:
        if bar["width"] is None:
            lines.append(f'  {bar["parameter"]}: no headline (the first arm recovered nothing at some value)')
            continue
        lines.append(f"  {_bar_text(bar)}")
    return "\n".join(lines)
