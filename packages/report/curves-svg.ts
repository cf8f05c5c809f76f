// Learning curves as a standalone SVG: lines (with an optional ± band) over epochs, axes with ticks and labels, a legend.

export interface Curve {
  label: string;
  color: string;
  /** [x, y] points in data units */
  points: [number, number][];
  /** a band [x, low, high] drawn under the line (e.g. mean ± std) */
  band?: [number, number, number][];
  dashed?: boolean;
}

export interface CurvesChart {
  title: string;
  xLabel: string;
  yLabel: string;
  xMax: number;
  yMin: number;
  yMax: number;
  curves: Curve[];
  /** lines of small print under the chart (protocol, budget) */
  notes?: string[];
}

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const fmt = (v: number) => (Math.round(v * 100) / 100).toString();

/** Evenly spaced round tick values over [lo, hi]. */
function ticks(lo: number, hi: number, target = 6): number[] {
  const raw = (hi - lo) / target,
    power = 10 ** Math.floor(Math.log10(raw)),
    step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

export function curvesSvg(c: CurvesChart): string {
  const W = 760,
    left = 64,
    right = 200,
    top = 40,
    plotH = 360,
    notes = c.notes ?? [];
  const H = top + plotH + 56 + 16 * notes.length;
  const plotW = W - left - right;
  const x = (v: number) => left + (v / c.xMax) * plotW;
  const y = (v: number) => top + plotH - ((v - c.yMin) / (c.yMax - c.yMin)) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${left}" y="22" font-size="14" font-weight="bold">${escape(c.title)}</text>`,
  ];
  for (const t of ticks(c.yMin, c.yMax))
    parts.push(
      `<line x1="${left}" x2="${left + plotW}" y1="${fmt(y(t))}" y2="${fmt(y(t))}" stroke="#e4e4e4"/>`,
      `<text x="${left - 6}" y="${fmt(y(t) + 4)}" text-anchor="end">${t}</text>`,
    );
  for (const t of ticks(0, c.xMax))
    parts.push(
      `<line x1="${fmt(x(t))}" x2="${fmt(x(t))}" y1="${top + plotH}" y2="${top + plotH + 5}" stroke="black"/>`,
      `<text x="${fmt(x(t))}" y="${top + plotH + 18}" text-anchor="middle">${t}</text>`,
    );
  parts.push(
    `<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="black"/>`,
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="black"/>`,
    `<text x="${left + plotW / 2}" y="${top + plotH + 36}" text-anchor="middle">${escape(c.xLabel)}</text>`,
    `<text transform="translate(18 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${escape(c.yLabel)}</text>`,
  );
  c.curves.forEach((curve, i) => {
    if (curve.band?.length) {
      const upper = curve.band.map(([bx, , hi]) => `${fmt(x(bx))},${fmt(y(Math.min(hi, c.yMax)))}`);
      const lower = curve.band.map(([bx, lo]) => `${fmt(x(bx))},${fmt(y(Math.max(lo, c.yMin)))}`).reverse();
      parts.push(`<polygon points="${[...upper, ...lower].join(" ")}" fill="${curve.color}" fill-opacity="0.15"/>`);
    }
    if (curve.points.length)
      parts.push(
        `<polyline points="${curve.points.map(([px, py]) => `${fmt(x(px))},${fmt(y(py))}`).join(" ")}" fill="none" stroke="${curve.color}" stroke-width="1.8"${curve.dashed ? ' stroke-dasharray="5 3"' : ""}/>`,
      );
    const ly = top + 10 + 20 * i;
    parts.push(
      `<line x1="${left + plotW + 14}" x2="${left + plotW + 38}" y1="${ly}" y2="${ly}" stroke="${curve.color}" stroke-width="2"${curve.dashed ? ' stroke-dasharray="5 3"' : ""}/>`,
      `<text x="${left + plotW + 44}" y="${ly + 4}">${escape(curve.label)}</text>`,
    );
  });
  notes.forEach((n, i) =>
    parts.push(`<text x="${left}" y="${top + plotH + 56 + 16 * i}" font-size="11" fill="#444">${escape(n)}</text>`),
  );
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
