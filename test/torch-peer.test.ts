// The torch peer the engine is benchmarked against computes what vle computes: states and parameters after learning agree in float64.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { feed, type PeerState, peerMissing, type Stimulus, tracePeer, writePeerCircuit } from "../bench/torch-peer.js";
import { Random } from "../circuits/random.js";
import { compileFile, compileSource } from "../compiler/index.js";
import { Engine } from "../simulator/engine.js";

const missing = peerMissing();
if (missing) console.warn(`torch peer tests skipped: ${missing}`);

// every cell kind, a skip and a recurrent projection, tau_m and bias learned, error current on: MSE and SGD
const mixed = `
name: peer-mixed
dt: 0.1
seed: 7
populations:
  - { name: x, kind: input, size: 3 }
  - { name: a, size: 6, tau_m: [0.5, 0.6, 0.7, 0.8, 0.9, 1.0], tau_r: 0.2, phi: tanh, learn: [bias, tau_m] }
  - { name: b, size: 5, tau_m: 0.4, tau_r: 0.15, phi: softplus, learn: [bias, tau_m] }
  - { name: c, size: 4, tau_m: 0.3, tau_r: 0.1, phi: sigmoid, learn: [bias] }
  - { name: d, size: 4, tau_m: 0.3, tau_r: 0.1, phi: relu, bias: 0.1, learn: [bias] }
  - { name: y, kind: output, size: 3, tau_m: 0.5, tau_r: 0.2, phi: linear, learn: [bias, tau_m] }
projections:
  - { from: x, to: a, init: { kind: xavier } }
  - { from: a, to: b, init: { kind: xavier } }
  - { from: b, to: b, init: { kind: normal, scale: 0.1 } }
  - { from: b, to: c, init: { kind: xavier } }
  - { from: b, to: d, init: { kind: xavier } }
  - { from: c, to: y, init: { kind: xavier } }
  - { from: d, to: y, init: { kind: xavier } }
  - { from: a, to: y, init: { kind: xavier } }
loss: { kind: mse, beta: 0.5 }
learning: { rule: vle, eta: 0.01, eta_tau: 0.002, gamma: 0.5, prospective_errors: true, optimizer: sgd }
`;

function randomStimulus(engine: Engine, frames: number, seed: number, oneHot: boolean): Stimulus {
  const rng = new Random(seed),
    B = engine.batch;
  const inputs = new Map(
    engine.circuit.inputs.map((p) => [p.name, Float64Array.from({ length: frames * B * p.size }, () => rng.normal())]),
  );
  const targets = new Map(
    engine.outputs.map((o) => {
      const n = o.population.size,
        y = new Float64Array(frames * B * n);
      for (let k = 0; k < frames * B; k++)
        if (oneHot) y[k * n + rng.int(n)] = 1;
        else for (let i = 0; i < n; i++) y[k * n + i] = rng.normal() * 0.5;
      return [o.spec.name, y];
    }),
  );
  return { frames, inputs, targets };
}

/** Largest |vle - peer| / (1 + |peer|) over every state and parameter. */
function deviation(engine: Engine, peer: PeerState): number {
  let worst = 0;
  const compare = (ours: ArrayLike<number>, theirs: number[]) => {
    expect(ours.length).toBe(theirs.length);
    for (let k = 0; k < theirs.length; k++)
      worst = Math.max(worst, Math.abs(ours[k] - theirs[k]) / (1 + Math.abs(theirs[k])));
  };
  for (const p of engine.populations) {
    const theirs = peer.populations[p.spec.name];
    compare(p.now.u, theirs.u);
    compare(p.now.v, theirs.v);
    compare(p.now.e, theirs.e);
    compare(p.now.r, theirs.r);
    compare(p.bias, theirs.bias);
    compare(p.tauM, theirs.tauM);
  }
  for (const x of engine.crossbars) compare(x.weights, peer.crossbars[x.spec.name]);
  return worst;
}

describe.skipIf(missing !== undefined)("the torch GLE peer against the engine (float64)", () => {
  const dir = mkdtempSync(join(tmpdir(), "vle-peer-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cases = [
    {
      label: "mixed cells, skip and recurrent projections, MSE, SGD",
      circuit: () => compileSource(mixed, "mixed.yaml"),
      oneHot: false,
      checkFloat32: true,
    },
    {
      label: "examples/mnist1d-gle.yaml: 1 -> 6x53 -> 10, cross-entropy, Adam",
      circuit: () => compileFile("examples/mnist1d-gle.yaml"),
      oneHot: true,
      checkFloat32: false,
    },
  ];
  for (const { label, circuit, oneHot, checkFloat32 } of cases)
    it(`${label}: every state and parameter within 1e-12 after 400 learning steps`, () => {
      const c = circuit();
      const steps = 400;
      const engine = new Engine(c, { batch: 3 });
      const stimulus = randomStimulus(engine, steps, 5, oneHot);
      // the peer starts from the engine's initial parameters, written before any step
      const files = writePeerCircuit(engine, stimulus, dir);
      const weightsBefore = engine.crossbars.map((x) => Float64Array.from(x.weights));
      for (let s = 0; s < steps; s++) {
        feed(engine, stimulus, s);
        engine.advance();
      }
      // learning moved the weights well beyond the tolerance, so agreement is not agreement of the start
      const moved = Math.max(
        ...engine.crossbars.flatMap((x, k) => Array.from(x.weights, (w, j) => Math.abs(w - weightsBefore[k][j]))),
      );
      expect(moved).toBeGreaterThan(1e-4);
      const [before, after] = tracePeer(files, [steps - 1, steps], "float64");
      expect(deviation(engine, after)).toBeLessThan(1e-12);
      // one step fewer on the peer side is far outside it: the comparison sees a single step
      expect(deviation(engine, before)).toBeGreaterThan(1e-6);
      // the peer's float32 path (benchmarked too) runs the same equations: within float32 rounding of the engine over
      // the first 20 steps (over 400 the recurrent loops amplify float32 rounding to ~1e-3, so the check is short)
      if (checkFloat32) {
        const early = new Engine(c, { batch: 3 });
        for (let s = 0; s < 20; s++) {
          feed(early, stimulus, s);
          early.advance();
        }
        expect(deviation(early, tracePeer(files, [20], "float32")[0])).toBeLessThan(1e-4);
      }
    });
});
