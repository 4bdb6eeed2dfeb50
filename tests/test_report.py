"""The run report: byte-identical files for the same run, every text escaped, a terminal table that
says what the HTML says, and a page a real browser renders offline with its charts drawn."""
from __future__ import annotations

import copy
import json
import math
import random
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from html.parser import HTMLParser
from itertools import accumulate
from pathlib import Path

import pytest

from simulator.scenarios.report import (ARM_COLORS, ATTRIBUTED_COLOR, DASHBOARD_SENTENCE, GAP_SENTENCE, MESSAGES_COLOR,
                                        RECOVERED_COLOR, render_html, summary_table, write_reports)

ARMS = ("native", "native + Upstack Data (separate flows)", "native + identity resolution")
CHROMIUM = shutil.which("chromium")


def sample_report() -> dict:
    """A 3-arm, 30-day run shaped like the runner's, with totals that add up from its days."""
    rng = random.Random(7)
    baseline_orders, baseline_revenue = 40, 4000.0
    arms = {}
    for index, name in enumerate(ARMS):
        identified = (300, 840, 810)[index]
        by_day = []
        for day in range(30):
            messages = rng.randint(2, 8) * (1 + index)
            recovered = round(rng.choice((0.0, 0.0, 45.5, 89.99, 120.0)) * (1 + index * 0.6), 2)
            by_day.append({"day": f"2026-11-{day + 1:02d}", "messages": messages, "orders": rng.randint(1, 3),
                           "revenue": round(rng.uniform(80, 400), 2), "recovered_revenue": recovered,
                           "attributed_revenue": round(recovered * 2.4 + rng.uniform(10, 60), 2)})
        entries = {"Abandoned Cart": 40 + 25 * index, "Browse Abandonment": 80 + 40 * index}
        if index:
            entries["Abandoned Cart - Upstack Data"] = 150 + 10 * index
        forwarded = (0, 5400, 5120)[index]
        recovered_revenue = round(sum(row["recovered_revenue"] for row in by_day), 2)
        arms[name] = {
            "description": f"{name}: the store's own pixel" + (", plus resolved visitors forwarded" if index else ""),
            "visitors": 2000, "identified": identified, "identified_share": identified / 2000,
            "native_events": 1200, "events_forwarded": forwarded,
            "delivery": {"delivered": round(forwarded * 0.9), "deduplicated": round(forwarded * 0.06),
                         "filtered": round(forwarded * 0.03), "failed": round(forwarded * 0.01), "lost": 0,
                         "retries": 12 * index, "reasons": {"anonymous": 40 * index, "rate_limited": 3 * index}},
            "workflow_entries": entries,
            "messages_sent": sum(row["messages"] for row in by_day),
            "messages_by_workflow": {flow: count * 2 for flow, count in entries.items()},
            "messages_per_shopper": {"mean": 1.4 + 0.3 * index, "max": 4 + index},
            "duplicates": (3, 61, 4)[index],
            "duplicates_by_pair": ({"Abandoned Cart + Abandoned Cart - Upstack Data": (3, 55, 4)[index]}
                                   | ({"Browse Abandonment + Abandoned Cart - Upstack Data": 6} if index == 1 else {})),
            "orders": baseline_orders + 4 + 3 * index, "revenue": baseline_revenue + recovered_revenue,
            "recovered_orders": 4 + 3 * index, "recovered_revenue": recovered_revenue,
            "attributed_revenue": round(sum(row["attributed_revenue"] for row in by_day), 2),
            "by_day": by_day,
        }
        arms[name]["klaviyo_dashboard"] = {"recipients": arms[name]["messages_sent"], "opens_unique": 300 + index,
                                           "clicks_unique": 60 + index, "conversions": 20 + 5 * index,
                                           "conversion_value": arms[name]["attributed_revenue"]}
    first = arms[ARMS[0]]
    metrics = ("identified", "workflow_entries", "messages_sent", "orders", "recovered_revenue", "attributed_revenue")

    def value(arm: dict, metric: str) -> float:
        return sum(arm[metric].values()) if metric == "workflow_entries" else arm[metric]

    uplift = {name: {m: round(value(arms[name], m) / value(first, m) - 1, 4) for m in metrics} for name in ARMS[1:]}
    last = ARMS[-1]
    return {
        "scenario": "uplift-klaviyo", "description": "Klaviyo's own abandonment flows, then with identity resolution.",
        "seed": 7, "visitors": 2000, "horizon_days": 30, "start": "2026-11-01T00:00:00Z", "currency": "USD",
        "baseline": {"orders": baseline_orders, "revenue": baseline_revenue},
        "arms": arms, "uplift": uplift,
        "expectations": [
            {"name": f"uplift recovered_revenue of '{last}' in [0.2, 3.0]", "passed": True,
             "actual": uplift[last]["recovered_revenue"]},
            {"name": f"duplicates of '{ARMS[1]}' at most 10", "passed": False, "actual": 61},
        ],
        "assumptions": [
            {"name": "share_with_account", "value": 0.25, "kind": "assumption", "source": "industry surveys, rounded"},
            {"name": "cart_abandonment_rate", "value": 0.7, "kind": "published",
             "source": "https://baymard.com/lists/cart-abandonment-rate (average of 49 studies)"},
            {"name": "flows", "value": ["Abandoned Cart", "Browse Abandonment"], "kind": "scenario",
             "source": "scenario file"},
        ],
    }


class Dom(HTMLParser):
    """Every element of a page as (tag, attributes, text directly inside it)."""

    def __init__(self, text: str):
        super().__init__()
        self.elements: list[tuple[str, dict, list[str]]] = []
        self._open: list[int] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), []))
        if tag not in ("meta", "br", "img", "link", "hr", "input"):
            self._open.append(len(self.elements) - 1)

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), []))

    def handle_endtag(self, tag):
        tags = [self.elements[i][0] for i in self._open]
        if tag in tags:
            del self._open[len(tags) - 1 - tags[::-1].index(tag):]

    def handle_data(self, data):
        if self._open:
            self.elements[self._open[-1]][2].append(data)

    def find(self, tag: str | None = None, cls: str | None = None, **attrs) -> list[tuple[str, dict, list[str]]]:
        return [e for e in self.elements
                if (tag is None or e[0] == tag) and (cls is None or cls in (e[1].get("class") or "").split())
                and all(e[1].get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def text_of(self, id_: str) -> str:
        (element,) = [e for e in self.elements if e[1].get("id") == id_]
        return "".join(element[2]).strip()


def check_page(dom: Dom, report: dict) -> None:
    """What both the written page and the browser's rendering of it must hold."""
    last = ARMS[-1]
    assert dom.text_of("headline-uplift") == f"{report['uplift'][last]['recovered_revenue'] * 100:+.1f}%"
    delta = report["arms"][last]["recovered_revenue"] - report["arms"][ARMS[0]]["recovered_revenue"]
    assert dom.text_of("headline-money") == f"+{delta:,.2f} USD"
    assert [e[1]["data-arm"] for e in dom.find("div", "arm")] == list(ARMS)
    charts = dom.find("svg", "chart")
    assert len(charts) == 2 + 1 + len(ARMS)  # two line charts, revenue, one entries chart per arm
    revenue_bars = [float(e[1]["width"]) for e in dom.find("rect", "bar") if e[1]["data-series"].startswith("recovered")]
    assert len(revenue_bars) == len(ARMS) and all(width > 0 for width in revenue_bars)
    lines = dom.find("polyline", "line")
    assert sorted(e[1]["data-arm"] for e in lines) == sorted(ARMS * 2)
    assert all(len(e[1]["points"].split()) == 30 for e in lines)
    for index, name in enumerate(ARMS):
        entries = [e for e in dom.find("rect", "bar", data_series="entries")
                   if e[1]["data-value"] == str(report["arms"][name]["workflow_entries"]["Abandoned Cart"])]
        assert entries, f"no entries bar for {name}"
        assert dom.find("svg", "chart", id=f"chart-entries-{index}", data_arm=name)
    tiles = [i for i, e in enumerate(dom.elements) if e[1].get("data-outcome") == "delivered"]
    numbers = ["".join(dom.elements[i + 2][2]) for i in tiles]  # div > span (the outcome), strong (the count)
    assert numbers == [f"{report['arms'][name]['delivery']['delivered']:,}" for name in ARMS]


@pytest.fixture
def report() -> dict:
    return sample_report()


def test_the_same_report_writes_byte_identical_files(report, tmp_path):
    first = write_reports(report, tmp_path / "a")
    second = write_reports(copy.deepcopy(report), tmp_path / "b")
    assert [p.name for p in first] == ["report.json", "report.html"]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes()
    text = first[0].read_text(encoding="utf-8")
    assert text == json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    assert list(json.loads(text)) == list(report)


def test_the_page_holds_the_headline_every_arm_and_the_charts(report):
    page = render_html(report)
    check_page(Dom(page), report)
    assert GAP_SENTENCE.split(" — ")[0] in page.replace("&#x27;", "'")
    assert "Expectations: 1 of 2 passed" in page
    assert "2,000 visitors" in page and "4,000.00 USD" in page


def test_the_page_states_the_runs_own_rules(report):
    report["settings"] = {"duplicate_window_hours": 168, "attribution_window_days": 5,
                          "attribution_touches": ["open", "click"], "identity": {"match_rate": 0.35,
                                                                                 "false_match_rate": 0.02}}
    page = render_html(report)
    assert ("an order within 5 days of a message open or click. Duplicates: two runs about one episode "
            "within 168 hours. Identity vendor: match rate 0.35, false matches 0.02.") in page


def test_the_page_sets_klaviyos_dashboard_beside_the_true_incremental_revenue(report):
    report["arms"][ARMS[2]]["klaviyo_dashboard"] = None  # Klaviyo did not answer the report
    del report["arms"][ARMS[1]]["klaviyo_dashboard"]  # an arm without a Klaviyo account has no row
    dom = Dom(render_html(report))
    assert dom.find("section", id="klaviyo-dashboard")
    assert any(DASHBOARD_SENTENCE in "".join(e[2]) for e in dom.find("p", "gap"))
    start = next(i for i, e in enumerate(dom.elements) if e[1].get("id") == "klaviyo-dashboard")
    end = next(i for i, e in enumerate(dom.elements) if i > start and e[0] == "section")
    cells = ["".join(e[2]) for e in dom.elements[start:end] if e[0] == "td"]
    first = report["arms"][ARMS[0]]
    assert cells[:6] == [ARMS[0], f"{first['messages_sent']:,}", "20", f"{first['attributed_revenue']:,.2f} USD",
                         f"{first['attributed_revenue']:,.2f} USD", f"{first['recovered_revenue']:,.2f} USD"]
    assert cells[6:8] == [ARMS[2], "Klaviyo did not answer the report"]
    assert len(cells) == 10  # the second row: its name, the refusal, attributed and recovered revenue


def test_the_page_needs_nothing_from_outside(report):
    dom = Dom(render_html(report))
    assert not dom.find("script") and not dom.find("link") and not dom.find("img")
    assert not [e for e in dom.elements if "src" in e[1] or "href" in e[1]]
    style = "".join(dom.find("style")[0][2])
    assert "url(" not in style and "@import" not in style


def test_every_text_is_escaped(report):
    hostile = '<img src=x onerror="alert(1)">&co'
    report["scenario"] = hostile
    report["arms"][hostile] = report["arms"].pop(ARMS[1])
    report["arms"][hostile]["workflow_entries"][hostile] = 5
    report["arms"][hostile]["duplicates_by_pair"][hostile] = 2
    report["expectations"][0]["name"] = hostile
    report["assumptions"][0]["source"] = hostile
    page = render_html(report)
    assert "<img" not in page and 'onerror="' not in page
    escaped = '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;co'
    assert page.count(escaped) >= 6
    dom = Dom(page)
    assert not dom.find("img")
    assert [e for e in dom.find("div", "arm") if e[1]["data-arm"] == hostile]


def test_summary_table_has_a_row_per_arm_and_the_expectations(report):
    lines = summary_table(report).splitlines()
    assert lines[0] == "uplift-klaviyo (seed 7, money in USD)"
    assert lines[1].split() == ["arm", "visitors", "identified", "forwarded", "entries", "messages", "duplicates",
                                "orders", "revenue", "recovered", "attributed"]
    arm = report["arms"][ARMS[1]]
    row = lines[3]
    assert row.startswith(ARMS[1])
    assert row[len(ARMS[1]):].split() == [
        "2,000", "840", "5,400", f"{sum(arm['workflow_entries'].values()):,}", f"{arm['messages_sent']:,}", "61",
        f"{arm['orders']:,}", f"{arm['revenue']:,.2f}", f"{arm['recovered_revenue']:,.2f}",
        f"{arm['attributed_revenue']:,.2f}"]
    assert len({len(line) for line in lines[1:5]}) == 1, "columns line up"
    assert lines[-2].startswith(f"recovered revenue, {ARMS[-1]} vs native: "
                                f"{report['uplift'][ARMS[-1]]['recovered_revenue'] * 100:+.1f}%")
    assert lines[-1] == (f"expectations: PASS {report['expectations'][0]['name']}; "
                         f"FAIL {report['expectations'][1]['name']}")


def test_sparse_reports_render_without_dividing_by_zero():
    single = {"scenario": "one", "seed": 1, "currency": "EUR",
              "arms": {"native": {"visitors": 0, "delivery": {}, "workflow_entries": {}, "by_day": []}},
              "uplift": {"native": {"recovered_revenue": None}}, "expectations": [], "assumptions": []}
    zero_base = sample_report()
    for arm in zero_base["arms"].values():
        arm["recovered_revenue"] = 0.0
        for row in arm["by_day"]:
            row["recovered_revenue"] = 0.0
    zero_base["uplift"][ARMS[-1]]["recovered_revenue"] = None
    for report in ({}, single, zero_base):
        page, table = render_html(report), summary_table(report)
        for _, attrs, _ in Dom(page).elements:
            numbers = [attrs[k] for k in ("x", "y", "x1", "x2", "y1", "y2", "width", "height", "cx", "cy") if k in attrs]
            numbers += attrs.get("points", "").replace(",", " ").split()
            assert all(math.isfinite(float(n)) for n in numbers), attrs
        assert Dom(page).text_of("headline-uplift") == "n/a"
        assert table.splitlines()[-1].startswith("expectations: ")
    assert "One arm only" in render_html(single)
    assert summary_table({}).splitlines()[-1] == "expectations: none"
    assert "(+0.00 USD)" in summary_table(zero_base).splitlines()[-2]


# ---- a real browser ----

def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB rows of an 8-bit, non-interlaced PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", data[pos + 8:pos + 8 + length])
        elif kind == b"IDAT":
            idat.append(data[pos + 8:pos + 8 + length])
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, header
    bpp = 3 if color == 2 else 4
    stride, raw = width * bpp, zlib.decompress(b"".join(idat))
    low, high = int.from_bytes(b"\x7f" * stride, "big"), int.from_bytes(b"\x80" * stride, "big")
    prior, rows = bytes(stride), []
    for r in range(height):
        kind, line = raw[r * (stride + 1)], raw[r * (stride + 1) + 1:(r + 1) * (stride + 1)]
        if kind == 0:
            row = bytes(line)
        elif kind == 1:  # each byte plus the one a pixel to its left: a running sum per channel
            out = bytearray(stride)
            for channel in range(bpp):
                out[channel::bpp] = bytes(map((255).__and__, accumulate(line[channel::bpp])))
            row = bytes(out)
        elif kind == 2:  # plus the byte above: bytewise addition of two big integers, without carries
            a, b = int.from_bytes(line, "big"), int.from_bytes(prior, "big")
            row = (((a & low) + (b & low)) ^ ((a ^ b) & high)).to_bytes(stride, "big")
        else:
            out = bytearray(stride)
            for i in range(stride):
                left = out[i - bpp] if i >= bpp else 0
                up, corner = prior[i], prior[i - bpp] if i >= bpp else 0
                if kind == 3:
                    out[i] = (line[i] + (left + up) // 2) & 255
                else:
                    p = left + up - corner
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                    predictor = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                    out[i] = (line[i] + predictor) & 255
            row = bytes(out)
        rgb = bytearray(width * 3)
        for channel in range(3):
            rgb[channel::3] = row[channel::bpp]
        rows.append(bytes(rgb))
        prior = row
    return width, height, rows


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                           "--force-color-profile=srgb", "--hide-scrollbars", *args],
                          capture_output=True, timeout=120, check=True)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("no `chromium` on PATH: install Debian's chromium (apt-get install chromium) for the browser test")
    out = tmp_path_factory.mktemp("report")
    _, page = write_reports(sample_report(), out)
    dom = chromium("--dump-dom", page.as_uri(), profile=out / "profile").stdout.decode("utf-8")
    shot = out / "shot.png"
    chromium("--window-size=1280,2400", f"--screenshot={shot}", page.as_uri(), profile=out / "profile")
    return dom, shot


def test_chromium_renders_the_headline_the_arms_and_the_charts(rendered):
    dom_text, _ = rendered
    dom = Dom(dom_text)
    assert dom.find("tbody"), "the text came through Chromium's parser, which adds tbody"
    check_page(dom, sample_report())


def hex_rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


def test_chromium_screenshot_shows_the_charts(rendered):
    _, shot = rendered
    width, height, rows = decode_png(shot.read_bytes())
    assert (width, height) == (1280, 2400)
    pixels = Counter(pixel for row in rows for pixel in zip(row[0::3], row[1::3], row[2::3]))
    assert set(dict(pixels.most_common(2))) == {hex_rgb("#ffffff"), hex_rgb("#f3f4f6")}, "cards on the page background"
    ink = sum(count for pixel, count in pixels.items() if min(pixel) < 200)
    assert ink > 0.03 * width * height, "hardly any text or chart drawn: a blank page"
    assert len(pixels) > 200, "too few colours for text and charts"
    # solid fills of the revenue bars, the arms' lines and the entries bars, all within the first 2400px
    for color in (RECOVERED_COLOR, ATTRIBUTED_COLOR, ARM_COLORS[0], ARM_COLORS[1], ARM_COLORS[2], MESSAGES_COLOR):
        assert pixels[hex_rgb(color)] > 1000, f"{color} is (almost) nowhere on screen"


# ---- a replicated run, as a stakeholder reads it ----

@pytest.fixture(scope="module")
def replicated(tmp_path_factory):
    """A real two-replication run of a small uplift scenario with a holdout arm."""
    from dataclasses import replace as _replace

    from simulator.scenarios.experiment import Experiment
    from simulator.scenarios.scenario import load
    scenario = load("uplift-klaviyo").with_overrides(visitors=300)
    scenario = _replace(scenario, horizon_days=10, arms=[scenario.arms[0], scenario.arms[-1]], expectations=[])
    report = Experiment(scenario, replications=2, jobs=1).report()
    out = tmp_path_factory.mktemp("replicated")
    _, page = write_reports(report, out)
    return report, page


def test_the_headline_is_one_sentence_with_its_interval(replicated):
    report, page = replicated
    dom = Dom(page.read_text())
    sentence = dom.text_of("headline-sentence")
    uplift = report["headline"]["recovered_revenue_uplift"]
    if uplift["mean"] is not None:
        assert sentence.startswith(f"{uplift['mean'] * 100:+.1f}% incremental revenue from abandonment flows")
        assert f"95% interval {uplift['low'] * 100:+.1f}% to {uplift['high'] * 100:+.1f}%" in sentence
    assert "a month" in sentence


def test_the_terminal_summary_says_the_replicated_headline(replicated):
    report, page = replicated
    lines = summary_table(report).splitlines()
    assert lines[0].endswith("; rows: the first of 2 replications)")
    headline = report["headline"]
    assert lines[-2] == (f"{headline['arm']} vs {headline['against']}: "
                         + Dom(page.read_text()).text_of("headline-sentence"))


def test_the_page_keeps_the_three_numbers_apart_and_shows_calibration(replicated):
    report, page = replicated
    text = page.read_text()
    dom = Dom(text)
    assert dom.find("section", id="three-numbers") and dom.find("section", id="calibration")
    assert len(dom.find("tr", "calibration")) == len(report["calibration"])
    for term in ("Extra flow entries", "Attributed revenue", "Incremental revenue"):
        assert f"<dt>{term}</dt>" in text
    assert "Incremental revenue the holdout measures" in text
    footer = dom.text_of("footer")
    assert f"seed {report['seed']}" in footer and "2 replications" in footer and report["version"] in footer
    assert "fixtures/" not in text and "shared/" not in text and "§" not in text


def test_chromium_renders_the_replicated_report(replicated, tmp_path):
    if CHROMIUM is None:
        pytest.skip("no `chromium` on PATH: install Debian's chromium (apt-get install chromium) for the browser test")
    report, page = replicated
    dom = Dom(chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile").stdout.decode("utf-8"))
    assert dom.text_of("headline-sentence").endswith(".")
    assert len(dom.find("tr", "calibration")) == len(report["calibration"])
    shot = tmp_path / "shot.png"
    chromium("--window-size=1280,1800", f"--screenshot={shot}", page.as_uri(), profile=tmp_path / "profile")
    width, height, rows = decode_png(shot.read_bytes())
    pixels = Counter(pixel for row in rows for pixel in zip(row[0::3], row[1::3], row[2::3]))
    assert pixels[hex_rgb(RECOVERED_COLOR)] > 1000 and pixels[hex_rgb(ATTRIBUTED_COLOR)] > 1000
