// NIR import and export against graphs the official `nir` package wrote (test/fixtures/nir, see its README): the
// imported dynamics within 1 % of an RK4 solution of NIR's equations, refusals by name, and our export read back.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCircuit } from "../circuits/codec.js";
import { readNir } from "../compiler/nir/file.js";
import { Engine } from "../simulator/engine.js";
import { expectOneLineError, vle } from "./cli.js";

const fixture = (name: string) => join("test", "fixtures", "nir", name);
const scratch = mkdtempSync(join(tmpdir(), "vle-nir-"));

interface Oracle {
  input: { amplitude: number[]; frequency_hz: number[]; phase: number[] };
  t_s: number[];
  output: number[][];
}

/** Relative error of the imported circuit against the ODE: max |sim - ode| over the run / max |ode|. */
function compare(graph: string, dt: number): number {
  const out = join(scratch, `${graph}.pb`);
  const run = vle("import-nir", fixture(`${graph}.nir`), "--dt", `${dt * 1e6}us`, "-o", out);
  expect(run.status, run.stderr).toBe(0);
  const oracle = JSON.parse(readFileSync(fixture(`${graph}.ode.json`), "utf8")) as Oracle;
  const c = readCircuit(out);
  expect(c.timeUnitS).toBe(1e-6); // dt's unit: microseconds
  const engine = new Engine(c);
  const x = engine.input(c.inputs[0].name);
  const y = engine.population(c.outputs[0].population);
  const { amplitude, frequency_hz: f, phase } = oracle.input;
  const every = Math.round((oracle.t_s[1] - oracle.t_s[0]) / dt);
  let worst = 0,
    scale = 0;
  for (let k = 1; k < oracle.t_s.length; k++) {
    // step s integrates from s dt to (s + 1) dt with the input at s dt; after it, r is the state at (s + 1) dt
    for (let s = (k - 1) * every; s < k * every; s++) {
      for (let ch = 0; ch < x.length; ch++) x[ch] = amplitude[ch] * Math.sin(2 * Math.PI * f[ch] * s * dt + phase[ch]);
      engine.advance();
    }
    oracle.output[k].forEach((want, i) => {
      worst = Math.max(worst, Math.abs(y.now.r[i] - want));
      scale = Math.max(scale, Math.abs(want));
    });
  }
  return worst / scale;
}

describe("vle import-nir", () => {
  for (const graph of ["li", "cubali", "integrator", "delay", "recurrent"]) {
    it(`${graph}.nir: the imported circuit follows the RK4 solution of NIR's equations within 1 %`, () => {
      const error = compare(graph, 1e-5);
      console.log(`nir import ${graph}: max |vle - ode| / max |ode| = ${error.toExponential(2)} at dt = 10 us`);
      expect(error).toBeLessThan(0.01);
    });
  }

  for (const [graph, node, type] of [
    ["lif", "lif1", "LIF"],
    ["cubalif", "clif", "CubaLIF"],
    ["if", "if1", "IF"],
    ["conv", "conv", "Conv1d"],
  ] as const) {
    it(`refuses ${type} in one line naming the node and its type`, () => {
      expectOneLineError(
        vle("import-nir", fixture(`${graph}.nir`), "--dt", "10us", "-o", join(scratch, "refused.yaml")),
        `vle: ${fixture(`${graph}.nir`)}: node '${node}' is ${type} (`,
      );
    });
  }

  it("writes a description that states tau_r = 0 and dt in the unit given (µs accepted)", () => {
    const out = join(scratch, "li.yaml");
    expect(vle("import-nir", fixture("li.nir"), "--dt", "10 µs", "-o", out).status).toBe(0);
    const text = readFileSync(out, "utf8");
    expect(text).toContain("dt: 10 us");
    expect(text).toMatch(/tau_m: \[ 10000, 20000, 5000 \]\n\s+tau_r: 0\n/);
  });

  it("takes --dt only as a time (NIR's times are seconds): a plain number is a usage error", () => {
    expectOneLineError(
      vle("import-nir", fixture("li.nir"), "--dt", "0.01", "-o", join(scratch, "x.yaml")),
      /--dt '0.01'/,
      2,
    );
  });

  it("refuses a file that is not HDF5 in one line (the signature is checked before the HDF5 library sees it)", () => {
    expectOneLineError(
      vle("import-nir", "README.md", "--dt", "10us", "-o", join(scratch, "x.yaml")),
      "vle: README.md: not an HDF5 file (no HDF5 signature); give a .nir file",
    );
  });

  it("refuses a delay that is not a whole number of steps", () => {
    expectOneLineError(
      vle("import-nir", fixture("delay.nir"), "--dt", "0.3ms", "-o", join(scratch, "x.yaml")),
      /node 'delay' \(Delay\) delays by \[0.002 s, 0.002 s\], not one whole number of steps/,
    );
  });
});

describe("vle export-nir", () => {
  it("writes the imported graph back: same weights, biases and time constants in seconds, read by h5py", async () => {
    const pb = join(scratch, "li-export.pb"),
      nir = join(scratch, "li-export.nir");
    expect(vle("import-nir", fixture("li.nir"), "--dt", "10us", "-o", pb).status).toBe(0);
    const run = vle("export-nir", pb, "-o", nir);
    expect(run.status, run.stderr).toBe(0);
    const source = await readNir(fixture("li.nir")),
      ours = await readNir(nir);
    const c = readCircuit(pb);
    // populations li1, li2 as LI with tau in seconds and v_leak = bias (R folded into the weights)
    expect([...ours.nodes.get("li1")!.params.get("tau")!.data]).toEqual([
      ...source.nodes.get("li1")!.params.get("tau")!.data,
    ]);
    expect([...ours.nodes.get("li2")!.params.get("v_leak")!.data]).toEqual(
      c.populations.find((p) => p.name === "li2")!.bias,
    );
    const x = c.crossbars.find((k) => k.post === "li2")!;
    expect([...ours.nodes.get(x.name)!.params.get("weight")!.data]).toEqual(x.weights);
    // an independent reader: h5py (Debian python3-h5py, installed by .ci/run) walks the file as the nir package does
    const check = spawnSync(
      "/usr/bin/python3",
      [
        "-c",
        [
          "import sys, h5py",
          "f = h5py.File(sys.argv[1], 'r')",
          "n = f['node']",
          "assert n['type'][()] == b'NIRGraph', n['type'][()]",
          "types = {k: v['type'][()].decode() for k, v in n['nodes'].items()}",
          "edges = [(a.decode(), b.decode()) for a, b in n['edges'][()]]",
          "print(f['version'][()].decode(), sorted(types.items()), sorted(edges), list(n['nodes']['li1']['tau'][()]))",
        ].join("\n"),
        nir,
      ],
      { encoding: "utf8" },
    );
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toContain("('li1', 'LI')");
    expect(check.stdout).toContain("('input', 'Input')");
    expect(check.stdout).toContain("('li2.target', 'Output')");
    expect(check.stdout).toContain(`('${x.name}', 'Linear')`);
    expect(check.stdout).toContain(`('li1', '${x.name}')`);
    expect(check.stdout).toContain("[0.01, 0.02, 0.005]");
  });

  it("imports its own export to the same circuit (weights, biases, time constants)", () => {
    const pb = join(scratch, "cubali-1.pb"),
      nir = join(scratch, "cubali-1.nir"),
      again = join(scratch, "cubali-2.pb");
    expect(vle("import-nir", fixture("cubali.nir"), "--dt", "10us", "-o", pb).status).toBe(0);
    expect(vle("export-nir", pb, "-o", nir).status).toBe(0);
    expect(vle("import-nir", nir, "--dt", "10us", "-o", again).status).toBe(0);
    const a = readCircuit(pb),
      b = readCircuit(again);
    for (const p of a.populations) {
      const q = b.populations.find((r) => r.name === p.name)!;
      expect([q.tauM, q.tauR, q.bias]).toEqual([p.tauM, p.tauR, p.bias]);
    }
    for (const x of a.crossbars) {
      const y = b.crossbars.find((k) => k.pre === x.pre && k.post === x.post)!;
      expect(y.weights).toEqual(x.weights);
    }
  });

  it("needs a time base: a dimensionless circuit without --time-unit is refused in one line", () => {
    expectOneLineError(
      vle("export-nir", "examples/lagline.yaml", "-o", join(scratch, "x.nir")),
      /is dimensionless, but NIR's times are in seconds/,
    );
  });
});
