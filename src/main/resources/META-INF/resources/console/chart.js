// Logins per hour as an inline SVG bar chart: success and failure side by side in each hour.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 480;
const HEIGHT = 140;
const AXIS = 18;

function el(name, attributes, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** An <svg> for `logins` ([{hour, success, failure}], oldest first), with a text summary for screen readers. */
export function loginChart(logins) {
  const success = logins.reduce((n, h) => n + h.success, 0);
  const failure = logins.reduce((n, h) => n + h.failure, 0);
  const peak = Math.max(1, ...logins.map((h) => Math.max(h.success, h.failure)));
  const slot = WIDTH / Math.max(1, logins.length);
  const bar = Math.max(1, slot / 2 - 1);
  const plot = HEIGHT - AXIS;
  const svg = el("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "img",
    "aria-label": `${success} successful and ${failure} failed logins in the last ${logins.length} hours`,
    "data-success": success,
    "data-failure": failure,
  });
  svg.append(el("title", {}, `${success} successful and ${failure} failed logins`));
  svg.append(el("line", { x1: 0, y1: plot + 0.5, x2: WIDTH, y2: plot + 0.5, class: "axis" }));
  logins.forEach((h, i) => {
    const x = i * slot;
    const hour = new Date(h.hour).toISOString().slice(11, 13);
    for (const [kind, count, offset] of [["success", h.success, 0], ["failure", h.failure, bar]]) {
      if (count === 0) continue;
      const height = Math.max(2, (count / peak) * (plot - 4));
      const rect = el("rect", { x: x + offset, y: plot - height, width: bar, height, class: kind });
      rect.append(el("title", {}, `${hour}:00 UTC: ${count} ${kind === "success" ? "successful" : "failed"}`));
      svg.append(rect);
    }
    if (i % 3 === 0 || i === logins.length - 1) {
      svg.append(el("text", { x: x + 1, y: HEIGHT - 4 }, hour));
    }
  });
  svg.append(el("text", { x: 2, y: 10 }, `max ${peak} per hour`));
  return svg;
}
