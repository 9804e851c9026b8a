"""Charts: Drawing subclasses, styled in __init__ and fed data by the caller with `plot`.

Both read in black and white: the branch is a filled bar or a solid line with round markers, the
area average a black tick or a dashed line, the target a dotted line, each named in a legend.

They are drawn from plain shapes (lines, rectangles, strings) rather than reportlab's chart
widgets: the widgets validate and derive thousands of attributes per chart, which made the two
charts cost a third of a scorecard's rendering time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

from reportlab.graphics.shapes import Circle, Drawing, Line, Path, PolyLine, Rect, String
from reportlab.lib.attrmap import AttrMap, AttrMapValue
from reportlab.lib.colors import Color
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth

from reports.fonts import BOLD, REGULAR
from reports.styles import ACCENT, BAR, INK, LIGHT_RULE, MUTED, RULE

_LABEL_SIZE = 7.5
_LEADING = _LABEL_SIZE + 1.5
_LEGEND_HEIGHT = 16
_ROW_HEIGHT = 19
_BAR_HEIGHT = 10

#: A straight line: x1, y1, x2, y2.
Segment = tuple[float, float, float, float]

#: A value to plot (a percent as float) or None for "no data".
Value = float | None


def _width(text: str, font: str = REGULAR) -> float:
    return stringWidth(text, font, _LABEL_SIZE)


def _wrap(text: str, width: float, lines: int = 2) -> list[str]:
    """Up to `lines` lines of at most `width` points, the last shortened with an ellipsis."""
    parts = simpleSplit(text, REGULAR, _LABEL_SIZE, width) or [""]
    if len(parts) > lines:
        parts = parts[:lines]
        last = parts[-1]
        while last and _width(last + "…") > width:
            last = last[:-1]
        parts[-1] = last.rstrip() + "…"
    return parts


class _ReportDrawing(Drawing):
    """A Drawing in the report font, with small helpers for its shapes."""

    # Drawing checks every public attribute set on it against its attribute map.
    _attrMap = AttrMap(
        BASE=Drawing,
        branch_label=AttrMapValue(None),
        average_label=AttrMapValue(None),
        target_label=AttrMapValue(None),
        axis_format=AttrMapValue(None),
    )

    def __init__(self, width: float, height: float) -> None:
        super().__init__(width, height)
        self._x = self._y = self._w = self._h = 0.0  # the plot area, set by the subclass
        # The renderer's first graphics state would otherwise select Helvetica.
        self.initialFontName = REGULAR
        self.initialFontSize = _LABEL_SIZE

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        anchor: str = "start",
        bold: bool = False,
        color: Color = INK,
    ) -> None:
        self.add(
            String(
                x,
                y,
                text,
                fontName=BOLD if bold else REGULAR,
                fontSize=_LABEL_SIZE,
                fillColor=color,
                textAnchor=anchor,
            )
        )

    def lines(self, x: float, y: float, lines: Sequence[str], anchor: str) -> None:
        """Several lines of text, the first baseline at y."""
        for index, line in enumerate(lines):
            self.text(x, y - index * _LEADING, line, anchor=anchor)

    def rule(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        *,
        color: Color = INK,
        width: float = 1,
        dash: tuple[float, ...] | None = None,
    ) -> None:
        self.add(Line(x1, y1, x2, y2, strokeColor=color, strokeWidth=width, strokeDashArray=dash))

    def strokes(self, segments: Iterable[Segment], *, color: Color = INK, width: float = 1) -> None:
        """Many straight lines as one shape: drawing a shape costs a graphics state each."""
        path = Path(strokeColor=color, strokeWidth=width, fillColor=None)
        for x1, y1, x2, y2 in segments:
            path.moveTo(x1, y1)
            path.lineTo(x2, y2)
        self.add(path)

    def _axes(self) -> None:
        """The two axes along the plot's left and bottom edges."""
        x, y, w, h = self._x, self._y, self._w, self._h
        self.strokes([(x, y, x + w, y), (x, y, x, y + h)], color=RULE, width=0.6)

    def legend(self, x: float, entries: Sequence[tuple[Callable[[float, float], None], str]]):
        """Legend entries left to right along the bottom edge: a symbol, then its name."""
        for symbol, text in entries:
            symbol(x, 3)
            self.text(x + 16, 0, text)
            x += 16 + _width(text) + 14


class SectionChart(_ReportDrawing):
    """Section scores as horizontal bars, the area average as a black tick on each bar."""

    def __init__(
        self,
        width: float,
        rows: int,
        *,
        branch_label: str,
        average_label: str,
        axis_format: Callable[[float], str],
    ) -> None:
        super().__init__(width, rows * _ROW_HEIGHT + 16 + _LEGEND_HEIGHT)
        self.branch_label = branch_label
        self.average_label = average_label
        self.axis_format = axis_format
        self._rows = rows
        self._label_width = min(width * 0.36, 170)
        self._x = self._label_width + 6
        self._y = _LEGEND_HEIGHT + 14
        self._w = width - self._x - 44  # the values are printed in a column on the right
        self._h = rows * _ROW_HEIGHT

    def plot(
        self,
        titles: Sequence[str],
        scores: Sequence[Value],
        averages: Sequence[Value],
        score_labels: Sequence[str],
    ) -> None:
        """One bar per section, first at the top; None leaves a section without bar or tick."""
        self._grid()
        slot = self._h / self._rows
        ticks: list[tuple[float, float]] = []
        rows = zip(titles, scores, averages, score_labels, strict=True)
        for index, (title, score, average, label) in enumerate(rows):
            middle = self._y + self._h - (index + 0.5) * slot
            lines = _wrap(title, self._label_width)
            top = middle - 2.6 + (len(lines) - 1) * _LEADING / 2
            self.lines(self._x - 5, top, lines, anchor="end")
            if score is not None:
                self.add(
                    Rect(
                        self._x,
                        middle - _BAR_HEIGHT / 2,
                        self._w * score / 100,
                        _BAR_HEIGHT,
                        fillColor=BAR,
                        strokeColor=INK,
                        strokeWidth=0.4,
                    )
                )
            # Values in their own column, where no marker can cover them.
            self.text(self.width, middle - 2.6, label, anchor="end", bold=True)
            if average is not None:
                ticks.append((self._x + self._w * average / 100, middle))
        self._ticks(ticks)
        self.legend(
            self._x,
            [(self._bar_symbol, self.branch_label), (self._tick_symbol, self.average_label)],
        )

    def _grid(self) -> None:
        xs = [self._x + self._w * value / 100 for value in range(0, 101, 20)]
        self.strokes(((x, self._y, x, self._y + self._h) for x in xs), color=LIGHT_RULE, width=0.4)
        for value, x in zip(range(0, 101, 20), xs, strict=True):
            self.text(x, self._y - 10, self.axis_format(value), anchor="middle", color=MUTED)
        self._axes()

    def _ticks(self, ticks: Sequence[tuple[float, float]]) -> None:
        """The area-average markers: a heavy tick across the bar under a small triangle."""
        if not ticks:
            return
        self.strokes(((x, middle - 6.5, x, middle + 6) for x, middle in ticks), width=1.6)
        self.add(_triangles((x, middle + 6) for x, middle in ticks))

    def _bar_symbol(self, x: float, y: float) -> None:
        self.add(Rect(x, y - 3.5, 12, 7, fillColor=BAR, strokeColor=INK, strokeWidth=0.4))

    def _tick_symbol(self, x: float, y: float) -> None:
        self.rule(x + 6, y - 5, x + 6, y + 3, width=1.6)
        self.add(_triangles([(x + 6, y + 3)]))


def _triangles(tips: Iterable[tuple[float, float]]) -> Path:
    """Small downward triangles with their tips on the points: "area average" markers."""
    path = Path(fillColor=INK, strokeColor=None)
    for x, y in tips:
        path.moveTo(x - 3, y + 4)
        path.lineTo(x + 3, y + 4)
        path.lineTo(x, y)
        path.closePath()
    return path


class TrendChart(_ReportDrawing):
    """The branch's score over the last periods, with the area average and the target."""

    def __init__(
        self,
        width: float,
        height: float,
        *,
        branch_label: str,
        average_label: str,
        target_label: str,
        axis_format: Callable[[float], str],
    ) -> None:
        super().__init__(width, height)
        self.branch_label = branch_label
        self.average_label = average_label
        self.target_label = target_label
        self.axis_format = axis_format
        self._x = 34
        self._y = _LEGEND_HEIGHT + 26
        self._w = width - self._x - 30
        self._h = height - self._y - 8
        self._low = 0.0

    def plot(
        self,
        labels: Sequence[str],
        scores: Sequence[Value],
        averages: Sequence[Value],
        target: Value,
        last_label: str,
    ) -> None:
        """One point per period, oldest first; None leaves a gap in a line. `last_label` is
        printed by the newest point. A label may hold a second line after a newline."""
        values = [v for v in (*scores, *averages, target) if v is not None]
        self._low = max(0.0, math.floor((min(values, default=0) - 5) / 10) * 10)
        self._grid(step=10 if self._low >= 50 else 20)
        slot = self._w / max(len(labels), 1)
        xs = [self._x + slot * (index + 0.5) for index in range(len(labels))]
        self.strokes(((x, self._y, x, self._y - 3) for x in xs), color=RULE, width=0.6)
        for x, label in zip(xs, labels, strict=True):
            self.lines(x, self._y - 11, label.split("\n"), anchor="middle")
        if target is not None:
            y = self._value_y(target)
            self.rule(self._x, y, self._x + self._w, y, width=1, dash=(1, 2))
        for segment in _segments(xs, averages):
            self.add(
                PolyLine(
                    self._points(segment),
                    strokeColor=INK,
                    strokeWidth=0.9,
                    strokeDashArray=(4, 2.5),
                )
            )
        for segment in _segments(xs, scores):
            self.add(PolyLine(self._points(segment), strokeColor=ACCENT, strokeWidth=1.8))
            for x, value in segment:
                self._marker(x, self._value_y(value))
        if scores and scores[-1] is not None:
            self.text(xs[-1] + 5, self._value_y(scores[-1]) + 4, last_label, bold=True)
        entries = [(self._branch_symbol, self.branch_label)]
        if any(v is not None for v in averages):
            entries.append((self._average_symbol, self.average_label))
        if target is not None:
            entries.append((self._target_symbol, self.target_label))
        self.legend(self._x, entries)

    def _grid(self, step: int) -> None:
        values = range(int(self._low), 101, step)
        ys = [self._value_y(value) for value in values]
        right = self._x + self._w
        self.strokes(((self._x, y, right, y) for y in ys), color=LIGHT_RULE, width=0.4)
        for value, y in zip(values, ys, strict=True):
            self.text(self._x - 4, y - 2.6, self.axis_format(value), anchor="end", color=MUTED)
        self._axes()

    def _value_y(self, value: float) -> float:
        return self._y + self._h * (value - self._low) / (100 - self._low)

    def _points(self, segment: Sequence[tuple[float, float]]) -> list[float]:
        return [coordinate for x, value in segment for coordinate in (x, self._value_y(value))]

    def _marker(self, x: float, y: float) -> None:
        self.add(Circle(x, y, 2.4, fillColor=ACCENT, strokeColor=ACCENT, strokeWidth=0.5))

    def _branch_symbol(self, x: float, y: float) -> None:
        self.rule(x, y, x + 12, y, color=ACCENT, width=1.8)
        self._marker(x + 6, y)

    def _average_symbol(self, x: float, y: float) -> None:
        self.rule(x, y, x + 12, y, width=0.9, dash=(4, 2.5))

    def _target_symbol(self, x: float, y: float) -> None:
        self.rule(x, y, x + 12, y, width=1, dash=(1, 2))


def _segments(xs: Sequence[float], values: Sequence[Value]) -> list[list[tuple[float, float]]]:
    """The runs of consecutive values, so that no line is drawn across a period without data."""
    segments: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] | None = None
    for x, value in zip(xs, values, strict=True):
        if value is None:
            current = None
            continue
        if current is None:
            current = []
            segments.append(current)
        current.append((x, value))
    return segments
