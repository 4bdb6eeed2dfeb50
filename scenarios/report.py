"""A scenario run's report as files a person reads: `report.json` for tools, one `report.html` that
opens offline (inline CSS, charts drawn here as inline SVG), and a plain-text table for the terminal.

Everything is a pure function of the report dict: no clock, no randomness, no network, so the same
run gives byte-identical files."""
from __future__ import annotations

import html
import json
import math
from pathlib import Path

DELIVERY_OUTCOMES = ("delivered", "deduplicated", "filtered", "failed", "lost", "retries")
# Arms are told apart by colour in every chart: the first arm (the comparison base) is grey.
ARM_COLORS = ("#6b7280", "#2563eb", "#d97706", "#059669", "#7c3aed", "#db2777", "#0891b2", "#65a30d")
RECOVERED_COLOR = "#059669"
ATTRIBUTED_COLOR = "#c4b5fd"
ENTRIES_COLOR = "#2563eb"
MESSAGES_COLOR = "#93c5fd"
CHAR_WIDTH = 7  # px per character of 12px chart text, to reserve room for labels
GAP_SENTENCE = (
    "Attributed revenue is what the vendor's dashboard credits to its messages (orders that follow an "
    "open or click within the attribution window); recovered revenue is only the orders that would not have "
    "happened without any message, against the same journeys with none — the gap between the two "
    "bars is what this demo is about.")
DASHBOARD_SENTENCE = (
    "Klaviyo's dashboard figure is its own flow-values report, read through the API at the end of the run as a "
    "merchant's reporting would: the Placed Order value Klaviyo credits to the arm's flows, each order to the last "
    "flow email its shopper opened or clicked within 5 days (Klaviyo's default attribution). It also credits orders "
    "the shopper would have placed without any email, so it usually runs above what the flows truly earned; the "
    "true incremental revenue counts only the orders that happen because a message was sent, against the same "
    "journeys with none. More flows, or clones of them, raise the dashboard's figure whether or not they add an "
    "order. The run's own last-touch figure beside it differs only where Klaviyo never received an order or tied "
    "it to another profile than the recipient's.")

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f3f4f6; color: #111827;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1220px; margin: 0 auto; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 10px; }
h3 { font-size: 14px; margin: 14px 0 6px; color: #374151; }
p { margin: 0 0 8px; }
.muted { color: #6b7280; }
section, .card { background: #fff; border: 1px solid #e5e7eb; border-radius: 10px; padding: 16px 18px; margin: 0 0 18px; }
#headline { display: flex; flex-wrap: wrap; gap: 8px 28px; align-items: baseline; }
#headline-uplift { font-size: 44px; font-weight: 700; line-height: 1.1; }
#headline-money { font-size: 22px; font-weight: 600; }
#headline p { flex-basis: 100%; }
.up { color: #047857; } .down { color: #b91c1c; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 18px; }
.arms { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 18px; margin: 0 0 18px; }
.arms .card { margin: 0; min-width: 0; }
.grid2 > div { min-width: 0; }
svg.chart { display: block; width: 100%; height: auto; }
svg.chart text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: #374151; }
svg.chart .axis { stroke: #9ca3af; stroke-width: 1; }
svg.chart .gridline { stroke: #e5e7eb; stroke-width: 1; }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 16px; padding: 0; margin: 0 0 8px; font-size: 13px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
dl.stats { display: grid; grid-template-columns: auto 1fr; gap: 2px 12px; margin: 0; }
dl.stats dt { color: #6b7280; }
dl.stats dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
th { font-weight: 600; color: #374151; background: #f9fafb; }
td.num, th.num { text-align: right; }
td.source { overflow-wrap: anywhere; }
.pass { color: #047857; font-weight: 700; } .fail { color: #b91c1c; font-weight: 700; }
.delivery { display: grid; grid-template-columns: repeat(3, 1fr); gap: 6px; }
.delivery div { background: #f9fafb; border-radius: 6px; padding: 4px 8px; }
.delivery span { display: block; font-size: 12px; color: #6b7280; }
.delivery strong { font-variant-numeric: tabular-nums; }
ul.pairs { margin: 0; padding-left: 18px; }
.gap { font-size: 13px; color: #374151; max-width: 900px; }
#headline-sentence { font-size: 17px; font-weight: 600; }
dl.definitions { display: grid; grid-template-columns: 220px 1fr; gap: 4px 12px; margin: 12px 0 0; font-size: 13px; }
dl.definitions dt { font-weight: 600; }
dl.definitions dd { margin: 0; color: #374151; }
footer { margin: 8px 0 24px; font-size: 12px; }
"""


def write_reports(report: dict, out_dir: Path) -> tuple[Path, Path]:
    """Write `report.json` and `report.html` into `out_dir`; returns their paths (json, html)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / "report.json", out_dir / "report.html"
    json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    html_path.write_text(render_html(report), encoding="utf-8")
    return json_path, html_path


# ---- formatting ----

def _esc(value) -> str:
    return html.escape(str(value))


def _int(value) -> str:
    return f"{int(value or 0):,}"


def _money(value, currency: str) -> str:
    text = f"{float(value or 0):,.2f}"
    return f"{text} {currency}" if currency else text


def _signed_money(value, currency: str) -> str:
    amount = float(value or 0)
    return ("+" if amount >= 0 else "-") + _money(abs(amount), currency)


def _percent(ratio, signed: bool = False) -> str:
    if ratio is None:
        return "n/a"
    return f"{ratio * 100:+.1f}%" if signed else f"{ratio * 100:.1f}%"


def _plain(value) -> str:
    """Any report value as short text: numbers with separators, the rest as JSON."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _readable(value) -> str:
    """A parameter's value as a person reads it: lists and mappings as plain phrases, not JSON."""
    if isinstance(value, dict):
        return ", ".join(f"{key} {_readable(item)}" for key, item in value.items())
    if isinstance(value, list):
        return "; ".join(_readable(item) for item in value) if any(isinstance(i, dict) for i in value) \
            else ", ".join(_readable(item) for item in value)
    return _plain(value)


def _tick(value: float, step: float) -> str:
    return f"{value:,.0f}" if float(step).is_integer() else _plain(round(value, 4))


def _nice_step(span: float) -> float:
    """A 1/2/2.5/5 x 10^n step giving about four gridlines over `span`."""
    raw = span / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def _domain(values: list[float]) -> tuple[float, float, float]:
    """Axis bounds (always including zero) rounded out to whole steps, and the step."""
    lo, hi = min([0.0, *values]), max([0.0, *values])
    if hi == lo:
        return 0.0, 1.0, 1.0
    step = _nice_step(hi - lo)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step, step


def _arms(report: dict) -> list[tuple[str, dict, str]]:
    return [(name, arm or {}, ARM_COLORS[i % len(ARM_COLORS)])
            for i, (name, arm) in enumerate((report.get("arms") or {}).items())]


# ---- charts ----

def _legend(items: list[tuple[str, str]]) -> str:
    entries = "".join(f'<li><span class="swatch" style="background:{color}"></span>{_esc(label)}</li>'
                      for label, color in items)
    return f'<ul class="legend">{entries}</ul>'


def _hbar_chart(chart_id: str, title: str, groups: list[tuple[str, list[float]]],
                series: list[tuple[str, str]], fmt, width: int, arm: str | None = None,
                shared: tuple[float, ...] = ()) -> str:
    """Horizontal bars, one group per label (label on its own line, so long flow and arm names
    never collide) and one bar per series, its value just past its end (room reserved on the right).
    `shared` values widen the scale so charts side by side (one per arm) compare by length."""
    bar, gap, label_h, group_gap = 14, 3, 17, 10
    values = [v for _, vs in groups for v in vs] + list(shared)
    value_w = max([len(fmt(v)) for v in values] + [1]) * CHAR_WIDTH + 10
    left, plot_w = 2, max(width - value_w - 4, 40)
    lo, hi, _ = _domain(values)
    scale = plot_w / (hi - lo)
    zero = left + (0 - lo) * scale
    parts, y = [], 4
    for label, vs in groups:
        parts.append(f'<text x="{left}" y="{y + 12}">{_esc(label)}</text>')
        y += label_h
        for (name, color), value in zip(series, vs):
            x0 = left + (min(value, 0) - lo) * scale
            x1 = left + (max(value, 0) - lo) * scale
            parts.append(
                f'<rect class="bar" data-series="{_esc(name)}" data-value="{value}" x="{x0:.1f}" y="{y}" '
                f'width="{x1 - x0:.1f}" height="{bar}" fill="{color}"><title>{_esc(label)} — {_esc(name)}: '
                f'{_esc(fmt(value))}</title></rect>'
                f'<text x="{x1 + 5:.1f}" y="{y + 11}">{_esc(fmt(value))}</text>')
            y += bar + gap
        y += group_gap
    if not groups:
        parts.append(f'<text x="{left}" y="{y + 12}" class="empty">nothing to show</text>')
        y += label_h
    parts.insert(0, f'<line class="axis" x1="{zero:.1f}" y1="0" x2="{zero:.1f}" y2="{y}"/>')
    data_arm = f' data-arm="{_esc(arm)}"' if arm is not None else ""
    return (f'<svg class="chart bar-chart" id="{chart_id}"{data_arm} role="img" xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="0 0 {width} {y}" width="{width}" height="{y}" style="max-width: {width}px">'
            f'<title>{_esc(title)}</title>{"".join(parts)}</svg>')


def _line_chart(chart_id: str, title: str, days: list[str], lines: list[tuple[str, str, list[float]]]) -> str:
    """One polyline per arm over the run's days, with a gridded y axis and every few days labelled."""
    width, height, left, right, top, bottom = 560, 260, 64, 14, 10, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    lo, hi, step = _domain([v for _, _, vs in lines for v in vs])

    def x(i: int) -> float:
        return left + (plot_w * i / (len(days) - 1) if len(days) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h * (hi - v) / (hi - lo)

    parts = []
    for k in range(round((hi - lo) / step) + 1):
        value = lo + k * step
        parts.append(f'<line class="gridline" x1="{left}" y1="{y(value):.1f}" x2="{width - right}" y2="{y(value):.1f}"/>'
                     f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{_tick(value, step)}</text>')
    every = max(1, math.ceil(len(days) / 8))
    for i, day in enumerate(days):
        if i % every == 0:
            parts.append(f'<text x="{x(i):.1f}" y="{height - 10}" text-anchor="middle">{_esc(day[5:] or day)}</text>')
    parts.append(f'<line class="axis" x1="{left}" y1="{y(0):.1f}" x2="{width - right}" y2="{y(0):.1f}"/>')
    for name, color, values in lines:
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline class="line" data-arm="{_esc(name)}" fill="none" stroke="{color}" '
                     f'stroke-width="2.5" stroke-linejoin="round" points="{points}"/>')
        parts.extend(f'<circle class="point" data-arm="{_esc(name)}" cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" '
                     f'fill="{color}"><title>{_esc(name)}, {_esc(days[i])}: {_plain(v)}</title></circle>'
                     for i, v in enumerate(values))
    if not days:
        parts.append(f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle">no days</text>')
    return (f'<svg class="chart line-chart" id="{chart_id}" role="img" xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" style="max-width: {width}px">'
            f'<title>{_esc(title)}</title>'
            f'{"".join(parts)}</svg>')


def _daily_series(arms: list[tuple[str, dict, str]]) -> tuple[list[str], list, list]:
    """Messages per day and cumulative recovered revenue per day, per arm, on the union of days
    (a day an arm did not report counts as nothing happening)."""
    days = sorted({row.get("day", "") for _, arm, _ in arms for row in arm.get("by_day") or []})
    messages, recovered = [], []
    for name, arm, color in arms:
        rows = {row.get("day", ""): row for row in arm.get("by_day") or []}
        messages.append((name, color, [rows.get(day, {}).get("messages", 0) or 0 for day in days]))
        total, cumulative = 0.0, []
        for day in days:
            total += rows.get(day, {}).get("recovered_revenue", 0) or 0
            cumulative.append(round(total, 2))
        recovered.append((name, color, cumulative))
    return days, messages, recovered


def _headline_figures(report: dict, arms: list[tuple[str, dict, str]]) -> tuple[str, str, float | None, float, float]:
    """The last arm against the first: names, the runner's uplift ratio (None when the first arm
    recovered nothing) and both recovered revenues."""
    (first, first_arm, _), (last, last_arm, _) = arms[0], arms[-1]
    ratio = ((report.get("uplift") or {}).get(last) or {}).get("recovered_revenue")
    return first, last, ratio, first_arm.get("recovered_revenue") or 0, last_arm.get("recovered_revenue") or 0


# ---- sections ----

def _interval_text(spread: dict | None, fmt) -> str:
    if not spread or spread.get("low") is None:
        return ""
    return f" (95% interval {fmt(spread['low'])} to {fmt(spread['high'])})"


def _headline(report: dict, arms: list[tuple[str, dict, str]], currency: str) -> str:
    baseline = report.get("baseline") or {}
    base_line = (f'<p class="muted" id="baseline">Baseline, the same journeys with no messages: '
                 f'{_int(baseline.get("orders"))} orders, {_esc(_money(baseline.get("revenue"), currency))}.</p>')
    if len(arms) < 2:
        return ('<section id="headline"><div id="headline-uplift">n/a</div>'
                f'<p>One arm only: there is nothing to compare its recovered revenue with.</p>{base_line}</section>')
    first, last, ratio, a, b = _headline_figures(report, arms)
    headline = report.get("headline") or {}
    uplift = headline.get("recovered_revenue_uplift") or {}
    if uplift.get("mean") is not None:
        ratio = uplift["mean"]
    money = (headline.get("incremental_revenue") or {}).get("mean", b - a)
    tone = "up" if money >= 0 else "down"
    return (f'<section id="headline"><div id="headline-uplift" class="{tone}">{_percent(ratio, signed=True)}</div>'
            f'<div id="headline-money" class="{tone}">{_esc(_signed_money(money, currency))}</div>'
            f'<p id="headline-sentence">{_esc(_sentence(report, headline, ratio, currency))}</p>'
            f'<p>recovered revenue of <strong>{_esc(last)}</strong> against <strong>{_esc(first)}</strong>'
            f'{" (first replication)" if report.get("replications", 1) > 1 else ""}: '
            f'{_esc(_money(b, currency))} vs {_esc(_money(a, currency))}.</p>{base_line}</section>')


def _sentence(report: dict, headline: dict, ratio, currency: str) -> str:
    """The headline as one sentence with its interval and what it means a month."""
    uplift = headline.get("recovered_revenue_uplift") or {}
    text = (f"{_percent(ratio, signed=True)} incremental revenue from abandonment flows"
            f"{_interval_text(uplift, lambda v: _percent(v, signed=True))}")
    projection = report.get("projection")
    monthly = (projection or {}).get("monthly_incremental_revenue") or headline.get("monthly_incremental_revenue")
    if monthly and monthly.get("mean") is not None:
        who = "for a store like yours" if projection else "for a store like the simulated one"
        text += (f", about {_signed_money(monthly['mean'], currency)} a month {who}"
                 f"{_interval_text(monthly, lambda v: _signed_money(v, currency))}")
    if uplift.get("low") is None:
        text += ". One replication: no interval (run with --replications to get one)"
    return text + "."


def _revenue_section(report: dict, arms: list[tuple[str, dict, str]], currency: str) -> str:
    """Per arm, recovered against attributed revenue: the mean over replications when there are
    several, else the run's own figures."""
    means = (report.get("intervals") or {}).get("arms") or {}

    def value(name: str, arm: dict, figure: str) -> float:
        return (means.get(name) or {}).get(figure, {}).get("mean", arm.get(figure)) or 0
    groups = [(name, [value(name, arm, "recovered_revenue"), value(name, arm, "attributed_revenue")])
              for name, arm, _ in arms]
    series = [("recovered (incremental)", RECOVERED_COLOR), ("attributed by the vendor", ATTRIBUTED_COLOR)]
    chart = _hbar_chart("chart-revenue", f"Recovered vs attributed revenue ({currency})", groups, series,
                        lambda v: f"{v:,.2f}", 1130)
    over = f", mean of {report['replications']} replications" if means else ""
    return (f'<section id="revenue"><h2>Recovered vs attributed revenue{f" ({_esc(currency)}{over})" if currency else ""}'
            f'</h2><p class="gap">{_esc(GAP_SENTENCE)}</p>{_legend(series)}{chart}</section>')


def _dashboard_section(report: dict, arms: list[tuple[str, dict, str]], currency: str) -> str:
    """Per Klaviyo arm: what Klaviyo's flow-values report says beside the true incremental revenue."""
    rows = []
    for name, arm, _ in arms:
        if "klaviyo_dashboard" not in arm:
            continue
        said = arm["klaviyo_dashboard"]
        if said is None:
            cells = '<td class="num" colspan="3">Klaviyo did not answer the report</td>'
        else:
            cells = (f'<td class="num">{_int(said["recipients"])}</td><td class="num">{_int(said["conversions"])}</td>'
                     f'<td class="num">{_esc(_money(said["conversion_value"], currency))}</td>')
        rows.append(f'<tr data-arm="{_esc(name)}"><td>{_esc(name)}</td>{cells}'
                    f'<td class="num">{_esc(_money(arm.get("attributed_revenue"), currency))}</td>'
                    f'<td class="num">{_esc(_money(arm.get("recovered_revenue"), currency))}</td></tr>')
    if not rows:
        return ""
    first = " (the first replication)" if report.get("replications", 1) > 1 else ""
    return (f'<section id="klaviyo-dashboard"><h2>What Klaviyo\'s dashboard would say{first}</h2>'
            f'<p class="gap">{_esc(DASHBOARD_SENTENCE)}</p><table><tr><th>arm</th>'
            '<th class="num">flow recipients</th><th class="num">attributed conversions</th>'
            '<th class="num">Klaviyo\'s conversion value</th><th class="num">attributed revenue (the run\'s last touch)</th>'
            f'<th class="num">true incremental revenue</th></tr>{"".join(rows)}</table></section>')


def _over_time_section(arms: list[tuple[str, dict, str]], currency: str) -> str:
    days, messages, recovered = _daily_series(arms)
    return ('<section id="over-time"><h2>Over the days of the run</h2>'
            f'{_legend([(name, color) for name, _, color in arms])}<div class="grid2">'
            '<div><h3>Messages sent per day</h3>'
            f'{_line_chart("chart-messages-per-day", "Messages sent per day", days, messages)}</div>'
            f'<div><h3>Recovered revenue, cumulative{f" ({_esc(currency)})" if currency else ""}</h3>'
            f'{_line_chart("chart-recovered-cumulative", "Recovered revenue per day, cumulative", days, recovered)}</div>'
            '</div></section>')


def _flow_counts(arm: dict) -> list[tuple[str, list[float]]]:
    """Entries and messages per flow, for every flow that has either."""
    entries, by_workflow = arm.get("workflow_entries") or {}, arm.get("messages_by_workflow") or {}
    flows = list(entries) + [flow for flow in by_workflow if flow not in entries]
    return [(flow, [entries.get(flow, 0) or 0, by_workflow.get(flow, 0) or 0]) for flow in flows]


def _arm_card(index: int, name: str, arm: dict, color: str, currency: str, shared: tuple[float, ...]) -> str:
    per_shopper = arm.get("messages_per_shopper") or {}
    stats = [
        ("Visitors", _int(arm.get("visitors"))),
        ("Identified", f'{_int(arm.get("identified"))} ({_percent(arm.get("identified_share") or 0)})'),
        ("Native events", _int(arm.get("native_events"))),
        ("Events forwarded", _int(arm.get("events_forwarded"))),
        ("Messages sent", _int(arm.get("messages_sent"))),
        ("Messages per shopper", f'mean {_plain(per_shopper.get("mean", 0))}, max {_plain(per_shopper.get("max", 0))}'),
        ("Duplicates", _int(arm.get("duplicates"))),
        ("Orders", f'{_int(arm.get("orders"))} ({_int(arm.get("recovered_orders"))} recovered)'),
        ("Revenue", _money(arm.get("revenue"), currency)),
        ("Recovered revenue", _money(arm.get("recovered_revenue"), currency)),
        ("Attributed revenue", _money(arm.get("attributed_revenue"), currency)),
    ]
    dl = "".join(f"<dt>{_esc(label)}</dt><dd>{_esc(value)}</dd>" for label, value in stats)
    series = [("entries", ENTRIES_COLOR), ("messages", MESSAGES_COLOR)]
    chart = _hbar_chart(f"chart-entries-{index}", f"Workflow entries and messages: {name}", _flow_counts(arm),
                        series, lambda v: f"{v:,.0f}", 340, arm=name, shared=shared)
    pairs = arm.get("duplicates_by_pair") or {}
    pair_list = ("".join(f"<li>{_esc(pair)}: {_int(count)}</li>" for pair, count in pairs.items())
                 if pairs else "<li>none</li>")
    delivery = arm.get("delivery") or {}
    tiles = "".join(f'<div data-outcome="{outcome}"><span>{outcome}</span>'
                    f'<strong>{_int(delivery.get(outcome))}</strong></div>' for outcome in DELIVERY_OUTCOMES)
    reasons = delivery.get("reasons") or {}
    reason_text = ", ".join(f"{reason} {count:,}" for reason, count in reasons.items()) or "none"
    return (f'<div class="card arm" data-arm="{_esc(name)}" style="border-top: 4px solid {color}">'
            f'<h2>{_esc(name)}</h2><p class="muted">{_esc(arm.get("description", ""))}</p>'
            f'<dl class="stats">{dl}</dl>'
            f'<h3>Workflow entries and messages per flow</h3>{_legend(series)}{chart}'
            f'<h3>Duplicates by pair of flows</h3><ul class="pairs">{pair_list}</ul>'
            f'<h3>Delivery of forwarded events</h3><div class="delivery">{tiles}</div>'
            f'<p class="muted">reasons: {_esc(reason_text)}</p>{_lateness(arm.get("lateness"))}</div>')


def _lateness(late: dict | None) -> str:
    """How late the vendor heard of events, and the flows that fired late (scenarios/lateness.py)."""
    if not late:
        return ""
    delay = late["delay_seconds"]
    flows = ", ".join(f"{name} {count:,}" for name, count in late["late_by_workflow"].items()) or "none"
    return (f'<p class="lateness">Event to flow start: median {delay["p50"]:,.0f} s, 95th percentile '
            f'{delay["p95"]:,.0f} s, longest {delay["max"]:,.0f} s. Flow runs started more than '
            f'{late["late_seconds"] // 60} min late: {_int(late["late_runs"])} ({_esc(flows)}).</p>')


def _uplift_section(report: dict) -> str:
    uplift = report.get("uplift") or {}
    if not uplift:
        return ""
    metrics = list(dict.fromkeys(metric for row in uplift.values() for metric in (row or {})))
    head = "".join(f'<th class="num">{_esc(metric)}</th>' for metric in metrics)
    rows = "".join(
        f'<tr data-arm="{_esc(name)}"><td>{_esc(name)}</td>'
        + "".join(f'<td class="num">{_percent((row or {}).get(metric), signed=True)}</td>' for metric in metrics)
        + "</tr>" for name, row in uplift.items())
    first = next(iter(report.get("arms") or {}), "")
    return (f'<section id="uplift"><h2>Uplift against {_esc(first)}</h2>'
            f'<table><tr><th>arm</th>{head}</tr>{rows}</table>'
            '<p class="muted">n/a where the first arm\'s value is zero.</p></section>')


def _expectations_section(report: dict) -> str:
    expectations = report.get("expectations") or []
    passed = sum(1 for e in expectations if e.get("passed"))
    rows = "".join(
        f'<tr class="expectation {"pass" if e.get("passed") else "fail"}-row">'
        f'<td class="{"pass" if e.get("passed") else "fail"}">{"PASS" if e.get("passed") else "FAIL"}</td>'
        f'<td>{_esc(e.get("name", ""))}</td><td class="num">{_esc(_plain(e.get("actual")))}</td></tr>'
        for e in expectations)
    return (f'<section id="expectations"><h2>Expectations: {passed} of {len(expectations)} passed</h2>'
            f'<table><tr><th>result</th><th>expectation</th><th class="num">actual</th></tr>{rows}</table></section>')


def _assumptions_section(report: dict) -> str:
    rows = "".join(
        f'<tr class="assumption"><td>{_esc(a.get("name", "").replace("_", " "))}</td>'
        f'<td class="num">{_esc(_readable(a.get("value")))}</td>'
        f'<td>{_esc(a.get("kind", ""))}</td><td class="source">{_esc(a.get("source", ""))}</td></tr>'
        for a in report.get("assumptions") or [])
    return (f'<section id="assumptions"><h2>Assumptions</h2>{_settings(report)}'
            '<p class="muted">Each value with its kind and its public source (sources read by 2026-12-06); '
            'an assumption is the model\'s own choice, with its reason.</p>'
            '<table><tr><th>name</th><th class="num">value</th>'
            f'<th>kind</th><th>source</th></tr>{rows}</table></section>')


def _settings(report: dict) -> str:
    """The run's own rules, which the figures above depend on as much as on the parameters."""
    settings = report.get("settings") or {}
    if not settings:
        return ""
    identity = settings.get("identity") or {}
    touches = " or ".join(settings.get("attribution_touches") or [])
    return (f'<p id="run-settings">Attributed revenue: last touch, an order within '
            f'{_esc(_plain(settings.get("attribution_window_days")))} days of a message {_esc(touches)}. '
            f'Duplicates: two runs about one episode within {_esc(_plain(settings.get("duplicate_window_hours")))} '
            f'hours. Identity vendor: match rate {_esc(_plain(identity.get("match_rate")))}, false matches '
            f'{_esc(_plain(identity.get("false_match_rate")))}.</p>')


DEFINITIONS = (
    ("Extra flow entries", "how many more times shoppers entered an abandonment flow than with the first arm: "
     "what a vendor's \"more profiles entering your flows\" counts."),
    ("Attributed revenue", "what the vendor's dashboard credits to its messages: every order within the "
     "attribution window after an open or click (last touch), whether or not the message caused it."),
    ("Incremental revenue", "only the orders that happen because a message was sent: the same shoppers' "
     "journeys without any message are the counterfactual (the simulation knows it exactly). A holdout "
     "measures it as a merchant would: the revenue of shoppers the clones could reach against a random "
     "share kept out of them."),
)


def _numbers_section(report: dict, currency: str) -> str:
    """The three numbers a stakeholder must keep apart, each with its interval."""
    headline = report.get("headline")
    if not headline:
        return ""
    money = lambda v: _signed_money(v, currency)  # noqa: E731
    rows = [("Extra flow entries", headline["extra_workflow_entries"], lambda v: f"{v:+,.0f}"),
            ("Extra attributed revenue", headline["extra_attributed_revenue"], money),
            ("Incremental revenue (true counterfactual)", headline["incremental_revenue"], money)]
    holdout = (report.get("holdout") or {}).get(headline["arm"])
    if holdout and holdout.get("measured"):
        rows.append((f"Incremental revenue the holdout measures ({_percent(holdout['share'])} held out, "
                     f"among the shoppers the forwarder reached)", holdout["measured"], money))
        rows.append(("  its true value, the same shoppers without the clones", holdout["true"], money))
    body = "".join(f'<tr><td>{_esc(label)}</td><td class="num">{_esc(fmt(spread["mean"]))}</td>'
                   f'<td class="num">{_esc(fmt(spread["low"])) if spread.get("low") is not None else "n/a"}</td>'
                   f'<td class="num">{_esc(fmt(spread["high"])) if spread.get("high") is not None else "n/a"}</td></tr>'
                   for label, spread, fmt in rows)
    definitions = "".join(f"<dt>{_esc(term)}</dt><dd>{_esc(text)}</dd>" for term, text in DEFINITIONS)
    return (f'<section id="three-numbers"><h2>{_esc(headline["arm"])} against {_esc(headline["against"])}, '
            f'over the whole run</h2><table><tr><th>figure</th><th class="num">mean</th><th class="num">95% low</th>'
            f'<th class="num">95% high</th></tr>{body}</table><dl class="definitions">{definitions}</dl></section>')


def _calibration_section(report: dict) -> str:
    rows = report.get("calibration") or []
    if not rows:
        return ""
    met = sum(1 for r in rows if r.get("within"))
    body = "".join(
        f'<tr class="calibration {"pass" if r.get("within") else "fail"}-row"><td>{_esc(r["name"].replace("_", " "))}</td>'
        f'<td class="num">{_esc(_plain(r["target"]))}</td>'
        f'<td class="num">{_esc(_plain(r["achieved"])) if r.get("achieved") is not None else "n/a"}</td>'
        f'<td class="num">{_esc(_range(r))}</td><td>{_esc(r.get("tolerance", ""))}</td>'
        f'<td class="{"pass" if r.get("within") else "fail"}">{"met" if r.get("within") else "missed"}</td>'
        f'<td class="source">{_esc(r.get("note") or "")} <span class="muted">{_esc(r.get("kind", ""))}: '
        f'{_esc(r.get("source", ""))}</span></td></tr>' for r in rows)
    return (f'<section id="calibration"><h2>Calibration: {met} of {len(rows)} targets met</h2>'
            '<p class="muted">Each target from a published benchmark or claim, against what the runs achieved '
            '(mean over replications, with its 95% interval). A vendor\'s claim is shown, never tuned to.</p>'
            '<table><tr><th>target</th><th class="num">target</th><th class="num">achieved</th>'
            f'<th class="num">95% interval</th><th>tolerance</th><th>verdict</th><th>why, and source</th></tr>{body}'
            '</table></section>')


def _range(row: dict) -> str:
    if row.get("low") is None:
        return "n/a"
    return f'{_plain(row["low"])} to {_plain(row["high"])}'


SENSITIVITY_LABELS = {"identity.match_rate": "identity vendor's match rate",
                      "identity.false_match_rate": "identity vendor's false matches",
                      "account_share": "shoppers with a store account (drives native identification)",
                      "login_rate": "account holders' sessions logged in (drives native identification)"}
CLAIMED = (0.30, 0.50)  # Upstack's "30-50% more abandoned cart and checkout revenue", a vendor's claim


def _sensitivity_section(report: dict) -> str:
    """How far the headline moves with the assumptions that drive it most, and where a vendor's
    claimed uplift would hold."""
    panel = report.get("sensitivity")
    if not panel:
        return ""
    rows, holds = [], False
    base = panel.get("base") or {}
    for parameter in panel.get("parameters") or []:
        name = parameter.get("name", "")
        points = [(parameter.get("base_value"), base, "as the scenario has it")] + \
            [(p["value"], p.get("uplift") or {}, "") for p in parameter.get("points") or []]
        for value, spread, note in sorted(points, key=lambda p: (p[0] is None, p[0] if p[0] is not None else 0)):
            mean = spread.get("mean")
            if mean is not None and CLAIMED[0] <= mean <= CLAIMED[1]:
                holds = True
                note = (note + "; " if note else "") + "the vendors' claimed +30-50% holds here"
            rows.append(f'<tr class="sensitivity"><td>{_esc(SENSITIVITY_LABELS.get(name, name.replace("_", " ")))}</td>'
                        f'<td class="num">{_esc(_plain(value))}</td>'
                        f'<td class="num">{_percent(mean, signed=True)}</td>'
                        f'<td class="num">{_percent(spread.get("low"), signed=True)} to '
                        f'{_percent(spread.get("high"), signed=True)}</td><td>{_esc(note)}</td></tr>')
    return (f'<section id="sensitivity"><h2>Sensitivity: what moves the headline</h2>'
            f'<p class="muted">{_esc(panel.get("description", ""))} Upstack claims +30-50% more abandoned-cart '
            'and checkout revenue; the one controlled test known (Instant, two weeks) measured about +20%.</p>'
            '<table><tr><th>assumption</th><th class="num">value</th><th class="num">headline uplift</th>'
            f'<th class="num">95% interval</th><th></th></tr>{"".join(rows)}</table>'
            + ("" if holds else '<p id="claim-nowhere">The vendors\' claimed +30-50% holds at none of these points: '
               'under these assumptions the forwarder adds more than they claim, or the claim rests on a store '
               'whose own integration already knows more of its shoppers.</p>') + '</section>')


def _footer(report: dict) -> str:
    return (f'<footer class="muted" id="footer">Flow Sandbox {_esc(report.get("version", ""))} · seed '
            f'{_esc(report.get("seed", ""))} · {_int(report.get("replications", 1))} replication'
            f'{"s" if report.get("replications", 1) != 1 else ""}'
            f'{" · intervals: " + _esc(report["intervals"]["method"]) if report.get("intervals") else ""}</footer>')


def render_html(report: dict) -> str:
    """The whole report as one self-contained page: it must open from a file, offline, anywhere."""
    scenario, seed = report.get("scenario", ""), report.get("seed", "")
    currency = report.get("currency", "")
    arms = _arms(report)
    start = report.get("start")
    facts = (f'{_int(report.get("visitors"))} visitors · {_int(report.get("horizon_days"))} days'
             f'{f" from {_esc(start)}" if start else ""}{f" · {_esc(currency)}" if currency else ""}')
    shared = tuple(v for _, arm, _ in arms for _, counts in _flow_counts(arm) for v in counts)
    cards = "".join(_arm_card(i, name, arm, color, currency, shared) for i, (name, arm, color) in enumerate(arms))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>Flow Sandbox report: {_esc(scenario)} (seed {_esc(seed)})</title><style>{CSS}</style></head>'
        f'<body><main><header><h1 id="title">{_esc(scenario)} <span class="muted" id="seed">seed {_esc(seed)}</span></h1>'
        f'<p class="muted">{facts}</p><p id="description">{_esc(report.get("description", ""))}</p></header>'
        f'{_headline(report, arms, currency)}{_numbers_section(report, currency)}{_revenue_section(report, arms, currency)}'
        f'{_dashboard_section(report, arms, currency)}'
        f'{_calibration_section(report)}{_sensitivity_section(report)}{_over_time_section(arms, currency)}'
        f'<h2>Arms{" (the first replication)" if report.get("replications", 1) > 1 else ""}</h2>'
        f'<div class="arms" id="arms">{cards}</div>'
        f'{_uplift_section(report)}{_expectations_section(report)}{_assumptions_section(report)}{_footer(report)}'
        '</main></body></html>\n')


def summary_table(report: dict) -> str:
    """The run at a glance in a terminal: one row per arm, then the headline and the expectations."""
    currency = report.get("currency", "")
    header = ("arm", "visitors", "identified", "forwarded", "entries", "messages", "duplicates", "orders",
              "revenue", "recovered", "attributed")
    rows = [header] + [
        (name, _int(arm.get("visitors")), _int(arm.get("identified")), _int(arm.get("events_forwarded")),
         _int(sum((arm.get("workflow_entries") or {}).values())), _int(arm.get("messages_sent")),
         _int(arm.get("duplicates")), _int(arm.get("orders")), _money(arm.get("revenue"), ""),
         _money(arm.get("recovered_revenue"), ""), _money(arm.get("attributed_revenue"), ""))
        for name, arm, _ in _arms(report)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    replications = report.get("replications", 1)
    rows_are = f"; rows: the first of {replications} replications" if replications > 1 else ""
    lines = [f'{report.get("scenario", "")} (seed {report.get("seed", "")}, money in {currency or "-"}{rows_are})']
    lines += ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))).rstrip()
              for row in rows]
    arms = _arms(report)
    if report.get("headline"):  # over every replication, as the page's headline says it
        headline = report["headline"]
        ratio = (headline.get("recovered_revenue_uplift") or {}).get("mean")
        lines.append(f"{headline['arm']} vs {headline['against']}: {_sentence(report, headline, ratio, currency)}")
    elif len(arms) > 1:
        first, last, ratio, a, b = _headline_figures(report, arms)
        lines.append(f"recovered revenue, {last} vs {first}: {_percent(ratio, signed=True)} "
                     f"({_signed_money(b - a, currency)})")
    results = [f'{"PASS" if e.get("passed") else "FAIL"} {e.get("name", "")}' for e in report.get("expectations") or []]
    lines.append("expectations: " + ("; ".join(results) if results else "none"))
    return "\n".join(lines) + "\n"
