// Charts drawn as inline SVG from the API's own data: a line chart, a
// grouped bar chart and a weekday × hour heat grid. Colours come from the
// stylesheet (classes), so the charts follow the page's theme.

import { el, svg, parseYMD } from "./dom.js";

const dayFmt = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

// niceMax rounds v up to 1, 2, 2.5 or 5 times a power of ten.
function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function legend(items) {
  return el("div", { class: "legend" }, items.map((it) =>
    el("span", { class: "legend-item" }, el("span", { class: "swatch " + it.cls }), it.label)));
}

// lineChart draws one line per series over the union of their x values
// (YYYY-MM-DD dates or RFC 3339 times, in order). series: [{label, cls,
// points: [{x, y}]}], y null for no value; format formats a y value, xFormat
// an x value (default: dates as "Oct 3").
export function lineChart(series, { title, format = String, xFormat }) {
  const W = 640, H = 260, L = 60, R = 20, T = 16, B = 36;
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort();
  const xLabel = xFormat || ((x) => { const d = parseYMD(x); return d ? dayFmt.format(d) : x; });
  // x is a time scale: days apart are drawn apart in proportion.
  const ms = (x) => (parseYMD(x) || new Date(x)).getTime();
  const t0 = xs.length ? ms(xs[0]) : 0, t1 = xs.length ? ms(xs[xs.length - 1]) : 0;
  const ys = series.flatMap((s) => s.points.map((p) => p.y)).filter((y) => y !== null && y !== undefined);
  const max = niceMax(Math.max(0, ...ys));
  const xOf = (x) => (t1 <= t0 ? L + (W - L - R) / 2 : L + ((ms(x) - t0) * (W - L - R)) / (t1 - t0));
  const yAt = (v) => T + (1 - v / max) * (H - T - B);
  const chart = svg("svg", { class: "chart line-chart", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title });
  chart.append(svg("title", { text: title }));
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4, y = yAt(v);
    chart.append(svg("line", { class: "grid", x1: L, x2: W - R, y1: y, y2: y }));
    chart.append(svg("text", { class: "tick", x: L - 6, y: y + 4, "text-anchor": "end", text: format(v) }));
  }
  let lastLabel = -Infinity;
  xs.forEach((x, i) => {
    const px = xOf(x);
    const isLast = i === xs.length - 1;
    if (px - lastLabel < 56 && !(isLast && xs.length > 1 && px - lastLabel >= 40)) return;
    lastLabel = px;
    const anchor = isLast && xs.length > 1 ? "end" : "middle"; // the last label ends at the axis' end, not past it
    chart.append(svg("text", { class: "tick", x: isLast && xs.length > 1 ? W - R : px, y: H - B + 18, "text-anchor": anchor, text: xLabel(x) }));
  });
  chart.append(svg("line", { class: "axis", x1: L, x2: W - R, y1: H - B, y2: H - B }));
  for (const s of series) {
    const pts = s.points
      .filter((p) => p.y !== null && p.y !== undefined)
      .map((p) => ({ ...p, cx: xOf(p.x), cy: yAt(p.y) }));
    if (pts.length > 1) {
      chart.append(svg("polyline", { class: "line " + s.cls, points: pts.map((p) => `${p.cx},${p.cy}`).join(" ") }));
    }
    for (const p of pts) {
      chart.append(svg("circle", {
        class: "point " + s.cls, cx: p.cx, cy: p.cy, r: 4,
        dataset: { series: s.cls, date: p.x, value: p.y },
      }, svg("title", { text: `${s.label} · ${xFormat ? xFormat(p.x) : p.x}: ${format(p.y)}` })));
    }
  }
  if (xs.length === 0) {
    chart.append(svg("text", { class: "empty-chart", x: W / 2, y: H / 2, "text-anchor": "middle", text: "No data for this span" }));
  }
  return el("figure", { class: "chart-box" }, el("figcaption", { text: title }), chart, legend(series));
}

// barChart draws, for each row, one bar for A and one for B, scaled to
// the larger of the two (indicators have different units).
// rows: [{indicator, label, a, b, format}].
export function barChart(rows, { title, labels }) {
  const W = 640, L = 190, R = 90, rowH = 46, T = 8;
  const H = T + rows.length * rowH + 8;
  const chart = svg("svg", { class: "chart bar-chart", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title });
  chart.append(svg("title", { text: title }));
  rows.forEach((r, i) => {
    const y0 = T + i * rowH;
    const scale = Math.max(Math.abs(r.a || 0), Math.abs(r.b || 0)) || 1;
    chart.append(svg("text", { class: "bar-label", x: L - 10, y: y0 + 24, "text-anchor": "end", text: r.label }));
    [["a", r.a, 4], ["b", r.b, 22]].forEach(([side, v, dy]) => {
      const w = v === null || v === undefined ? 0 : (Math.abs(v) / scale) * (W - L - R);
      chart.append(svg("rect", {
        class: "bar " + side + (v < 0 ? " negative" : ""), x: L, y: y0 + dy, width: Math.max(w, v ? 1 : 0), height: 16, rx: 2,
        dataset: { indicator: r.indicator, side, value: v === null || v === undefined ? "" : v },
      }, svg("title", { text: `${labels[side]} · ${r.label}: ${r.format(v)}` })));
      chart.append(svg("text", { class: "bar-value", x: L + w + 6, y: y0 + dy + 12, text: r.format(v) }));
    });
  });
  return el("figure", { class: "chart-box" }, el("figcaption", { text: title }), chart,
    legend([{ cls: "a", label: labels.a }, { cls: "b", label: labels.b }]));
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

// heatGrid draws 7 rows (Monday first) × 24 hours; a cell's colour is its
// engagement rate against the best cell; cells: [{weekday (0=Sunday),
// hour, posts, publications, engagement_rate_pct}].
export function heatGrid(cells, { title, format }) {
  const C = 22, L = 44, T = 22, W = L + 24 * C + 4, H = T + 7 * C + 4;
  const byKey = new Map(cells.map((c) => [c.weekday + ":" + c.hour, c]));
  const max = Math.max(0, ...cells.map((c) => c.engagement_rate_pct || 0));
  const chart = svg("svg", { class: "chart heat-grid", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title });
  chart.append(svg("title", { text: title }));
  for (let h = 0; h < 24; h += 3) {
    chart.append(svg("text", { class: "tick", x: L + h * C + C / 2, y: T - 8, "text-anchor": "middle", text: String(h).padStart(2, "0") }));
  }
  [1, 2, 3, 4, 5, 6, 0].forEach((wd, row) => {
    chart.append(svg("text", { class: "tick", x: L - 8, y: T + row * C + C / 2 + 4, "text-anchor": "end", text: WEEKDAYS[wd] }));
    for (let h = 0; h < 24; h++) {
      const c = byKey.get(wd + ":" + h);
      const has = c && c.posts > 0;
      const rate = has ? c.engagement_rate_pct : null;
      const attrs = {
        class: "cell" + (has ? "" : " empty"), x: L + h * C + 1, y: T + row * C + 1, width: C - 2, height: C - 2, rx: 3,
        dataset: { weekday: wd, hour: h, posts: has ? c.posts : 0, publications: has ? c.publications ?? 0 : 0, rate: rate ?? "" },
      };
      if (has) attrs["fill-opacity"] = (0.15 + 0.85 * (max > 0 && rate ? rate / max : 0)).toFixed(3);
      const tip = `${WEEKDAYS[wd]} ${String(h).padStart(2, "0")}:00 — ` + (has ? `${c.posts} post(s), ${c.publications ?? 0} publication(s), ${format(rate)}` : "no posts");
      chart.append(svg("rect", attrs, svg("title", { text: tip })));
    }
  });
  return el("figure", { class: "chart-box" }, el("figcaption", { text: title }), chart);
}
