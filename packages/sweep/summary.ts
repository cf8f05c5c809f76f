// A sweep's results merged: per grid point, the headline metric's mean, standard deviation and 5th percentile over dies.
import type { JobResult } from "./job.js";
import type { Sweep } from "./spec.js";

export interface PointSummary {
  point: Record<string, string | number | boolean>;
  dies: number;
  metric: string;
  mean: number;
  std: number;
  /** 5th percentile (linear interpolation between order statistics) */
  p5: number;
  min: number;
}

/** The q-quantile of sorted values, interpolating linearly between order statistics (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = q * (sorted.length - 1),
    lo = Math.floor(at),
    hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

export function summarize(sweep: Sweep, results: ReadonlyMap<string, JobResult>): PointSummary[] {
  const groups = new Map<string, JobResult[]>();
  for (const job of sweep.jobs) {
    const r = results.get(job.id);
    if (!r) continue;
    const key = JSON.stringify(job.spec.point);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((rs) => {
    const metric = rs[0].headline;
    const values = rs.map((r) => Number(r.metrics[metric])).sort((a, b) => a - b);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, values.length - 1));
    return { point: rs[0].point, dies: rs.length, metric, mean, std, p5: quantile(values, 0.05), min: values[0] };
  });
}

export function table(sweep: Sweep, rows: PointSummary[]): string {
  const head = [...sweep.axes, "dies", "metric", "mean", "std", "p5", "min"];
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : "-");
  return (
    [
      `| ${head.join(" | ")} |`,
      `|${head.map(() => "---").join("|")}|`,
      ...rows.map(
        (r) =>
          `| ${[...sweep.axes.map((a) => String(r.point[a])), String(r.dies), r.metric, f(r.mean), f(r.std), f(r.p5), f(r.min)].join(" | ")} |`,
      ),
    ].join("\n") + "\n"
  );
}
