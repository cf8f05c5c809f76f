// The energy report as an SVG: the chip's breakdown per component, and with --vs bptt the per-sample totals and their growth with T.
import { precisions } from "../../simulator/meters/bptt-baseline.js";
import { joules, type EnergyDocument, type SweepRow } from "./energy.js";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const colors = [
  "#3b6ea8",
  "#e0823d",
  "#4f9a55",
  "#c2413b",
  "#8162aa",
  "#8a5a44",
  "#d17fb4",
  "#7a7a7a",
  "#b3b536",
  "#39aab8",
  "#2d4f7a",
];

/** Horizontal bars, one per non-zero component, longest first, with energy and share. */
function breakdown(doc: EnergyDocument, y0: number, width: number): { svg: string; height: number } {
  const lines = doc.lines.filter((l) => l.energy > 0).sort((a, b) => b.energy - a.energy);
  const barLeft = 230,
    barWidth = width - barLeft - 150,
    row = 22;
  const max = Math.max(...lines.map((l) => l.energy), 1e-300);
  const parts = [
    `<text x="10" y="${y0 + 16}" font-weight="bold">Chip energy per sample: ${esc(joules(doc.perSample.energy))} (${esc(doc.card.name)}, T = ${doc.run.ticks}, task ${esc(doc.run.task)})</text>`,
  ];
  lines.forEach((l, i) => {
    const y = y0 + 30 + i * row;
    const w = Math.max(1, (barWidth * l.energy) / max);
    parts.push(`<text x="${barLeft - 8}" y="${y + 14}" text-anchor="end">${esc(l.component)}</text>`);
    parts.push(
      `<rect x="${barLeft}" y="${y + 2}" width="${w.toFixed(1)}" height="${row - 6}" fill="${colors[i % colors.length]}"><title>${esc(`${l.amount} x ${l.unitEnergy.toExponential(3)} J (${l.formula})`)}</title></rect>`,
    );
    parts.push(
      `<text x="${barLeft + w + 6}" y="${y + 14}">${esc(joules(l.energy))} (${(100 * l.share).toFixed(1)} %)</text>`,
    );
  });
  return { svg: parts.join("\n"), height: 40 + lines.length * row };
}

/** Log-scale bars of the per-sample totals: chip, BPTT at each precision. */
function totals(doc: EnergyDocument, y0: number, width: number): { svg: string; height: number } {
  const v = doc.vs!;
  const bars: [string, number][] = [
    ["chip (VLE on-chip)", doc.perSample.energy],
    ...precisions.map((p): [string, number] => [`BPTT ${p}`, v.bptt[p].perSample.energy]),
  ];
  const lo = Math.floor(Math.log10(Math.min(...bars.map((b) => b[1])))) - 1;
  const hi = Math.ceil(Math.log10(Math.max(...bars.map((b) => b[1]))));
  const barLeft = 230,
    barWidth = width - barLeft - 150,
    row = 26;
  const x = (e: number) => (barWidth * (Math.log10(e) - lo)) / (hi - lo);
  const parts = [
    `<text x="10" y="${y0 + 16}" font-weight="bold">Per sample, log scale: BPTT / chip = ${precisions.map((p) => `${v.ratio[p].toPrecision(3)}x (${p})`).join(", ")}</text>`,
  ];
  bars.forEach(([name, e], i) => {
    const y = y0 + 30 + i * row;
    parts.push(`<text x="${barLeft - 8}" y="${y + 16}" text-anchor="end">${esc(name)}</text>`);
    parts.push(
      `<rect x="${barLeft}" y="${y + 2}" width="${Math.max(1, x(e)).toFixed(1)}" height="${row - 6}" fill="${colors[i]}"/>`,
    );
    parts.push(`<text x="${barLeft + x(e) + 6}" y="${y + 16}">${esc(joules(e))}</text>`);
  });
  return { svg: parts.join("\n"), height: 40 + bars.length * row };
}

/** Log-log lines of energy per sample against T for the chip and BPTT at each precision. */
function growth(rows: SweepRow[], y0: number, width: number): { svg: string; height: number } {
  const h = 220,
    left = 80,
    right = width - 170,
    top = y0 + 30,
    bottom = top + h;
  const xs = rows.map((r) => Math.log10(r.value));
  const ys = rows.flatMap((r) => [r.chip, ...precisions.map((p) => r.bptt[p])].map(Math.log10));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0l, y1l] = [Math.floor(Math.min(...ys)), Math.ceil(Math.max(...ys))];
  const px = (v: number) => left + ((right - left) * (Math.log10(v) - x0)) / Math.max(1e-9, x1 - x0);
  const py = (e: number) => bottom - ((bottom - top) * (Math.log10(e) - y0l)) / Math.max(1e-9, y1l - y0l);
  const parts = [
    `<text x="10" y="${y0 + 16}" font-weight="bold">Energy per sample against sequence length T (log-log)</text>`,
  ];
  parts.push(
    `<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#000"/><line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#000"/>`,
  );
  for (const r of rows)
    parts.push(`<text x="${px(r.value)}" y="${bottom + 16}" text-anchor="middle">${r.value}</text>`);
  for (let d = y0l; d <= y1l; d++)
    parts.push(`<text x="${left - 6}" y="${py(10 ** d) + 4}" text-anchor="end">1e${d} J</text>`);
  const series: [string, (r: SweepRow) => number, string][] = [
    ["chip", (r) => r.chip, colors[0]],
    ...precisions.map((p, i): [string, (r: SweepRow) => number, string] => [
      `BPTT ${p}`,
      (r) => r.bptt[p],
      colors[i + 1],
    ]),
  ];
  series.forEach(([name, get, color], i) => {
    const pts = rows.map((r) => `${px(r.value).toFixed(1)},${py(get(r)).toFixed(1)}`).join(" ");
    parts.push(`<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"/>`);
    parts.push(`<text x="${right + 10}" y="${top + 16 + 18 * i}" fill="${color}">${esc(name)}</text>`);
  });
  return { svg: parts.join("\n"), height: h + 60 };
}

export function energySvg(doc: EnergyDocument): string {
  const width = 820;
  const sections = [breakdown(doc, 0, width)];
  let y = sections[0].height + 10;
  if (doc.vs) {
    const t = totals(doc, y, width);
    sections.push(t);
    y += t.height + 10;
    const g = growth(doc.vs.sweepT, y, width);
    sections.push(g);
    y += g.height;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" font-family="sans-serif" font-size="12">\n<rect width="100%" height="100%" fill="#fff"/>\n${sections.map((s) => s.svg).join("\n")}\n</svg>\n`;
}
