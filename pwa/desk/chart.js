// A bar chart in SVG, drawn by our own few lines (no library, no CDN): one bar per
// period, its value above it, its start date below.
const NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs, text) {
  const el = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  if (text !== undefined) el.textContent = text;
  return el;
}

// points: [{label, value}]; scales to the widest value, fills its container's width.
export function barChart(points, title) {
  const width = 340;
  const height = 160;
  const bottom = 22;
  const top = 16;
  const max = Math.max(1, ...points.map((p) => p.value || 0));
  const step = width / Math.max(points.length, 1);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart" });
  chart.append(svg("title", {}, title));
  points.forEach((point, i) => {
    const value = point.value || 0;
    const barHeight = ((height - bottom - top) * value) / max;
    const x = i * step + step * 0.15;
    const y = height - bottom - barHeight;
    chart.append(svg("rect", { x, y, width: step * 0.7, height: Math.max(barHeight, 1), rx: 2, class: "bar" }));
    chart.append(svg("text", { x: x + step * 0.35, y: y - 3, "text-anchor": "middle", class: "value" }, String(value)));
    // Every other label when weeks crowd a phone's width.
    if (points.length <= 8 || i % 2 === 0) {
      chart.append(svg("text", { x: x + step * 0.35, y: height - 6, "text-anchor": "middle", class: "axis" }, point.label));
    }
  });
  return chart;
}
