// What the hardware tests share: the small x (10) -> h (12, tanh) -> y (3) network that small cores tile, examples compiled for a chip, and the side-by-side run against ideal mode.
import { readFileSync } from "node:fs";
import type { Circuit } from "../circuits/model.js";
import { Random } from "../circuits/random.js";
import { compileSource } from "../compiler/index.js";
import { Engine } from "../simulator/engine.js";
import { HardwareEngine } from "../simulator/hardware/engine.js";

/**
 * The description text of x (10) -> h (12, tanh) -> y (3); `recurrent` adds h -> h with that init scale,
 * `learn` is h's learned parameters (e.g. "[bias]"), `learning` the learning section's flow map, and
 * `hardware` is appended as it is.
 */
export function tiledDescription(o: {
  learning: string;
  recurrent?: number;
  learn?: string;
  hardware?: string;
}): string {
  return `
name: tiled
dt: 0.1
seed: 3
populations:
  - { name: x, kind: input, size: 10 }
  - { name: h, size: 12, tau_m: 1.0, tau_r: 0.5, phi: tanh${o.learn ? `, learn: ${o.learn}` : ""} }
  - { name: y, kind: output, size: 3, tau_m: 1.0, tau_r: 0.2, phi: linear }
projections:
  - { from: x, to: h, init: { kind: xavier, scale: 1.0, seed: 1 }, plastic: true }
${o.recurrent === undefined ? "" : `  - { from: h, to: h, init: { kind: normal, scale: ${o.recurrent}, seed: 4 }, plastic: true }\n`}  - { from: h, to: y, init: { kind: xavier, scale: 1.0, seed: 2 }, plastic: true }
loss: { kind: mse, beta: 0.1 }
learning: ${o.learning}
${o.hardware ?? ""}`;
}

/** A hardware section on the analog-65nm card with a model time unit of 1 ms, then `extra` lines. */
export const chipSection = (extra = "") => `hardware:\n  card: analog-65nm\n  time_unit: 1 ms\n${extra}`;

/** An example description compiled for a chip, with `hardware` appended (effects none unless given). */
export function compiled(example: string, hardware: string): Circuit {
  const text = readFileSync(`examples/${example}.yaml`, "utf8");
  return compileSource(`${text}\nhardware:\n${hardware}`, `${example}.yaml`);
}

/** Runs both engines side by side on the same random inputs and targets; returns the largest difference of any state or parameter. */
export function divergence(
  c: Circuit,
  steps: number,
  batch = 2,
  hw?: HardwareEngine,
): { max: number; hw: HardwareEngine } {
  const ideal = new Engine(c, { batch });
  const hardware = hw ?? new HardwareEngine(c, { batch });
  const rng = new Random(5);
  let max = 0;
  for (let s = 0; s < steps; s++) {
    for (const port of c.inputs) {
      const a = ideal.input(port.name),
        b = hardware.input(port.name);
      for (let k = 0; k < a.length; k++) a[k] = b[k] = rng.normal();
    }
    for (const o of ideal.outputs) {
      const o2 = hardware.output(o.spec.name);
      for (let k = 0; k < o.target.length; k++) o.target[k] = o2.target[k] = rng.uniform();
      for (let b = 0; b < batch; b++) o.mask[b] = o2.mask[b] = rng.uniform() < 0.7 ? 1 : 0;
    }
    ideal.advance();
    hardware.advance();
    ideal.populations.forEach((p, i) => {
      const q = hardware.populations[i];
      for (const k of ["u", "r", "v", "e", "uProsp", "dphi"] as const)
        for (let j = 0; j < p.now[k].length; j++) max = Math.max(max, Math.abs(p.now[k][j] - q.now[k][j]));
    });
  }
  // the chip writes a tick's update during the next tick (after that tick's transposed read): compare the stored parameters once written
  const [a, b] = [ideal.exportCircuit(), hardware.exportCircuit()];
  a.crossbars.forEach((x, i) =>
    x.weights.forEach((w, j) => (max = Math.max(max, Math.abs(w - b.crossbars[i].weights[j])))),
  );
  a.populations.forEach((p, i) =>
    p.tauM.forEach(
      (t, j) =>
        (max = Math.max(max, Math.abs(t - b.populations[i].tauM[j]), Math.abs(p.bias[j] - b.populations[i].bias[j]))),
    ),
  );
  return { max, hw: hardware };
}

/** lagline with `size` neurons in l0 (random initial weights). */
export const widened = (size: number | string) =>
  readFileSync("examples/lagline.yaml", "utf8")
    .replace("{ name: l0, size: 1,", `{ name: l0, ${typeof size === "number" ? `size: ${size}` : size},`)
    .replace(/weights: \[\[[\d.]+\]\]/g, "init: { kind: normal, scale: 0.1, seed: 1 }");
