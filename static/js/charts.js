// Charts drawn as SVG by hand: lines (trends), horizontal bars (weakest questions), a heat map
// (sections x branches) and a small interval bar for the league table. Each chart carries a
// role="img" label and a <title> per mark, and callers offer the numbers as a table too.

import { h, svg } from "./dom.js";
import { formatMonth, formatNumber } from "./i18n.js";

export const PALETTE = ["#0b4f6c", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490", "#a16207", "#be185d", "#4d7c0f", "#334155"];

// A diverging red-white-blue scale (readable with the common colour-vision deficiencies).
const STOPS = [
  [50, [178, 24, 43]],
  [62.5, [239, 138, 98]],
  [75, [247, 247, 247]],
  [87.5, [103, 169, 207]],
  [100, [33, 102, 172]],
];

export function scoreColour(value) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return "#e5e7eb";
  const v = Math.max(STOPS[0][0], Math.min(100, Number(value)));
  for (let i = 1; i < STOPS.length; i += 1) {
    const [x1, c1] = STOPS[i];
    const [x0, c0] = STOPS[i - 1];
    if (v <= x1) {
      const f = (v - x0) / (x1 - x0);
      const rgb = c0.map((c, k) => Math.round(c + f * (c1[k] - c)));
      return `rgb(${rgb.join(",")})`;
    }
  }
  return "rgb(33,102,172)";
}

// Dark text on light cells, white on dark ones (WCAG contrast either way).
export function textColour(value) {
  if (value === null || value === undefined) return "#374151";
  const v = Number(value);
  return v < 57 || v > 92 ? "#ffffff" : "#111827";
}

function chartFrame(width, height, label) {
  return svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": label,
    class: "chart",
    preserveAspectRatio: "xMidYMid meet",
  });
}

// Draw at the figure's real width (and again when it changes), so text stays 12-14 px on a
// phone and on a desktop alike instead of being scaled with a fixed viewBox.
function responsive(figure, draw) {
  let drawn = 0;
  const render = (width) => {
    const w = Math.max(280, Math.round(width));
    if (Math.abs(w - drawn) < 8) return;
    drawn = w;
    const old = figure.querySelector("svg.chart");
    const chart = draw(w);
    if (old) old.replaceWith(chart);
    else figure.prepend(chart);
  };
  render(640);
  if ("ResizeObserver" in window) {
    new ResizeObserver((entries) => {
      for (const entry of entries) if (entry.contentRect.width) render(entry.contentRect.width);
    }).observe(figure);
  }
  return figure;
}

// series: [{name, points: [{x: "2026-10", y: 81.2, n: 4}]}]; x values are shared labels.
export function lineChart({ series, label, yMin = 0, yMax = 100, target = null, format = (v) => formatNumber(v) }) {
  const legend = h("ul.legend");
  series.forEach((s, index) => {
    const swatch = h("span.swatch");
    swatch.style.background = PALETTE[index % PALETTE.length];
    legend.append(h("li", {}, swatch, s.name));
  });
  const figure = h("figure.chart-figure", {}, series.length > 1 ? legend : null);
  return responsive(figure, (width) => drawLines({ series, label, yMin, yMax, target, format, width }));
}

function drawLines({ series, label, yMin, yMax, target, format, width }) {
  const height = Math.round(Math.min(320, Math.max(220, width * 0.45)));
  const pad = { left: 40, right: 14, top: 16, bottom: 40 };
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort();
  const chart = chartFrame(width, height, label);
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const xAt = (x) => pad.left + (xs.length <= 1 ? plotW / 2 : (xs.indexOf(x) / (xs.length - 1)) * plotW);
  const yAt = (y) => pad.top + plotH - ((Number(y) - yMin) / (yMax - yMin)) * plotH;

  for (let tick = yMin; tick <= yMax; tick += (yMax - yMin) / 5) {
    chart.append(
      svg("line", { x1: pad.left, x2: width - pad.right, y1: yAt(tick), y2: yAt(tick), class: "grid" }),
      svg("text", { x: pad.left - 6, y: yAt(tick) + 4, "text-anchor": "end", class: "tick" }, String(Math.round(tick))),
    );
  }
  // As many month labels as fit (about 72 px each), always the first and the last.
  const every = Math.max(1, Math.ceil(xs.length / Math.max(2, Math.floor(plotW / 72))));
  xs.forEach((x, i) => {
    const last = i === xs.length - 1;
    if (i % every !== 0 && !last) return;
    if (!last && xs.length > 1 && i + every > xs.length - 1 && i !== 0) return; // keep clear of the last
    const anchor = xs.length > 1 && last ? "end" : i === 0 && xs.length > 1 ? "start" : "middle";
    chart.append(svg("text", { x: xAt(x), y: height - pad.bottom + 18, "text-anchor": anchor, class: "tick" }, formatMonth(x)));
  });
  if (target !== null && target !== undefined) {
    chart.append(
      svg("line", { x1: pad.left, x2: width - pad.right, y1: yAt(target), y2: yAt(target), class: "target" }),
      svg("text", { x: width - pad.right, y: yAt(target) - 4, "text-anchor": "end", class: "tick" }, `▲ ${format(target)}`),
    );
  }
  series.forEach((s, index) => {
    const colour = PALETTE[index % PALETTE.length];
    const points = s.points.filter((p) => p.y !== null && p.y !== undefined);
    // A month without visits breaks the line instead of bridging the gap.
    let d = "";
    let pen = "M";
    for (const p of [...s.points].sort((a, b) => xs.indexOf(a.x) - xs.indexOf(b.x))) {
      if (p.y === null || p.y === undefined) {
        pen = "M";
        continue;
      }
      d += `${pen}${xAt(p.x).toFixed(1)},${yAt(p.y).toFixed(1)} `;
      pen = "L";
    }
    if (d.includes("L")) chart.append(svg("path", { d: d.trim(), fill: "none", stroke: colour, "stroke-width": 2.5 }));
    for (const p of points) {
      const dot = svg("circle", { cx: xAt(p.x), cy: yAt(p.y), r: 4.5, fill: colour, stroke: "#fff", "stroke-width": 1.5 });
      dot.append(svg("title", {}, `${s.name} ${formatMonth(p.x)}: ${format(p.y)}${p.n ? ` (n=${p.n})` : ""}`));
      chart.append(dot);
    }
  });
  return chart;
}

// rows: [{label, value, detail}] drawn as horizontal bars; each label sits above its bar and
// wraps onto as many lines as it needs, so long question texts fit a phone screen.
export function barChart({ rows, label, max = 100, format = (v) => formatNumber(v) }) {
  const figure = h("figure.chart-figure", {});
  return responsive(figure, (width) => {
    const valueW = 64;
    const chars = Math.max(20, Math.floor(width / 7.6));
    const lines = rows.map((row) => wrap(row.label, chars));
    const rowHeights = lines.map((l) => l.length * 18 + 28);
    const height = rowHeights.reduce((a, b) => a + b, 0) + 4;
    const chart = chartFrame(width, height, label);
    let y = 2;
    rows.forEach((row, i) => {
      lines[i].forEach((line, k) => chart.append(svg("text", { x: 0, y: y + 14 + k * 18, class: "bar-label" }, line)));
      const barY = y + lines[i].length * 18 + 4;
      const share = Math.max(0, Math.min(1, Number(row.value) / max));
      chart.append(svg("rect", { x: 0, y: barY, width: width - valueW, height: 16, class: "bar-track", rx: 3 }));
      const bar = svg("rect", { x: 0, y: barY, width: Math.max(2, share * (width - valueW)), height: 16, class: "bar", rx: 3 });
      bar.append(svg("title", {}, `${row.label}: ${format(row.value)}${row.detail ? ` (${row.detail})` : ""}`));
      chart.append(bar);
      chart.append(svg("text", { x: width, y: barY + 13, "text-anchor": "end", class: "bar-value" }, format(row.value)));
      y += rowHeights[i];
    });
    return chart;
  });
}

function wrap(text, chars) {
  const words = String(text).split(/\s+/);
  const lines = [""];
  for (const word of words) {
    const current = lines[lines.length - 1];
    if (current && (current + " " + word).length > chars) lines.push(word);
    else lines[lines.length - 1] = current ? `${current} ${word}` : word;
  }
  return lines;
}

// columns: [{key, label}], rows: [{label, values: {key: number|null}}]
export function heatmap({ columns, rows, label }) {
  const cellW = 58;
  const cellH = 30;
  // Room for the longest row label (about 7 px a character at 12 px), at most 26 characters.
  const longest = Math.max(4, ...rows.map((row) => Math.min(26, row.label.length)));
  const left = Math.min(200, longest * 7 + 14);
  const top = 110;
  const width = left + columns.length * cellW + 70; // room for the last slanted heading
  const height = top + rows.length * cellH + 4;
  const chart = chartFrame(width, height, label);
  chart.classList.add("heatmap");
  chart.setAttribute("width", width);
  chart.setAttribute("height", height);
  columns.forEach((column, c) => {
    const x = left + c * cellW + cellW / 2;
    const text = column.label.length > 18 ? `${column.label.slice(0, 17)}…` : column.label;
    const heading = svg("text", { x, y: top - 8, transform: `rotate(-40 ${x} ${top - 8})`, class: "tick" }, text);
    heading.append(svg("title", {}, column.label));
    chart.append(heading);
  });
  rows.forEach((row, r) => {
    const y = top + r * cellH;
    const name = row.label.length > 26 ? `${row.label.slice(0, 25)}…` : row.label;
    const rowTitle = svg("title", {}, row.title || row.label);
    chart.append(svg("text", { x: left - 8, y: y + cellH / 2 + 4, "text-anchor": "end", class: "row-label" }, name, rowTitle));
    columns.forEach((column, c) => {
      const value = row.values[column.key];
      const x = left + c * cellW;
      const cell = svg("rect", { x: x + 1, y: y + 1, width: cellW - 2, height: cellH - 2, fill: scoreColour(value), rx: 2 });
      cell.append(svg("title", {}, `${row.label} – ${column.label}: ${formatNumber(value)}`));
      chart.append(cell);
      chart.append(svg("text", { x: x + cellW / 2, y: y + cellH / 2 + 4, "text-anchor": "middle", fill: textColour(value), class: "cell" }, formatNumber(value, 0)));
    });
  });
  return h("figure.chart-figure.scroll-x", {}, chart);
}

export function heatLegend(labelLow, labelHigh) {
  const legend = svg("svg", { viewBox: "0 0 240 34", class: "heat-legend", role: "img", "aria-label": `${labelLow} – ${labelHigh}` });
  for (let i = 0; i <= 10; i += 1) {
    const value = 50 + i * 5;
    legend.append(svg("rect", { x: i * 20 + 10, y: 2, width: 20, height: 14, fill: scoreColour(value) }));
  }
  legend.append(svg("text", { x: 10, y: 30, class: "tick" }, `≤50 ${labelLow}`));
  legend.append(svg("text", { x: 230, y: 30, "text-anchor": "end", class: "tick" }, `100 ${labelHigh}`));
  return legend;
}

// The mean and its interval on the 0-100 scale, for one league table row.
export function intervalBar({ mean, low, high, label }) {
  const width = 120;
  const chart = svg("svg", { viewBox: `0 0 ${width} 16`, class: "interval", role: "img", "aria-label": label });
  const x = (v) => 2 + (Math.max(0, Math.min(100, Number(v))) / 100) * (width - 4);
  chart.append(svg("line", { x1: 2, x2: width - 2, y1: 8, y2: 8, class: "interval-axis" }));
  if (low !== null && low !== undefined && high !== null && high !== undefined) {
    chart.append(svg("rect", { x: x(low), y: 4, width: Math.max(1, x(high) - x(low)), height: 8, class: "interval-range", rx: 2 }));
  }
  if (mean !== null && mean !== undefined) {
    chart.append(svg("circle", { cx: x(mean), cy: 8, r: 3.5, class: "interval-mean" }));
  }
  return chart;
}
