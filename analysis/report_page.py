"""The sweep report's page: HTML sections, figures that download as PNG and SVG, tables as CSV.

One self-contained file: plotly.js is inlined, downloads are made in the browser (figures by
plotly.js's ``Plotly.downloadImage``, tables from a ``data:`` link), so the page works offline.
Nothing here computes a statistic or writes a sentence; every user string is escaped.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pandas as pd
from leadsim.analysis.report_measures import Measure
from leadsim.analysis.report_words import estimate_decimals, interval, runs, value
from leadsim.analysis.statistics import Estimate

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;max-width:1180px;padding:1.2em;
color:#222;line-height:1.5}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
dl.about{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dl.about dt{font-weight:600}
dl.about dd{margin:0;overflow-wrap:anywhere}
p.explain{background:#f6f8fa;border-left:4px solid #0072B2;padding:.6em .9em;max-width:75em}
p.methods{background:#fbfbf4;border-left:4px solid #E69F00;padding:.6em .9em}
p.note{background:#f4f9f4;border-left:4px solid #009E73;padding:.5em .9em;font-size:.95em}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.6em 0;font-size:.86em}th,td{border:1px solid #ddd;padding:.3em .45em;
vertical-align:top;text-align:left}th{background:#f0f0f0;font-weight:600}td .ci,td .n{color:#555;font-size:.85em;
white-space:nowrap}td .est{font-weight:600;white-space:nowrap}td.na{color:#777}
.failures{background:#fff4f0;border-left:4px solid #D55E00;padding:.2em .9em}
ul.legend{font-size:.88em;color:#444}.figure{margin:.5em 0}code{background:#f0f0f0;padding:0 .2em}
.downloads{font-size:.85em;margin:.2em 0 .8em}.downloads button,.downloads a{font:inherit;margin-right:.5em;
padding:.15em .6em;border:1px solid #bbb;border-radius:3px;background:#fafafa;color:#0b4f8a;text-decoration:none;
cursor:pointer}
"""


def esc(s: Any) -> str:
    """Text for HTML, quotes included."""
    return html.escape(str(s), quote=True)


def file_stem(text: str) -> str:
    """A file name from a title: letters, digits and dashes."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60] or "figure"


def csv_link(df: pd.DataFrame, name: str) -> str:
    """A link that downloads ``df`` as ``name.csv`` (a data: URL, so it works offline)."""
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    href = "data:text/csv;charset=utf-8," + quote(buf.getvalue())
    return f'<a class="csv" download="{esc(name)}.csv" href="{href}">Download table (CSV)</a>'


@dataclass
class Page:
    """The report being built: its sections of HTML and how many figures and tables they hold."""

    sections: list[str] = field(default_factory=list)
    figures: int = 0
    tables: int = 0

    def add(self, section_id: str, title: str, body: str) -> None:
        self.sections.append(f'<section id="{esc(section_id)}"><h2>{esc(title)}</h2>{body}</section>')

    def figure(self, fig: Any, name: str) -> str:
        """A plotly figure with buttons that download it as PNG and SVG (``name``.png/.svg)."""
        import plotly.io as pio

        self.figures += 1
        div_id = f"figure-{self.figures}"
        stem = file_stem(name)
        height = int(fig.layout.height or 420)
        image = {"filename": stem, "height": height, "width": 1100, "scale": 2}
        div = pio.to_html(
            fig,
            full_html=False,
            include_plotlyjs=False,
            div_id=div_id,
            config={"displaylogo": False, "responsive": True, "toImageButtonOptions": {**image, "format": "png"}},
            default_height=f"{height}px",
        )
        buttons = "".join(
            f'<button type="button" data-format="{f}" onclick="Plotly.downloadImage(\'{div_id}\','
            f"{{format:'{f}',filename:'{stem}',width:1100,height:{height}}})\">Download {f.upper()}</button>"
            for f in ("png", "svg")
        )
        return f'<div class="figure">{div}<div class="downloads">{buttons}</div></div>'

    def table(self, html_table: str, data: pd.DataFrame, name: str) -> str:
        """An HTML table that scrolls within the page if it must, with its data as a CSV download."""
        self.tables += 1
        return f'<div class="scroll">{html_table}</div><div class="downloads">{csv_link(data, name)}</div>'


# --- tables of estimates ----------------------------------------------------------------------------


def estimate_cell(e: Estimate, m: Measure) -> str:
    """One cell: the mean, its 95 % interval and n (the numbers also as data- attributes)."""
    attrs = f'data-column="{esc(m.column)}" data-n="{e.n}" data-missing="{e.missing}"' + (
        f' data-mean="{float(e.mean)!r}" data-low="{float(e.low)!r}" data-high="{float(e.high)!r}"' if e.ok else ""
    )
    if not e.ok:
        why = f"{runs(e.missing)} without a value" if e.missing else "no runs"
        return f'<td class="na" {attrs}>no value<br><span class="n">{why}</span></td>'
    d = estimate_decimals(e, m.unit)
    ci = interval(e, m.unit, d) if e.has_interval else "no interval"
    left = f", {e.missing} left out" if e.missing else ""
    return (
        f'<td {attrs}><span class="est">{value(e.mean, m.unit, d)}</span><br><span class="ci">{ci}</span><br>'
        f'<span class="n">n = {e.n}{left}</span></td>'
    )


def hidden_cell(m: Measure, why: str) -> str:
    attrs = f'data-column="{esc(m.column)}" data-hidden="1"'
    return f'<td class="na" {attrs}>not shown<br><span class="n">{esc(why)}</span></td>'


def estimates_table(
    rows: Sequence[tuple[list[str], dict[str, Estimate | str]]], heads: list[str], measures: Sequence[Measure], cls: str
) -> tuple[str, pd.DataFrame]:
    """An HTML table (leading cells, then one cell per measure) and the same numbers as a long data frame.

    A measure's entry may be a string instead of an estimate: the reason it is not shown.
    """
    th = "".join(f"<th>{esc(h)}</th>" for h in heads)
    th += "".join(f'<th title="{esc(m.meaning)}">{esc(m.heading)}</th>' for m in measures)
    body, records = [], []
    for lead, est in rows:
        tds = "".join(f"<td>{esc(x)}</td>" for x in lead)
        for m in measures:
            e = est.get(m.column)
            if isinstance(e, Estimate):
                tds += estimate_cell(e, m)
                records.append(
                    {**dict(zip(heads, lead, strict=True)), "measure": m.column, "mean": e.mean, "ci_low": e.low,
                     "ci_high": e.high, "n": e.n, "missing": e.missing}
                )  # fmt: skip
            else:
                tds += hidden_cell(m, str(e or "not measured"))
        body.append(f"<tr>{tds}</tr>")
    table = f'<table class="{esc(cls)}"><thead><tr>{th}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    return table, pd.DataFrame(records)


def legend(measures: Sequence[Measure]) -> str:
    items = "".join(
        f"<li><b>{esc(m.heading)}</b> (<code>{esc(m.column)}</code>): {esc(m.meaning)}</li>" for m in measures
    )
    return f'<ul class="legend">{items}</ul>'


def plain_table(df: pd.DataFrame, cls: str, attrs: Sequence[str] = ()) -> str:
    """A small table of already formatted text."""
    th = "".join(f"<th>{esc(c)}</th>" for c in df.columns if c not in attrs)
    body = []
    for _, r in df.iterrows():
        a = " ".join(f'data-{esc(c)}="{esc(r[c])}"' for c in attrs)
        tds = "".join(f"<td>{esc(r[c])}</td>" for c in df.columns if c not in attrs)
        body.append(f"<tr {a}>{tds}</tr>")
    return f'<table class="{esc(cls)}"><thead><tr>{th}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def document(title: str, header: str, body: str, figures: int) -> str:
    """The whole page, plotly.js inlined."""
    from plotly.offline import get_plotlyjs

    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="leadsim-figures" content="{figures}">'
        f"<title>{esc(title)}</title><style>{CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
        f"<header>{header}</header><main>{body}</main></body></html>\n"
    )


__all__ = ["CSS", "Page", "csv_link", "document", "esc", "estimates_table", "legend", "plain_table"]
