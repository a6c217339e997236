// Inline SVG charts drawn at the width of their container (redrawn when it changes), each
// with a <title> and <desc> for screen readers. No library, nothing fetched.

const SVG = "http://www.w3.org/2000/svg";
let chartCount = 0;
const drawn = new Map(); // container -> draw function, for redrawing on resize

function s(tag, attributes = {}, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) element.setAttribute(name, String(value));
  }
  if (text !== undefined) element.textContent = String(text);
  return element;
}

function frame(width, height, title, description) {
  chartCount += 1;
  const id = `chart-${chartCount}`;
  const svg = s("svg", {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-labelledby": `${id}-title ${id}-desc`,
    class: "chart",
  });
  svg.append(s("title", { id: `${id}-title` }, title), s("desc", { id: `${id}-desc` }, description));
  return svg;
}

function widthOf(container) {
  return Math.max(260, Math.floor(container.clientWidth || 600));
}

function register(container, draw) {
  drawn.set(container, draw);
  draw();
}

let resizeTimer = null;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    for (const [container, draw] of drawn) {
      if (container.isConnected) draw();
      else drawn.delete(container);
    }
  }, 150);
});

let measurer = null;

/** Split a label into lines no wider than `width` pixels (in the group-label font). */
function wrap(text, width) {
  measurer = measurer || document.createElement("canvas").getContext("2d");
  measurer.font = `600 13px ${getComputedStyle(document.body).fontFamily}`;
  const lines = [];
  let line = "";
  for (const word of String(text).split(" ")) {
    const candidate = line ? `${line} ${word}` : word;
    if (line && measurer.measureText(candidate).width > width) {
      lines.push(line);
      line = word;
    } else {
      line = candidate;
    }
  }
  if (line) lines.push(line);
  return lines;
}

function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * power >= value) || 10;
  return step * power;
}

/** Ticks at a round step across [low, high] (about `count` of them). */
function ticksOf(low, high, count) {
  const span = high - low;
  if (!(span > 0)) return { ticks: [low], decimals: 0 };
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) || 10) * power;
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const ticks = [];
  for (let t = Math.ceil(low / step) * step; t <= high + step * 1e-6; t += step) ticks.push(Number(t.toFixed(decimals)));
  return { ticks, decimals };
}

/**
 * A line over a numeric axis (e.g. days). points: [{x: number, value: number, label:
 * string, marked: bool}]. Marked points get a dot (with a tooltip); the line runs through
 * all of them. `xTitle` names the axis; ticks fall on round values.
 */
export function lineChart(container, points, { title, description, xTitle = "" }) {
  register(container, () => {
    const width = widthOf(container);
    const height = xTitle ? 240 : 220;
    const pad = { left: 44, right: 14, top: 14, bottom: xTitle ? 52 : 34 };
    const svg = frame(width, height, title, description);
    const xs = points.map((p) => p.x);
    const first = Math.min(...xs);
    const last = Math.max(...xs);
    const span = last - first || 1;
    const top = niceMax(Math.max(...points.map((p) => p.value)));
    const x = (t) => pad.left + ((t - first) / span) * (width - pad.left - pad.right);
    const y = (v) => pad.top + (1 - v / top) * (height - pad.top - pad.bottom);
    const step = top / 4;
    const decimals = step >= 1 ? 1 : step >= 0.1 ? 2 : 3;
    const format = (value) => value.toFixed(decimals);
    for (let i = 0; i <= 4; i += 1) {
      const value = step * i;
      svg.append(
        s("line", { x1: pad.left, x2: width - pad.right, y1: y(value), y2: y(value), class: "grid" }),
        s("text", { x: pad.left - 6, y: y(value) + 4, class: "axis", "text-anchor": "end" }, format(value)),
      );
    }
    const { ticks, decimals: tickDecimals } = ticksOf(first, last, width < 420 ? 3 : 6);
    for (const t of ticks) {
      svg.append(
        s("line", { x1: x(t), x2: x(t), y1: height - pad.bottom, y2: height - pad.bottom + 4, class: "grid" }),
        s("text", { x: x(t), y: height - pad.bottom + 17, class: "axis x-tick", "text-anchor": "middle" }, t.toFixed(tickDecimals)),
      );
    }
    if (xTitle) {
      svg.append(s("text", { x: pad.left + (width - pad.left - pad.right) / 2, y: height - 8, class: "axis x-title", "text-anchor": "middle" }, xTitle));
    }
    const path = points.map((p, i) => `${i ? "L" : "M"}${x(p.x).toFixed(1)},${y(p.value).toFixed(1)}`);
    svg.append(s("path", { d: path.join(" "), class: "line" }));
    for (const point of points.filter((p) => p.marked)) {
      const dot = s("circle", { cx: x(point.x), cy: y(point.value), r: 4, class: "dot" });
      dot.append(s("title", {}, point.label));
      svg.append(dot);
    }
    container.replaceChildren(svg);
  });
}

/**
 * Horizontal bars in groups, each group's label above its bars so it reads at phone width.
 * groups: [{label, bars: [{name, value, text, kind}]}]; values share one scale up to `max`.
 */
export function barChart(container, groups, { title, description, max, legend = [] }) {
  register(container, () => {
    const width = widthOf(container);
    const barHeight = 16;
    const gap = 4;
    const lineHeight = 16;
    const groupGap = 12;
    const textRoom = Math.min(130, Math.floor(width * 0.35));
    const legendHeight = legend.length ? 24 : 0;
    const labels = groups.map((g) => wrap(g.label, width - 4));
    const height =
      legendHeight +
      groups.reduce((sum, g, i) => sum + labels[i].length * lineHeight + 4 + g.bars.length * (barHeight + gap) + groupGap, 0);
    const svg = frame(width, height, title, description);
    const top = max ?? Math.max(1e-9, ...groups.flatMap((g) => g.bars.map((b) => b.value || 0)));
    const full = width - textRoom - 8;
    let x0 = 0;
    for (const item of legend) {
      svg.append(s("rect", { x: x0, y: 4, width: 12, height: 12, class: `bar bar-${item.kind}` }));
      const text = s("text", { x: x0 + 16, y: 14, class: "legend" }, item.name);
      svg.append(text);
      x0 += 24 + item.name.length * 7.5;
    }
    let y = legendHeight;
    groups.forEach((group, index) => {
      for (const line of labels[index]) {
        svg.append(s("text", { x: 0, y: y + 13, class: "group-label" }, line));
        y += lineHeight;
      }
      y += 4;
      for (const bar of group.bars) {
        const length = Math.max(0, ((bar.value || 0) / top) * full);
        svg.append(s("rect", { x: 0, y, width: full, height: barHeight, class: "track" }));
        const rect = s("rect", { x: 0, y, width: length, height: barHeight, class: `bar bar-${bar.kind || "a"}` });
        rect.append(s("title", {}, `${bar.name}: ${bar.text}`));
        svg.append(rect);
        svg.append(s("text", { x: full + 6, y: y + 12, class: "value" }, bar.text));
        y += barHeight + gap;
      }
      y += groupGap;
    });
    container.replaceChildren(svg);
  });
}
