// The accuracy bench's honesty rules: when a run counts as converged, and that vle − bptt is shown only between converged runs.
import { describe, expect, it } from "vitest";
import { converged, fullBudgets, markdown, type RunRow } from "../bench/accuracy.js";

const row = (rule: string, seed: number, history: number[] | undefined, extra: Partial<RunRow> = {}): RunRow => ({
  task: "mnist1d",
  rule,
  seed,
  headline: "accuracy",
  better: "higher",
  eta: 0.001,
  final: history?.at(-1) ?? 0.5,
  initial: 0.1,
  metrics: {},
  wallSeconds: 1,
  trainSize: 100,
  testSize: 10,
  steps: 45,
  history,
  ...extra,
});

describe("converged", () => {
  it("needs 3 epochs whose accuracy spans at most 1 point, or an MSE that spans at most 10 % of its mean", () => {
    expect(converged([0.5, 0.8, 0.9, 0.905, 0.899], "accuracy")).toBe(true);
    expect(converged([0.5, 0.8, 0.9, 0.92, 0.91], "accuracy")).toBe(false);
    expect(converged([0.9, 0.9], "accuracy")).toBe(false);
    expect(converged(undefined, "accuracy")).toBe(false);
    expect(converged([1, 0.1, 0.105, 0.1], "testMse")).toBe(true);
    expect(converged([1, 0.1, 0.2, 0.1], "testMse")).toBe(false);
  });
});

describe("the table", () => {
  const result = (vleHistory: number[], bpttHistory: number[]) => ({
    date: "2026-12-01T00:00:00Z",
    machine: { cpu: "cpu", cores: 2, node: "v20", memoryBytes: 1, platform: "linux" },
    command: "npm run bench:accuracy",
    seeds: [1, 2],
    budgets: { mnist1d: fullBudgets.mnist1d },
    cells: [],
    vleMinusBpttPoints: {},
    rows: [1, 2].flatMap((s) => [
      row("vle", s, vleHistory),
      row("bptt", s, bpttHistory),
      row("eprop", s, vleHistory, { epropBroadcast: true }),
    ]),
    totalWallSeconds: 60,
  });

  it("shows vle − bptt between converged runs, 'not converged' otherwise, and each cell's state", async () => {
    const { renderCells } = await import("../bench/accuracy.js");
    const done = renderCells(result([0.5, 0.8, 0.8, 0.8], [0.6, 0.9, 0.9, 0.9]));
    const md = markdown(done);
    expect(md).toMatch(
      /\| mnist1d \| 80\.0 ± 0\.0 % \(converged, 1 s\) \| 90\.0 ± 0\.0 % \(converged, 1 s\) \| 80\.0 ± 0\.0 % † \(converged, 1 s\) \| -10\.0 \|/,
    );
    const cut = markdown(renderCells(result([0.5, 0.6, 0.7, 0.8], [0.6, 0.9, 0.9, 0.9])));
    expect(cut).toMatch(
      /\| mnist1d \| 80\.0 ± 0\.0 % \(budget 5 ep, 1 s\) \| 90\.0 ± 0\.0 % \(converged, 1 s\) .*\| not converged \|/,
    );
    expect(cut).toMatch(/† eprop on a deep network is a hybrid: symmetric e-prop/);
  });
});
