"""Plotly figures of the sweep report: bands over time, Morris and Sobol charts.

Each function returns a ``plotly.graph_objects.Figure``; :mod:`leadsim.analysis.report` embeds them.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

#: Okabe-Ito colours: told apart by readers with the common forms of colour blindness
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
#: parameters labelled in the mu*-sigma scatter (the others show their name on hover)
LABELLED = 5
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13}


def colour(i: int) -> str:
    return COLOURS[i % len(COLOURS)]


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"},
        template="plotly_white",
        font=FONT,
        height=height,
        margin={"l": 70, "r": 30, "t": 60, "b": 60},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0},
        hovermode="x unified",
    )
    return fig


def band_figure(
    bands: pd.DataFrame,
    groups: list[str],
    title: str,
    y_title: str,
    x_title: str,
    marker: str | None = None,
) -> go.Figure:
    """Median line and 5-95 % band per group over ``x``.

    ``bands`` has columns group, x, low, median, high, n; ``marker`` labels a dashed line at x = 0.
    """
    fig = go.Figure()
    for i, g in enumerate(groups):
        d = bands[bands["group"] == g].sort_values("x")
        if d.empty:
            continue
        c = colour(i)
        fig.add_trace(
            go.Scatter(
                x=d["x"],
                y=d["high"],
                mode="lines",
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                legendgroup=g,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=d["x"],
                y=d["low"],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=_rgba(c, 0.18),
                hoverinfo="skip",
                showlegend=False,
                legendgroup=g,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=d["x"],
                y=d["median"],
                mode="lines",
                line={"color": c, "width": 2.5},
                name=g,
                legendgroup=g,
                customdata=d[["low", "high", "n"]].to_numpy(),
                hovertemplate="%{y:.3f} (90 % of runs %{customdata[0]:.3f} to %{customdata[1]:.3f}; "
                "%{customdata[2]} runs)<extra>" + g + "</extra>",
            )
        )
    if marker:
        fig.add_vline(x=0, line={"dash": "dash", "color": "#444", "width": 1.5})
        fig.add_annotation(
            x=0, y=1.0, yref="paper", text=marker, showarrow=False, xanchor="left", yanchor="bottom", xshift=4
        )
    fig.update_xaxes(title_text=x_title, zeroline=False)
    fig.update_yaxes(title_text=y_title)
    return _layout(fig, title)


def morris_figure(table: pd.DataFrame, title: str, x_title: str) -> go.Figure:
    """Left: mu* per parameter with its 95 % interval; right: mu* against sigma, labelled."""
    t = table.sort_values("mu_star")
    names = [str(n) for n in t.index]
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.5, 0.5],
        horizontal_spacing=0.2,
        subplot_titles=("μ* with its 95 % interval", "μ* against σ"),
    )
    fig.add_trace(
        go.Bar(
            x=t["mu_star"],
            y=names,
            orientation="h",
            marker={"color": colour(0)},
            error_x={"type": "data", "array": t["mu_star_conf"], "visible": True, "color": "#333"},
            name="μ*",
            hovertemplate="%{y}: μ* = %{x:.3g} ± %{error_x.array:.2g}<extra></extra>",
            showlegend=False,
        ),
        row=1,
        col=1,
    )
    # label the most influential parameters only: a crowd of small effects near 0 would be unreadable
    top = set(t["mu_star"].nlargest(LABELLED).index.astype(str))
    fig.add_trace(
        go.Scatter(
            x=t["mu_star"],
            y=t["sigma"],
            mode="markers+text",
            text=[n if n in top else "" for n in names],
            hovertext=names,
            textposition="top center",
            marker={"color": colour(1), "size": 10},
            name="parameters",
            hovertemplate="%{hovertext}: μ* = %{x:.3g}, σ = %{y:.3g}<extra></extra>",
            showlegend=False,
        ),
        row=1,
        col=2,
    )
    big = max(float(t["mu_star"].max()), float(t["sigma"].max()), 0.0)
    if math.isfinite(big) and big > 0:
        fig.add_trace(
            go.Scatter(
                x=[0, 1.1 * big],
                y=[0, 1.1 * big],
                mode="lines",
                line={"dash": "dot", "color": "#888"},
                name="σ = μ*",
                hoverinfo="skip",
            ),
            row=1,
            col=2,
        )
    fig.update_xaxes(title_text=x_title, row=1, col=1, rangemode="tozero")
    if math.isfinite(big) and big > 0:  # room for the labels of the points furthest out
        fig.update_xaxes(range=[0, 1.3 * big], row=1, col=2)
        fig.update_yaxes(range=[0, 1.2 * big], row=1, col=2)
    fig.update_xaxes(title_text="μ* (size of the effect)", row=1, col=2, rangemode="tozero")
    fig.update_yaxes(title_text="σ (spread of the effect)", row=1, col=2, rangemode="tozero")
    fig = _layout(fig, title, height=max(380, 120 + 34 * len(names)))
    fig.update_layout(hovermode="closest")
    return fig


def sobol_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """First-order and total Sobol indices per parameter, with their 95 % intervals."""
    t = table.sort_values("ST")
    names = [str(n) for n in t.index]
    fig = go.Figure()
    for key, label, i in (("S1", "first order S1 (alone)", 0), ("ST", "total ST (with interactions)", 1)):
        fig.add_trace(
            go.Bar(
                x=t[key],
                y=names,
                orientation="h",
                name=label,
                marker={"color": colour(i)},
                error_x={"type": "data", "array": t[f"{key}_conf"], "visible": True, "color": "#333"},
                hovertemplate="%{y}: %{x:.2f}<extra>" + key + "</extra>",
            )
        )
    fig.update_layout(barmode="group")
    fig.update_xaxes(title_text="share of the output's variance", rangemode="tozero")
    fig = _layout(fig, title, height=max(380, 120 + 48 * len(names)))
    fig.update_layout(hovermode="closest")
    return fig


def effect_figure(effects: pd.DataFrame, title: str, x_title: str) -> go.Figure:
    """Paired effects with their 95 % intervals: one row per group, one colour per year after.

    ``effects`` has columns group, years, mean, low, high, n.
    """
    fig = go.Figure()
    groups = list(dict.fromkeys(effects["group"]))
    row = {g: i for i, g in enumerate(groups)}
    years = sorted(effects["years"].unique())
    step = 0.6 / max(1, len(years) - 1) if len(years) > 1 else 0.0  # years side by side within a row
    for i, (yrs, d) in enumerate(effects.groupby("years", sort=True)):
        d = d.set_index("group").reindex(groups).dropna(subset=["mean"])
        fig.add_trace(
            go.Scatter(
                x=d["mean"],
                y=[row[g] - 0.3 + i * step if step else row[g] for g in d.index],
                text=list(d.index),
                mode="markers",
                marker={"color": colour(i), "size": 9, "symbol": ("circle", "square", "diamond", "triangle-up")[i % 4]},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": d["high"] - d["mean"],
                    "arrayminus": d["mean"] - d["low"],
                    "color": colour(i),
                    "thickness": 1.5,
                },
                name=f"{yrs} year{'s' if yrs != 1 else ''} after",
                customdata=d[["low", "high", "n"]].to_numpy(),
                hovertemplate="%{text}: %{x:.3g} (95 % CI %{customdata[0]:.3g} to %{customdata[1]:.3g}; "
                "%{customdata[2]} pairs)<extra>" + f"{yrs} y" + "</extra>",
            )
        )
    fig.add_vline(x=0, line={"color": "#444", "width": 1})
    fig.update_yaxes(autorange="reversed", title_text="", tickvals=list(range(len(groups))), ticktext=groups)
    fig.update_xaxes(title_text=x_title, zeroline=False)
    fig = _layout(fig, title, height=max(320, 110 + 40 * len(groups)))
    fig.update_layout(hovermode="closest", margin={"l": 230, "r": 30, "t": 60, "b": 60})
    return fig


def scatter_figure(runs: pd.DataFrame, output: str, factors: list[str], title: str, y_title: str) -> go.Figure:
    """One panel per factor: each run's ``output`` against the factor's value."""
    n = len(factors)
    cols = min(n, 3)
    rows = -(-n // cols)
    fig = make_subplots(rows=rows, cols=cols, horizontal_spacing=0.08, vertical_spacing=0.18, subplot_titles=factors)
    for i, f in enumerate(factors):
        r, c = i // cols + 1, i % cols + 1
        fig.add_trace(
            go.Scatter(
                x=runs[f],
                y=runs[output],
                mode="markers",
                marker={"color": colour(0), "size": 5, "opacity": 0.6},
                name=f,
                showlegend=False,
                hovertemplate=f"{f} = %{{x:.3g}}<br>{output} = %{{y:.3g}}<extra></extra>",
            ),
            row=r,
            col=c,
        )
        fig.update_xaxes(title_text=f, row=r, col=c)
    fig.update_yaxes(title_text=y_title, col=1)
    fig = _layout(fig, title, height=120 + 300 * rows)
    fig.update_layout(hovermode="closest")
    return fig
