// NIR graph -> network description: leaky integrators as populations without prospective readout (tau_r = 0),
// chains of linear maps and delays folded into projections, spiking nodes and convolutions refused by name.
import { VleError } from "../../circuits/errors.js";
import type { NirArray, NirGraph, NirNode } from "./file.js";

/** The NIR node types the importer reads, and what it makes of them. */
export const importedTypes = ["Input", "Output", "Affine", "Linear", "Scale", "Delay", "LI", "I", "CubaLI"] as const;

/** Node types that are spiking (refused until vle has spiking cells) or convolutional (no crossbar form here). */
const refused: Record<string, string> = {
  IF: "a spiking integrate-and-fire neuron",
  LIF: "a spiking leaky integrate-and-fire neuron",
  CubaLIF: "a spiking current-based leaky integrate-and-fire neuron",
  Threshold: "a spiking threshold",
  Conv1d: "a convolution",
  Conv2d: "a convolution",
  SumPool2d: "a pooling layer",
  AvgPool2d: "a pooling layer",
  Flatten: "a reshape between convolutional layers",
  NIRGraph: "a nested graph",
};

/**
 * An integrator (dv/dt = R I) has no leak; vle's cells all leak, so it becomes a leaky integrator whose time
 * constant is this many steps of dt, with its input scaled to match: the leak then changes v by one part in
 * 1e9 per step.
 */
export const integratorSteps = 1e9;

export interface ImportOptions {
  /** the model time step in seconds */
  dtSeconds: number;
  /** the unit the description's times are written in ("ms"), and its seconds */
  unit: { name: string; seconds: number };
  /** the description's name */
  name: string;
  /** where the graph came from, for errors */
  file: string;
}

/** A description as plain data (YAML-ready), and notes on what was approximated. */
export interface Imported {
  description: Record<string, unknown>;
  notes: string[];
}

/** One input path into a neuron node: from a source (input or neuron), through linear maps, with a delay in steps. */
interface Path {
  source: string;
  matrix: number[][];
  bias: number[];
  delay: number;
}

const identity = (n: number) =>
  Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
const multiply = (a: number[][], b: number[][]) =>
  a.map((row) => b[0].map((_, j) => row.reduce((s, x, k) => s + x * b[k][j], 0)));
const apply = (a: number[][], v: number[]) => a.map((row) => row.reduce((s, x, k) => s + x * v[k], 0));

/** Reads the graph's nodes and edges into a description; throws one line naming the node for anything refused. */
export function importNir(graph: NirGraph, options: ImportOptions): Imported {
  const { file } = options;
  const dt = options.dtSeconds;
  const fail = (message: string, fix: string): never => {
    throw new VleError(`${file}: ${message}; ${fix}`);
  };
  for (const [name, node] of graph.nodes)
    if (node.type in refused)
      fail(
        `node '${name}' is ${node.type} (${refused[node.type]}), which vle cannot import`,
        "vle imports Input, Output, Affine, Linear, Scale, Delay, LI, I and CubaLI nodes",
      );
    else if (!(importedTypes as readonly string[]).includes(node.type))
      fail(`node '${name}' has unknown type '${node.type}'`, `vle imports ${importedTypes.join(", ")} nodes`);
  for (const [a, b] of graph.edges)
    for (const end of [a, b])
      if (!graph.nodes.has(end))
        fail(`edge ${a} -> ${b} names node '${end}', which the graph does not have`, "fix the edge list");

  const param = (name: string, node: NirNode, key: string): NirArray => {
    const p = node.params.get(key);
    if (!p) return fail(`node '${name}' (${node.type}) has no '${key}'`, "write the graph with the nir package");
    return p;
  };
  const vector = (name: string, node: NirNode, key: string, n?: number): number[] => {
    const p = param(name, node, key);
    if (p.shape.length > 1) fail(`node '${name}' field '${key}' has shape [${p.shape}]`, "vle imports 1-D populations");
    if (n !== undefined && p.data.length !== n)
      fail(`node '${name}' field '${key}' has ${p.data.length} values where ${n} are expected`, "give one per neuron");
    for (const x of p.data)
      if (!Number.isFinite(x)) fail(`node '${name}' field '${key}' holds ${x}`, "give finite values");
    return [...p.data];
  };
  const matrix = (name: string, node: NirNode): number[][] => {
    const p = param(name, node, "weight");
    if (p.shape.length !== 2)
      fail(`node '${name}' (${node.type}) has a weight of shape [${p.shape}]`, "vle imports 2-D weight matrices");
    const [rows, cols] = p.shape;
    return Array.from({ length: rows }, (_, i) => [...p.data.subarray(i * cols, (i + 1) * cols)]);
  };
  const shapeSize = (name: string, node: NirNode): number => {
    const p = param(name, node, "shape");
    if (p.data.length !== 1)
      fail(
        `node '${name}' (${node.type}) has shape [${[...p.data]}]`,
        "vle imports 1-D inputs and outputs (flatten first)",
      );
    return p.data[0];
  };

  // sizes: what each node's output carries
  const size = new Map<string, number>();
  for (const [name, node] of graph.nodes) {
    if (node.type === "Input" || node.type === "Output") size.set(name, shapeSize(name, node));
    else if (node.type === "Affine" || node.type === "Linear") size.set(name, matrix(name, node).length);
    else if (node.type === "Scale") size.set(name, vector(name, node, "scale").length);
    else if (node.type === "Delay") size.set(name, vector(name, node, "delay").length);
    else if (node.type === "LI") size.set(name, vector(name, node, "tau").length);
    else if (node.type === "I") size.set(name, vector(name, node, "r").length);
    else size.set(name, vector(name, node, "tau_mem").length);
  }
  const incoming = new Map<string, string[]>();
  for (const [a, b] of graph.edges) incoming.set(b, [...(incoming.get(b) ?? []), a]);
  const isSource = (type: string) => type === "Input" || type === "LI" || type === "I" || type === "CubaLI";
  /** Channels a node takes in: a weight's columns, or its own size. */
  const inSize = (name: string) => {
    const node = graph.nodes.get(name)!;
    return node.type === "Affine" || node.type === "Linear" ? matrix(name, node)[0].length : size.get(name)!;
  };

  /** Every path into `name`'s input (rows: inSize(name)), traced back through linear maps and delays to sources. */
  const pathsInto = (name: string, seen: string[]): Path[] => {
    const sources = incoming.get(name) ?? [];
    const n = inSize(name);
    const out: Path[] = [];
    for (const from of sources) {
      const node = graph.nodes.get(from)!;
      const m = size.get(from)!;
      if (m !== n) fail(`edge ${from} -> ${name} joins ${m} channels to ${n}`, "match the node shapes");
      if (isSource(node.type)) {
        out.push({ source: from, matrix: identity(n), bias: Array(n).fill(0), delay: 0 });
        continue;
      }
      if (seen.includes(from))
        fail(
          `node '${from}' is in a loop of linear maps with no neuron (${[...seen, from].join(" -> ")})`,
          "put a neuron node in every loop",
        );
      const before = pathsInto(from, [...seen, from]);
      if (before.length === 0) fail(`node '${from}' (${node.type}) has no input`, "connect it, or remove it");
      for (const p of before) {
        if (node.type === "Affine" || node.type === "Linear") {
          const w = matrix(from, node);
          const b = node.type === "Affine" ? vector(from, node, "bias", w.length) : Array(w.length).fill(0);
          const applied = apply(w, p.bias);
          out.push({ ...p, matrix: multiply(w, p.matrix), bias: applied.map((x, i) => x + b[i]) });
        } else if (node.type === "Scale") {
          const s = vector(from, node, "scale");
          out.push({
            ...p,
            matrix: p.matrix.map((row, i) => row.map((x) => x * s[i])),
            bias: p.bias.map((x, i) => x * s[i]),
          });
        } else if (node.type === "Delay") {
          const d = vector(from, node, "delay");
          const steps = d.map((x) => x / dt);
          const k = Math.round(steps[0]);
          if (steps.some((s) => Math.abs(s - k) > 1e-6 * Math.max(1, k)))
            fail(
              `node '${from}' (Delay) delays by [${d.map((x) => `${x} s`).join(", ")}], not one whole number of steps of dt = ${dt} s for every channel`,
              "choose --dt dividing the delay, or give every channel the same delay",
            );
          if (k < 0) fail(`node '${from}' (Delay) has a negative delay`, "give delays >= 0");
          out.push({ ...p, delay: p.delay + k });
        } else if (node.type === "Output") {
          fail(`node '${from}' (Output) feeds node '${name}'`, "an Output node ends the graph");
        }
      }
    }
    return out;
  };

  // times in the description's unit, rounded to 15 digits so unit scaling leaves no binary artefacts (200, not 200.00000000000003)
  const unitOf = (seconds: number) => Number((seconds / options.unit.seconds).toPrecision(15));
  // description names are letters, digits, _ and -; NIR's are free text: map them, keeping them apart
  const names = new Map<string, string>();
  const taken = new Set<string>();
  const claim = (wanted: string) => {
    let base = wanted.replace(/[^A-Za-z0-9_-]/g, "_");
    if (!/^[A-Za-z_]/.test(base)) base = `n_${base}`;
    let name = base;
    for (let k = 2; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return name;
  };
  for (const key of graph.nodes.keys()) names.set(key, claim(key));
  const named = (key: string) => names.get(key)!;
  const populations: Record<string, unknown>[] = [];
  const projections: Record<string, unknown>[] = [];
  const notes: string[] = [];
  const relays = new Map<string, number>();
  const relayNames = new Map<string, string>();
  const relayName = (source: string, k: number) => {
    const key = `${source}\u0000${k}`;
    if (!relayNames.has(key)) relayNames.set(key, claim(`${named(source)}_delay${k}`));
    return relayNames.get(key)!;
  };
  /** The name of `source` delayed by `delay` steps: a chain of relay cells (tau_m = dt, tau_r = 0: u' = I). */
  const delayed = (source: string, delay: number): string => {
    if (delay === 0) return named(source);
    relays.set(source, Math.max(relays.get(source) ?? 0, delay));
    return relayName(source, delay);
  };
  /** Sums the paths into one projection per (source, delay), and a bias. */
  const gather = (name: string, n: number, paths: Path[], gain: number[]) => {
    const bias = Array(n).fill(0);
    const merged = new Map<string, Path>();
    for (const p of paths) {
      p.bias.forEach((b, i) => (bias[i] += gain[i] * b));
      const key = `${p.source}\u0000${p.delay}`;
      const known = merged.get(key);
      if (known) known.matrix = known.matrix.map((row, i) => row.map((x, j) => x + p.matrix[i][j]));
      else merged.set(key, { ...p, matrix: p.matrix.map((row) => [...row]) });
    }
    for (const p of merged.values())
      projections.push({
        from: delayed(p.source, p.delay),
        to: name,
        weights: p.matrix.map((row, i) => row.map((x) => gain[i] * x)),
        plastic: false,
        feedback: "none",
      });
    return bias;
  };

  const outputs = new Map<string, string>();
  for (const [name, node] of graph.nodes) {
    if (node.type !== "Output") continue;
    const paths = pathsInto(name, [name]);
    const direct = paths.length === 1 && paths[0].delay === 0 && graph.nodes.get(paths[0].source)!.type !== "Input";
    const through = (incoming.get(name) ?? []).every((f) => isSource(graph.nodes.get(f)!.type));
    if (!direct || !through || paths[0].bias.some((b) => b !== 0))
      fail(
        `output '${name}' is not fed by one neuron node directly (it gets ${(incoming.get(name) ?? []).join(", ") || "nothing"})`,
        "vle's outputs are populations: end the graph with an LI (or CubaLI, I) node into the Output",
      );
    if (outputs.has(paths[0].source))
      fail(`node '${paths[0].source}' feeds two outputs`, "give each output its own neuron node");
    outputs.set(paths[0].source, name);
  }

  for (const [key, node] of graph.nodes)
    if (node.type === "Input") populations.push({ name: named(key), kind: "input", size: size.get(key)! });
  for (const [key, node] of graph.nodes) {
    const n = size.get(key)!;
    if (!isSource(node.type) || node.type === "Input") continue;
    const name = named(key);
    const common = { name, ...(outputs.has(key) ? { kind: "output" } : {}), size: n };
    const paths = pathsInto(key, [key]);
    if (node.type === "LI") {
      // tau dv/dt = (v_leak - v) + R I  ==  tau dv/dt = -v + (R W) x + (R b + v_leak)
      const tau = vector(key, node, "tau", n),
        r = vector(key, node, "r", n),
        leak = vector(key, node, "v_leak", n);
      const bias = gather(name, n, paths, r);
      populations.push(
        population(
          common,
          tau.map(unitOf),
          bias.map((b, i) => b + leak[i]),
        ),
      );
    } else if (node.type === "I") {
      // dv/dt = R I  ~  T dv/dt = -v + T R I with T = integratorSteps dt
      const r = vector(key, node, "r", n);
      const T = integratorSteps * dt;
      const bias = gather(
        name,
        n,
        paths,
        r.map((x) => x * T),
      );
      populations.push(population(common, Array(n).fill(unitOf(T)), bias));
      notes.push(
        `node '${key}' (I): an integrator has no leak; it becomes a leaky integrator with tau = ${integratorSteps} dt (the leak changes v by 1e-9 per step)`,
      );
    } else {
      // CubaLI: tau_syn dI/dt = -I + w_in S (a leaky-integrator stage), then tau_mem dv/dt = (v_leak - v) + R I
      const tauSyn = vector(key, node, "tau_syn", n),
        tauMem = vector(key, node, "tau_mem", n),
        r = vector(key, node, "r", n),
        leak = vector(key, node, "v_leak", n),
        wIn = vector(key, node, "w_in", n);
      const syn = claim(`${name}_syn`);
      const bias = gather(syn, n, paths, wIn);
      populations.push(population({ name: syn, size: n }, tauSyn.map(unitOf), bias));
      projections.push({
        from: syn,
        to: name,
        weights: r.map((x, i) => r.map((_, j) => (i === j ? x : 0))),
        plastic: false,
        feedback: "none",
      });
      populations.push(population(common, tauMem.map(unitOf), leak));
    }
  }
  // relay chains for delays: source.delay1 <- source, source.delay2 <- source.delay1, ...
  for (const [source, depth] of relays) {
    const n = size.get(source)!;
    for (let k = 1; k <= depth; k++) {
      const name = relayName(source, k);
      populations.push(population({ name, size: n }, Array(n).fill(unitOf(dt)), Array(n).fill(0)));
      const from = k === 1 ? named(source) : relayName(source, k - 1);
      projections.push({ from, to: name, weights: identity(n), plastic: false, feedback: "none" });
    }
    notes.push(
      `'${source}' delayed by up to ${depth} steps through a chain of relay cells (tau_m = dt, tau_r = 0: each copies its input one step later)`,
    );
  }
  if (outputs.size === 0) fail("the graph has no Output node fed by a neuron node", "add one");
  if (!populations.some((p) => p.kind === "input")) fail("the graph has no Input node", "add one");

  return {
    description: {
      name: options.name,
      dt: `${unitOf(dt)} ${options.unit.name}`,
      populations,
      projections,
      loss: { kind: "mse" },
      learning: { rule: "none" },
    },
    notes,
  };
}

/** A population without prospective readout (tau_r = 0) and linear output: NIR's v. */
function population(head: Record<string, unknown>, tauM: number[], bias: number[]): Record<string, unknown> {
  const same = (xs: number[]) => xs.every((x) => x === xs[0]);
  return { ...head, tau_m: same(tauM) ? tauM[0] : tauM, tau_r: 0, phi: "linear", bias: same(bias) ? bias[0] : bias };
}
