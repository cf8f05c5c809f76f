// Descriptions shared by the hardware tests: the small x (10) -> h (12, tanh) -> y (3) network that small cores tile.

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
