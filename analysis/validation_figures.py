"""Plotly figures behind the validation checks: the per-seed data each check summarises.

Each check in :mod:`leadsim.analysis.validation` and :mod:`leadsim.analysis.empirical` attaches one of these to
its :class:`~leadsim.analysis.validation.PatternResult`; ``leadsim check --figures DIR`` writes them and
``docs/make_validation_figures.py`` exports them as images for ``docs/validation.md``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go
from leadsim.analysis.figures import _layout as _report_layout
from leadsim.analysis.figures import _rgba, colour


def _layout(fig: go.Figure, title: str) -> go.Figure:
    # Exported as images of the plot alone: keep the title's first letter off the edge.
    return _report_layout(fig, title).update_layout(title={"x": 0.01})


def arms(title: str, values: Mapping[str, np.ndarray], y_title: str, reference: float | None = None) -> go.Figure:
    """Each arm's per-seed values (points) with a box: what a paired comparison compares."""
    fig = go.Figure()
    for i, (name, v) in enumerate(values.items()):
        v = np.asarray(v, dtype=float)
        v = v[np.isfinite(v)]
        fig.add_trace(
            go.Box(
                y=v,
                name=name,
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                marker={"color": colour(i), "size": 5, "opacity": 0.7},
                line={"color": colour(i)},
                fillcolor=_rgba(colour(i), 0.15),
                hovertemplate="%{y:.3f}<extra>" + name + "</extra>",
            )
        )
    if reference is not None:
        fig.add_hline(y=reference, line={"dash": "dash", "color": "black", "width": 1})
    _layout(fig, title).update_layout(showlegend=False, hovermode="closest")
    fig.update_yaxes(title=y_title)
    return fig


def bands(
    title: str,
    x: np.ndarray,
    series: Mapping[str, np.ndarray],
    x_title: str,
    y_title: str,
    marker: tuple[float, str] | None = None,
    zero_line: bool = False,
) -> go.Figure:
    """Mean over seeds and a 95 % band of the mean (normal approximation) per group over ``x``.

    ``series`` maps a group to an array of shape (seeds, len(x)).
    """
    fig = go.Figure()
    for i, (name, arr) in enumerate(series.items()):
        arr = np.asarray(arr, dtype=float)
        mean = arr.mean(axis=0)
        half = 1.96 * arr.std(axis=0, ddof=1) / np.sqrt(arr.shape[0]) if arr.shape[0] > 1 else 0 * mean
        c = colour(i)
        fig.add_trace(
            go.Scatter(
                x=np.concatenate([x, x[::-1]]),
                y=np.concatenate([mean + half, (mean - half)[::-1]]),
                mode="lines",
                fill="toself",
                fillcolor=_rgba(c, 0.18),
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
            )
        )
        fig.add_trace(go.Scatter(x=x, y=mean, name=name, line={"color": c, "width": 2}))
    if zero_line:
        fig.add_hline(y=0, line={"color": "grey", "width": 1})
    if marker is not None:
        fig.add_vline(x=marker[0], line={"dash": "dash", "color": "black", "width": 1})
        fig.add_annotation(x=marker[0], y=1, yref="paper", text=marker[1], showarrow=False, xanchor="left")
    _layout(fig, title)
    fig.update_xaxes(title=x_title)
    fig.update_yaxes(title=y_title)
    return fig


def scatter(title: str, x: np.ndarray, y: np.ndarray, x_title: str, y_title: str) -> go.Figure:
    """One point per school and the least-squares line, with r in the legend."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    r = float(np.corrcoef(x, y)[0, 1])
    slope, intercept = np.polyfit(x, y, 1)
    xs = np.linspace(x.min(), x.max(), 50)
    fig = go.Figure(
        [
            go.Scatter(
                x=x,
                y=y,
                mode="markers",
                name="schools",
                marker={"color": colour(0), "size": 6, "opacity": 0.6},
                hovertemplate="%{x:.3f}, %{y:.3f}<extra></extra>",
            ),
            go.Scatter(x=xs, y=intercept + slope * xs, name=f"least squares, r = {r:.2f}", line={"color": colour(1)}),
        ]
    )
    _layout(fig, title).update_layout(hovermode="closest")
    fig.update_xaxes(title=x_title)
    fig.update_yaxes(title=y_title)
    return fig


def histogram(title: str, values: np.ndarray, x_title: str, lo: float, hi: float) -> go.Figure:
    """Distribution of ``values`` with the published range shaded."""
    fig = go.Figure(go.Histogram(x=values, marker={"color": colour(0)}, opacity=0.8, name=x_title))
    fig.add_vrect(x0=lo, x1=hi, fillcolor=_rgba(colour(2), 0.15), line_width=0, annotation_text="published range")
    _layout(fig, title).update_layout(showlegend=False, hovermode="closest", bargap=0.05)
    fig.update_xaxes(title=x_title)
    fig.update_yaxes(title="count")
    return fig
