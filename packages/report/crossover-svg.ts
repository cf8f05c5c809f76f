// The crossover plot as an SVG: chip/BPTT energy ratio per sample against synapses (log-log), one line per precision and T, ratio 1 drawn and each crossing marked.
import { precisions } from "../../simulator/meters/bptt-baseline.js";
import type { Crossover } from "./crossover.js";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const colorOf = { fp32: "#c2413b", fp16: "#e0823d", int8: "#3b6ea8" } as const;
const dashes = ["", "6,3", "2,3", "10,3,2,3", "1,5"];

export function crossoverSvg(x: Crossover): string {
  const width = 860,
    height = 520,
    left = 90,
    right = width - 190,
    top = 60,
    bottom = height - 70;
  const synapses = x.curves.flatMap((c) => c.points.map((p) => p.synapses));
  const ratios = x.curves.flatMap((c) => c.points.map((p) => p.ratio));
  const [x0, x1] = [Math.log10(Math.min(...synapses)), Math.log10(Math.max(...synapses))];
  const y0 = Math.floor(Math.min(0, ...ratios.map(Math.log10))),
    y1 = Math.ceil(Math.max(0, ...ratios.map(Math.log10)));
  const px = (s: number) => left + ((right - left) * (Math.log10(s) - x0)) / Math.max(1e-9, x1 - x0);
  const py = (r: number) => bottom - ((bottom - top) * (Math.log10(r) - y0)) / Math.max(1e-9, y1 - y0);
  const parts: string[] = [
    `<text x="${width / 2}" y="24" text-anchor="middle" font-weight="bold">${esc(`Chip / BPTT energy per sample: ${x.circuit} on ${x.card}, BPTT on ${x.accelerator} at the same node (batch ${x.batch})`)}</text>`,
    `<text x="${width / 2}" y="42" text-anchor="middle">below 1 the chip uses less energy; circles mark the crossovers</text>`,
    `<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#000"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#000"/>`,
  ];
  for (let d = Math.ceil(x0); d <= Math.floor(x1); d++) {
    parts.push(`<line x1="${px(10 ** d)}" y1="${bottom}" x2="${px(10 ** d)}" y2="${bottom + 5}" stroke="#000"/>`);
    parts.push(`<text x="${px(10 ** d)}" y="${bottom + 20}" text-anchor="middle">1e${d}</text>`);
  }
  parts.push(
    `<text x="${(left + right) / 2}" y="${bottom + 45}" text-anchor="middle">synapses (network grown by scaling its hidden populations)</text>`,
  );
  for (let d = y0; d <= y1; d++) {
    parts.push(`<line x1="${left - 5}" y1="${py(10 ** d)}" x2="${left}" y2="${py(10 ** d)}" stroke="#000"/>`);
    parts.push(
      `<text x="${left - 8}" y="${py(10 ** d) + 4}" text-anchor="end">${10 ** d >= 1 ? 10 ** d : `1e${d}`}</text>`,
    );
  }
  parts.push(
    `<text x="20" y="${(top + bottom) / 2}" text-anchor="middle" transform="rotate(-90 20 ${(top + bottom) / 2})">chip energy / BPTT energy (log)</text>`,
  );
  parts.push(
    `<line x1="${left}" y1="${py(1)}" x2="${right}" y2="${py(1)}" stroke="#000" stroke-dasharray="4,4"/><text x="${right - 4}" y="${py(1) - 6}" text-anchor="end">crossover: ratio 1</text>`,
  );
  for (const c of x.curves) {
    const dash = dashes[x.ticks.indexOf(c.ticks) % dashes.length];
    const pts = c.points.map((p) => `${px(p.synapses).toFixed(1)},${py(p.ratio).toFixed(1)}`).join(" ");
    parts.push(
      `<polyline points="${pts}" fill="none" stroke="${colorOf[c.precision]}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ""}><title>${esc(`${c.precision}, T = ${c.ticks}`)}</title></polyline>`,
    );
    for (const s of c.crossings)
      parts.push(
        `<circle cx="${px(s).toFixed(1)}" cy="${py(1).toFixed(1)}" r="5" fill="none" stroke="${colorOf[c.precision]}" stroke-width="2"><title>${esc(`${c.precision}, T = ${c.ticks}: crossover at ${Math.round(s)} synapses`)}</title></circle>`,
      );
  }
  // legend: colour = precision, dash = T
  let ly = top;
  for (const p of precisions) {
    parts.push(
      `<line x1="${right + 20}" y1="${ly}" x2="${right + 50}" y2="${ly}" stroke="${colorOf[p]}" stroke-width="3"/><text x="${right + 56}" y="${ly + 4}">BPTT ${p}</text>`,
    );
    ly += 20;
  }
  ly += 10;
  x.ticks.forEach((T, i) => {
    const dash = dashes[i % dashes.length];
    parts.push(
      `<line x1="${right + 20}" y1="${ly}" x2="${right + 50}" y2="${ly}" stroke="#444" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ""}/><text x="${right + 56}" y="${ly + 4}">T = ${T}</text>`,
    );
    ly += 20;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">\n<rect width="100%" height="100%" fill="#fff"/>\n${parts.join("\n")}\n</svg>\n`;
}

/** The crossovers in words, one line per precision and T. */
export function formatCrossover(x: Crossover): string {
  return x.curves
    .map((c) => {
      const first = c.points[0],
        last = c.points.at(-1)!;
      const where =
        c.crossings.length > 0
          ? `crosses 1 at ${c.crossings.map((s) => `${Math.round(s)} synapses`).join(", ")}`
          : `never crosses 1 (chip ${last.ratio < 1 ? "below" : "above"} BPTT throughout)`;
      return `  ${c.precision} T = ${c.ticks}: ratio ${first.ratio.toPrecision(3)} at ${first.synapses} synapses .. ${last.ratio.toPrecision(3)} at ${last.synapses}; ${where}`;
    })
    .join("\n");
}
