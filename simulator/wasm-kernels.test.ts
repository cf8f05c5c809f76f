// The WebAssembly kernels against the reference kernels (the oracle): bit for bit on random shapes, and a whole engine over 10^4 learning steps.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Phi } from "../circuits/model.js";
import { Random } from "../circuits/random.js";
import { compileSource } from "../compiler/index.js";
import { Engine } from "./engine.js";
import * as reference from "./kernels.js";
import { ParameterUpdater, makeParameter } from "./optimizer.js";
import { KernelArena, wasmKernels } from "./wasm-kernels.js";

/** The first index where two arrays differ in their bits (NaN equals NaN, -0 differs from 0), or -1. */
function firstDifference(a: Float64Array, b: Float64Array): number {
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return k;
  return -1;
}

/** Random arrays in an arena and plain copies of them: the wasm kernel runs on the first, the reference on the second. */
function pair(arena: KernelArena, length: number, draw: () => number) {
  const wasm = arena.f64(length);
  for (let k = 0; k < length; k++) wasm[k] = draw();
  return { wasm, js: Float64Array.from(wasm) };
}

const shape = fc.record({
  B: fc.integer({ min: 1, max: 9 }),
  n: fc.integer({ min: 1, max: 13 }),
  cols: fc.integer({ min: 1, max: 13 }),
  seed: fc.integer({ min: 0, max: 2 ** 30 }),
  /** the fraction of errors exactly 0 (rows and samples the kernels skip) */
  zeros: fc.constantFrom(0, 0.3),
});

describe("WebAssembly kernels equal the reference bit for bit", () => {
  it("crossbar read, transposed read and outer-product update, whole and on blocks, shapes not multiples of the lanes", () => {
    fc.assert(
      fc.property(shape, fc.nat(), fc.nat(), ({ B, n, cols, seed, zeros }, r0, c0) => {
        const rng = new Random(seed),
          draw = () => rng.normal(),
          sparse = () => (rng.uniform() < zeros ? 0 : rng.normal());
        const arena = new KernelArena(1 << 16),
          k = wasmKernels(arena, cols, Math.max(B, n));
        const row0 = r0 % n,
          rows = 1 + ((r0 >> 4) % (n - row0)),
          col0 = c0 % cols,
          nCols = 1 + ((c0 >> 4) % (cols - col0));
        const W = pair(arena, n * cols, draw),
          r = pair(arena, B * cols, draw),
          e = pair(arena, B * n, sparse);
        const out = pair(arena, B * (rows + 2), draw);
        k.crossbarRead(B, W.wasm, cols, r.wasm, row0, rows, col0, nCols, out.wasm, rows + 2, 1);
        reference.crossbarRead(B, W.js, cols, r.js, row0, rows, col0, nCols, out.js, rows + 2, 1);
        expect(firstDifference(out.wasm, out.js)).toBe(-1);
        const back = pair(arena, B * (nCols + 1), draw);
        k.transposedRead(B, W.wasm, cols, e.wasm, n, row0, rows, col0, nCols, back.wasm, nCols + 1, 1);
        reference.transposedRead(B, W.js, cols, e.js, n, row0, rows, col0, nCols, back.js, nCols + 1, 1);
        expect(firstDifference(back.wasm, back.js)).toBe(-1);
        k.accumulateOuterProduct(B, n, cols, e.wasm, r.wasm, W.wasm, row0, rows, col0, nCols);
        reference.accumulateOuterProduct(B, n, cols, e.js, r.js, W.js, row0, rows, col0, nCols);
        expect(firstDifference(W.wasm, W.js)).toBe(-1);
      }),
      { numRuns: 300 },
    );
  });

  it("error cell, membrane with every transfer function (phi' from the rate where exact), bias and tau updates", () => {
    const phis = [Phi.LINEAR, Phi.TANH, Phi.SOFTPLUS, Phi.SIGMOID, Phi.RELU];
    fc.assert(
      fc.property(
        shape,
        fc.constantFrom(...phis),
        fc.boolean(),
        fc.double({ min: 0.5, max: 40 }),
        (s, phi, prospective, spread) => {
          const { B, n, seed } = s,
            rng = new Random(seed),
            wide = () => spread * rng.normal(),
            positive = () => 0.05 + rng.uniform();
          const arena = new KernelArena(1 << 16),
            k = wasmKernels(arena, 1, B);
          const tauM = pair(arena, n, positive),
            tauR = pair(arena, n, positive),
            bias = pair(arena, n, wide);
          const sig = () => pair(arena, B * n, wide);
          const dphi = sig(),
            errorIn = sig(),
            v = sig(),
            vNext = sig(),
            eNext = sig(),
            u = sig(),
            I = sig();
          const out = { u: sig(), udot: sig(), uProsp: sig(), r: sig(), dphi: sig() };
          const db = pair(arena, n, wide),
            dtau = pair(arena, n, wide);
          const side = (w: "wasm" | "js") => {
            const kk = w === "wasm" ? k : reference;
            kk.errorCellStep(
              B * n,
              n,
              0.1,
              prospective,
              tauM[w],
              tauR[w],
              dphi[w],
              errorIn[w],
              v[w],
              vNext[w],
              eNext[w],
            );
            kk.fillBias(B, n, bias[w], out.uProsp[w]);
            for (let q = 0; q < B * n; q++) out.uProsp[w][q] += I[w][q];
            const o = { u: out.u[w], udot: out.udot[w], uProsp: out.uProsp[w], r: out.r[w], dphi: out.dphi[w] };
            kk.membraneStep(B * n, n, 0.1, tauM[w], tauR[w], phi, out.uProsp[w], 0.7, eNext[w], u[w], o);
            kk.accumulateBias(B * n, n, B, eNext[w], db[w]);
            kk.accumulateTau(B * n, n, B, eNext[w], o.udot, dtau[w]);
          };
          side("wasm");
          side("js");
          for (const a of [vNext, eNext, out.u, out.udot, out.uProsp, out.r, out.dphi, db, dtau])
            expect(firstDifference(a.wasm, a.js)).toBe(-1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("SGD and Adam with a floor", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 11 }),
        fc.integer({ min: 0, max: 2 ** 30 }),
        fc.boolean(),
        (n, seed, adam) => {
          const rng = new Random(seed),
            arena = new KernelArena(1 << 14);
          const learning = {
            optimizer: adam ? 2 : 1,
            adamBeta1: 0.9,
            adamBeta2: 0.999,
            adamEpsilon: 1e-8,
          } as unknown as ConstructorParameters<typeof ParameterUpdater>[0];
          const values = pair(arena, n, () => rng.normal());
          const pw = makeParameter("w", values.wasm, 0.01, -0.5),
            pj = makeParameter("w", values.js, 0.01, -0.5);
          for (const key of ["delta", "m", "s"] as const) pw[key] = arena.f64(n);
          const uw = new ParameterUpdater(learning),
            uj = new ParameterUpdater(learning);
          uw.useArena(arena);
          for (let t = 0; t < 5; t++) {
            for (let q = 0; q < n; q++) pw.delta[q] = pj.delta[q] = rng.normal();
            uw.apply([pw]);
            uj.apply([pj]);
          }
          for (const key of ["values", "delta", "m", "s"] as const) expect(firstDifference(pw[key], pj[key])).toBe(-1);
        },
      ),
      { numRuns: 100 },
    );
  });
});

/** A chain x -> hidden... -> y with tanh hidden layers, learning tau_m and bias, MSE. */
function chain(sizes: number[], optimizer: string): string {
  const names = sizes.map((_, k) => (k === 0 ? "x" : k === sizes.length - 1 ? "y" : `h${k - 1}`));
  const layer = (name: string, size: number, phi: string, kind = "") =>
    `  - { name: ${name}, ${kind ? `kind: ${kind}, ` : ""}size: ${size}, tau_m: 0.5, tau_r: 0.2, phi: ${phi}, learn: [bias, tau_m] }`;
  return [
    "name: chain",
    "dt: 0.1",
    "seed: 3",
    "populations:",
    `  - { name: x, kind: input, size: ${sizes[0]} }`,
    ...sizes.slice(1, -1).map((n, k) => layer(`h${k}`, n, "tanh")),
    layer("y", sizes[sizes.length - 1], "linear", "output"),
    "projections:",
    ...names.slice(1).map((to, k) => `  - { from: ${names[k]}, to: ${to}, init: { kind: xavier }, plastic: true }`),
    "loss: { kind: mse, beta: 0.1 }",
    `learning: { rule: vle, eta: 1.0e-3, eta_tau: 1.0e-4, gamma: 1.0, prospective_errors: true, optimizer: ${optimizer} }`,
  ].join("\n");
}

/** Drives an engine with seeded inputs and a target every step. */
function drive(engine: Engine, steps: number, seed: number): void {
  const rng = new Random(seed),
    x = engine.input("x"),
    y = engine.outputs[0];
  y.mask.fill(1);
  for (let t = 0; t < steps; t++) {
    for (let k = 0; k < x.length; k++) x[k] = Math.sin(0.05 * t + k) + 0.1 * rng.normal();
    for (let k = 0; k < y.target.length; k++) y.target[k] = Math.cos(0.03 * t + k);
    engine.advance();
  }
}

describe("an engine on WebAssembly equals the engine on the reference kernels", () => {
  it("tanh chain 3 -> 13 -> 7 -> 5, batch 7, Adam: every state and parameter bit for bit after 10^4 learning steps", () => {
    const c = compileSource(chain([3, 13, 7, 5], "adam"), "chain.yaml");
    const js = new Engine(c, { batch: 7, kernels: "js" }),
      wasm = new Engine(c, { batch: 7, kernels: "wasm" });
    drive(js, 10_000, 5);
    drive(wasm, 10_000, 5);
    js.populations.forEach((p, i) => {
      for (const k of ["u", "uProsp", "r", "dphi", "v", "e", "udot"] as const)
        expect(firstDifference(p.now[k], wasm.populations[i].now[k]), `${p.spec.name}.${k}`).toBe(-1);
    });
    js.parameters.forEach((p, i) => expect(firstDifference(p.values, wasm.parameters[i].values), p.name).toBe(-1));
  });
});
