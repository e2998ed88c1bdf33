// Charts as inline SVG built with DOM APIs: stacked columns over time and horizontal bars.

import { h } from "./dom.js";

const svg = (tag, attrs = {}, ...children) => h(`svg:${tag}`, attrs, ...children);

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  const m = v / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

export function emptyChart(message) {
  return h("p", { class: "muted chart-empty", text: message });
}

/**
 * Stacked columns: buckets (x labels) x series (e.g. annotators).
 * data: {buckets: [label], series: [{name, values: [number per bucket]}]}
 */
export function stackedColumns({ buckets, series }, { height = 240, yLabel = "" } = {}) {
  const width = 520;
  const pad = { l: 44, r: 12, t: 12, b: 46 };
  const totals = buckets.map((_, i) => series.reduce((s, x) => s + (x.values[i] || 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotW = width - pad.l - pad.r;
  const plotH = height - pad.t - pad.b;
  const step = plotW / Math.max(buckets.length, 1);
  const barW = Math.max(2, Math.min(48, step * 0.7));
  const y = (v) => pad.t + plotH - (v / max) * plotH;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": yLabel || "chart" });
  for (let k = 0; k <= 4; k += 1) {
    const v = (max * k) / 4;
    root.append(svg("line", { class: "grid", x1: pad.l, x2: width - pad.r, y1: y(v), y2: y(v) }),
      svg("text", { x: pad.l - 6, y: y(v) + 4, "text-anchor": "end", text: Number.isInteger(v) ? v : v.toFixed(1) }));
  }
  buckets.forEach((label, i) => {
    const x = pad.l + i * step + (step - barW) / 2;
    let acc = 0;
    series.forEach((s, j) => {
      const v = s.values[i] || 0;
      if (!v) return;
      const rect = svg("rect", { class: `bar lab-${j % 8}`, x, width: barW, y: y(acc + v), height: Math.max(1, y(acc) - y(acc + v)) },
        svg("title", { text: `${s.name} · ${label}: ${v}` }));
      root.append(rect);
      acc += v;
    });
    const every = Math.ceil(buckets.length / 8);
    if (i % every === 0) {
      root.append(svg("text", { x: pad.l + i * step + step / 2, y: height - pad.b + 16, "text-anchor": "middle", text: label }));
    }
  });
  root.append(svg("line", { class: "axis", x1: pad.l, x2: width - pad.r, y1: y(0), y2: y(0) }));
  if (yLabel) root.append(svg("text", { x: pad.l, y: height - 6, text: yLabel }));
  return h("div", {}, root, legend(series.map((s) => s.name)));
}

export function legend(names) {
  return h("div", { class: "legend" }, names.map((n, j) => h("span", { class: `lab-${j % 8}` },
    h("span", { class: "legend-swatch" }), h("span", { text: n }))));
}

/**
 * Horizontal bars. rows: [{label, value (null: no data), note}]; domain [min, max].
 * groups > 1 draws that many bars per row, from values: [..] (with legend names).
 */
export function horizontalBars(rows, { domain = null, format = (v) => String(v), names = null } = {}) {
  const width = 520;
  const perRow = names ? names.length : 1;
  const rowH = 10 + perRow * 16;
  const pad = { l: 150, r: 70, t: 8, b: 8 };
  const height = pad.t + pad.b + rows.length * rowH;
  const all = rows.flatMap((r) => (names ? r.values : [r.value])).filter((v) => v !== null && v !== undefined);
  const [lo, hi] = domain || [Math.min(0, ...all), niceMax(Math.max(0, ...all))];
  const plotW = width - pad.l - pad.r;
  const x = (v) => pad.l + ((Math.max(lo, Math.min(hi, v)) - lo) / (hi - lo || 1)) * plotW;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "bar chart" });
  root.append(svg("line", { class: "axis", x1: x(Math.max(lo, 0)), x2: x(Math.max(lo, 0)), y1: pad.t, y2: height - pad.b }));
  rows.forEach((r, i) => {
    const top = pad.t + i * rowH + 5;
    const long = r.label.length > 22;
    root.append(svg("text", { class: "bar-label", x: pad.l - 8, y: top + (perRow * 16) / 2 + 4, "text-anchor": "end" },
      long ? `${r.label.slice(0, 21)}…` : r.label, long ? svg("title", { text: r.label }) : null));
    const values = names ? r.values : [r.value];
    values.forEach((v, j) => {
      const yy = top + j * 16;
      if (v === null || v === undefined) {
        root.append(svg("text", { x: x(Math.max(lo, 0)) + 6, y: yy + 11, text: r.note || "no data" }));
        return;
      }
      const x0 = x(Math.max(lo, 0));
      const x1 = x(v);
      root.append(svg("rect", { class: `bar lab-${names ? j : 0}`, x: Math.min(x0, x1), y: yy, width: Math.max(1, Math.abs(x1 - x0)), height: 13 },
        svg("title", { text: `${r.label}${names ? ` · ${names[j]}` : ""}: ${format(v)}` })),
      svg("text", { x: Math.max(x0, x1) + 6, y: yy + 11, text: format(v) }));
    });
  });
  return h("div", {}, root, names ? legend(names) : null);
}
