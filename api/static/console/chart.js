/*
 * A small bar chart in inline SVG for the console's daily stock movements (no chart library:
 * the console must work without any outside network). Exposes window.BuffrChart.daily().
 */
(() => {
  "use strict";

  const NS = "http://www.w3.org/2000/svg";
  const SERIES = [
    { key: "in", label: "In", color: "#2e8b57" },
    { key: "out", label: "Out", color: "#2f6fb5" },
    { key: "waste", label: "Waste", color: "#c0392b" },
  ];

  function el(name, attrs = {}, text) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Movements out and waste may come signed (negative); the chart shows amounts.
  const amount = (value) => Math.abs(Number(value) || 0);

  // A round step for the value axis: 1, 2 or 5 times a power of ten, about 4 ticks.
  function niceStep(max) {
    const raw = max / 4 || 1;
    const power = 10 ** Math.floor(Math.log10(raw));
    return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  }

  /** Draw ``days`` ([{day, in, out, waste}]) into ``container`` (its children replaced). */
  function daily(container, days) {
    const width = 900, height = 260;
    const pad = { left: 44, right: 10, top: 12, bottom: 34 };
    const plotW = width - pad.left - pad.right, plotH = height - pad.top - pad.bottom;
    const max = Math.max(1, ...days.flatMap((d) => SERIES.map((s) => amount(d[s.key]))));
    const step = niceStep(max);
    const top = Math.ceil(max / step) * step;
    const y = (v) => pad.top + plotH - (v / top) * plotH;

    const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, "aria-hidden": "true" });
    for (let v = 0; v <= top + 1e-9; v += step) {
      svg.append(el("line", { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v),
        stroke: "#e6ebef" }));
      svg.append(el("text", { x: pad.left - 6, y: y(v) + 4, "text-anchor": "end",
        "font-size": 11, fill: "#5b6670" }, String(+v.toFixed(3))));
    }
    const slot = plotW / Math.max(days.length, 1);
    const bar = Math.max(1, (slot * 0.8) / SERIES.length);
    days.forEach((d, i) => {
      const x0 = pad.left + i * slot + slot * 0.1;
      const day = String(d.day ?? d.date ?? "");
      SERIES.forEach((s, j) => {
        const v = amount(d[s.key]);
        if (!v) return;
        const rect = el("rect", { x: x0 + j * bar, y: y(v), width: bar, height: y(0) - y(v),
          fill: s.color, "data-series": s.key });
        rect.append(el("title", {}, `${day} · ${s.label}: ${v}`));
        svg.append(rect);
      });
      // A date label every ~5 days keeps the axis readable at 30 days.
      if (i % Math.ceil(days.length / 6) === 0) {
        svg.append(el("text", { x: x0 + slot * 0.4, y: height - 12, "text-anchor": "middle",
          "font-size": 11, fill: "#5b6670" }, day.slice(5)));
      }
    });
    svg.append(el("line", { x1: pad.left, x2: width - pad.right, y1: y(0), y2: y(0),
      stroke: "#9aa6b1" }));

    const legend = document.createElement("div");
    legend.className = "legend";
    for (const s of SERIES) {
      const item = document.createElement("span");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = s.color;
      item.append(swatch, s.label);
      legend.append(item);
    }
    const totals = SERIES.map((s) =>
      `${s.label.toLowerCase()} ${days.reduce((t, d) => t + amount(d[s.key]), 0)}`);
    container.setAttribute("aria-label", `Stock movements over ${days.length} days: ` +
      totals.join(", "));
    container.replaceChildren(legend, svg);
  }

  window.BuffrChart = { daily };
})();
