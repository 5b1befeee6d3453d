"""Small line charts for the customer's page, rendered on the server as SVG.

Plain Python, one concern: no script, no asset, no charting library (the
page stays readable without JavaScript and in a test without a browser).
A chart is a list of series, each a list of (x, y) points with x a
datetime; every point carries a ``<title>`` (its value, read by a mouse
hover and by screen readers) and the SVG states its figures in data
attributes (``data-points``, ``data-max``).
"""
from markupsafe import Markup, escape

WIDTH, HEIGHT = 600, 160
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 48, 12, 12, 22
COLORS = ("#714b67", "#017e84", "#e46e78", "#21b799")


def _fmt(value):
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}".rstrip("0").rstrip(".")


def line_chart(series, unit="", label="", x_format="%b %d", css_class=""):
    """``series``: [(name, [(datetime, value), ...]), ...] -> Markup(svg).
    All series share one y axis from 0 to their highest value; x spans the
    earliest to the latest point of any series."""
    points = [p for _name, pts in series for p in pts]
    if not points:
        return Markup("")
    xs = [p[0] for p in points]
    x_min, x_max = min(xs), max(xs)
    y_max = max(max(p[1] for p in points), 0) or 1.0
    span = (x_max - x_min).total_seconds() or 1.0
    plot_w, plot_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM

    def xy(point):
        x = PAD_LEFT + plot_w * (point[0] - x_min).total_seconds() / span
        y = PAD_TOP + plot_h * (1 - point[1] / y_max)
        return x, y

    parts = [
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP + plot_h}" x2="{WIDTH - PAD_RIGHT}" '
        f'y2="{PAD_TOP + plot_h}" stroke="#ccc"/>',
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{PAD_LEFT}" y2="{PAD_TOP + plot_h}" '
        f'stroke="#ccc"/>',
        f'<text x="{PAD_LEFT - 4}" y="{PAD_TOP + 8}" text-anchor="end" font-size="10" '
        f'class="o_saas_chart_ymax">{escape(_fmt(y_max))} {escape(unit)}</text>',
        f'<text x="{PAD_LEFT - 4}" y="{PAD_TOP + plot_h}" text-anchor="end" '
        f'font-size="10">0</text>',
        f'<text x="{PAD_LEFT}" y="{HEIGHT - 6}" font-size="10">'
        f'{escape(x_min.strftime(x_format))}</text>',
        f'<text x="{WIDTH - PAD_RIGHT}" y="{HEIGHT - 6}" text-anchor="end" font-size="10">'
        f'{escape(x_max.strftime(x_format))}</text>',
    ]
    legend_x = PAD_LEFT + 8
    for index, (name, pts) in enumerate(series):
        color = COLORS[index % len(COLORS)]
        coords = [xy(p) for p in sorted(pts)]
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.5" '
                         f'points="{path}"/>')
        for (x, y), point in zip(coords, sorted(pts)):
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="{color}"><title>'
                f'{escape(name)} {escape(point[0].strftime("%Y-%m-%d %H:%M"))}: '
                f'{escape(_fmt(point[1]))} {escape(unit)}</title></circle>')
        if name:
            parts.append(f'<text x="{legend_x}" y="{PAD_TOP + 10}" font-size="10" '
                         f'fill="{color}">{escape(name)}</text>')
            legend_x += 8 + 7 * len(name)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="o_saas_chart {escape(css_class)}" role="img" aria-label="{escape(label)}" '
        f'data-points="{len(points)}" data-max="{escape(_fmt(y_max))}" '
        f'preserveAspectRatio="none" style="width:100%;height:auto">'
        f'<title>{escape(label)}</title>{"".join(parts)}</svg>')
