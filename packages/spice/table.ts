// Formats a spice-check report: a plain-text table for people and a JSON summary for scripts.
import type { CheckReport } from "./check.js";

const sci = (x: number | null | undefined) =>
  x === null || x === undefined ? "-" : Number.isFinite(x) ? x.toExponential(2) : "inf";
const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? "-" : Number.isFinite(x) ? `${(100 * x).toFixed(3)}%` : "inf";

/** The report as text: run times, then one row per signal with its relative RMS difference per refinement. */
export function formatReport(r: CheckReport): string {
  const lines: string[] = [];
  lines.push(
    `spice-check '${r.circuit}'${r.learn ? " with on-chip learning" : " (fixed parameters)"}: t = 0..${r.tstop} model time units, circuit dt ${r.dt}, compared on ${r.gridPoints} points`,
  );
  lines.push(
    `ngspice  ${r.ngspice.seconds.toFixed(2)} s wall, ${r.ngspice.points} time points, ${r.ngspice.nodes} saved nodes, ${r.ngspice.warnings.length ? `${r.ngspice.warnings.length} warning(s): ${r.ngspice.warnings[0].trim()}` : "no warnings"}`,
  );
  for (const s of r.simulator)
    lines.push(`engine   dt/${s.refine} = ${s.dt.toPrecision(4)}: ${s.seconds.toFixed(2)} s wall, ${s.steps} steps`);
  const heads = r.simulator.map((s) => `dt/${s.refine}`);
  const hasParams = r.signals.some((s) => s.change);
  const header = [
    "signal",
    "ngspice RMS",
    ...heads.map((h) => `rel RMS ${h}`),
    ...(hasParams ? ["final rel", "learned change rel"] : []),
  ];
  const rows = r.signals.map((s) => [
    s.signal,
    sci(s.scale),
    ...s.relRms.map(pct),
    ...(hasParams
      ? [s.final ? pct(s.final[s.final.length - 1]) : "", s.change ? pct(s.change[s.change.length - 1]) : ""]
      : []),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const fmt = (row: string[]) =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ");
  lines.push("", fmt(header), ...rows.map(fmt));
  if (hasParams)
    lines.push(
      `(final rel: |engine - ngspice| / |ngspice| of the final parameters; learned change rel: the same of (final - initial); both at dt/${r.simulator[r.simulator.length - 1].refine})`,
    );
  return lines.join("\n");
}

/** The report without the netlist and traces, for --json. */
export function reportSummary(r: CheckReport): object {
  return {
    circuit: r.circuit,
    learn: r.learn,
    tstop: r.tstop,
    dt: r.dt,
    gridPoints: r.gridPoints,
    ngspice: r.ngspice,
    simulator: r.simulator,
    signals: r.signals,
  };
}
