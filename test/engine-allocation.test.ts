// The engine's step allocates nothing: heap growth over 10^4 learning steps, counted in a process of its own.
import { spawnSync } from "node:child_process";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { expect, inject, it } from "vitest";

/** Runs 2 x 10^4 steps of a 1 -> 53 -> 53 -> 10 tanh chain, batch 100, Adam, in the built engine: heap growth per 10^4 steps and collections. */
function measure(kernels: "wasm" | "js"): { growth: number[]; collections: number } {
  const dist = dirname(dirname(dirname(inject("vleCli"))));
  const url = (path: string) => JSON.stringify(pathToFileURL(`${dist}/${path}`).href);
  const script = `
    import { PerformanceObserver } from "node:perf_hooks";
    const { compileSource } = await import(${url("compiler/index.js")});
    const { Engine } = await import(${url("simulator/engine.js")});
    const layer = (name, size, phi, kind = "") =>
      "  - { name: " + name + ", " + (kind ? "kind: " + kind + ", " : "") + "size: " + size + ", tau_m: 0.5, tau_r: 0.2, phi: " + phi + ", learn: [bias, tau_m] }";
    const description = ["name: chain", "dt: 0.1", "seed: 3", "populations:", "  - { name: x, kind: input, size: 1 }",
      layer("h0", 53, "tanh"), layer("h1", 53, "tanh"), layer("y", 10, "linear", "output"), "projections:",
      "  - { from: x, to: h0, init: { kind: xavier }, plastic: true }", "  - { from: h0, to: h1, init: { kind: xavier }, plastic: true }",
      "  - { from: h1, to: y, init: { kind: xavier }, plastic: true }", "loss: { kind: mse, beta: 0.1 }",
      "learning: { rule: vle, eta: 1.0e-3, eta_tau: 1.0e-4, gamma: 1.0, prospective_errors: true, optimizer: adam }"].join("\\n");
    const engine = new Engine(compileSource(description, "chain.yaml"), { batch: 100, kernels: "${kernels}" });
    const x = engine.input("x");
    engine.outputs[0].mask.fill(1);
    const run = (steps) => { for (let t = 0; t < steps; t++) { x[t % x.length] = Math.sin(t); engine.advance(); } };
    run(1000);
    globalThis.gc();
    let collections = 0;
    const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.detail.kind === 1) collections++; });
    observer.observe({ entryTypes: ["gc"] });
    // two windows of 10^4 steps: what the first leaves once (late compilation, caches) the second does not repeat
    const growth = [];
    for (let w = 0; w < 2; w++) {
      const before = process.memoryUsage().heapUsed;
      run(10000);
      growth.push(process.memoryUsage().heapUsed - before);
    }
    setTimeout(() => { observer.disconnect(); console.log(JSON.stringify({ growth, collections })); }, 50);
  `;
  // optimizing compilation in the foreground, so the 1000 warm-up steps end with the step's code optimized
  const child = spawnSync(
    process.execPath,
    ["--expose-gc", "--no-concurrent-recompilation", "--input-type=module", "-e", script],
    { encoding: "utf8" },
  );
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout);
}

it("a learning step on the WebAssembly kernels allocates nothing: under 16 KiB of heap growth in 10^4 steps, no young-generation collection", () => {
  const { growth, collections } = measure("wasm");
  // a step that allocated even one boxed number (16 bytes) would leave 160 KB per 10^4 steps; more would scavenge
  // (minor collections; the major ones V8 schedules on its own are not counted)
  expect(growth[1]).toBeLessThan(16 * 1024);
  expect(collections).toBe(0);
});
