// The ideal engine: executes a circuit IR with the reference discretization (design section 2), batched, float64.
import { transfers } from "../circuits/cells.js";
import { VleError } from "../circuits/errors.js";
import { Feedback, Loss, Rule, type Circuit } from "../circuits/model.js";
import { validate } from "../circuits/validate.js";
import { addOutputError, broadcastRead } from "./kernels.js";
import { referenceKernels } from "./kernel-set.js";
import { KernelArena, wasmKernels } from "./wasm-kernels.js";
import {
  accumulateLocalUpdates,
  stepPopulation,
  type PopulationRoute,
  type StepContext,
  type SynapseUpdate,
} from "./population-step.js";
import { makeParameter, ParameterUpdater, type Parameter } from "./optimizer.js";
import type { CrossbarState, OutputState, PopulationSignals, PopulationState } from "./state.js";

export type { CrossbarState, OutputState, PopulationSignals, PopulationState } from "./state.js";

export { softmax } from "./kernels.js";

const signalNames = ["u", "uProsp", "r", "dphi", "v", "e", "udot"] as const;

function allocateSignals(n: number): PopulationSignals {
  return Object.fromEntries(signalNames.map((k) => [k, new Float64Array(n)])) as unknown as PopulationSignals;
}

export interface EngineOptions {
  batch?: number;
  /** overrides the circuit's learning rule */
  rule?: Rule;
  /**
   * The kernels the step runs on: "wasm" (WebAssembly SIMD, the engine's arrays in its memory) or "js" (the
   * reference). Default: wasm when the circuit has at least `wasmThreshold` neuron-samples, else js.
   */
  kernels?: "wasm" | "js";
}

/** Below this many neuron-samples per step (batch x neurons) a step is too small to gain from WebAssembly calls. */
export const wasmThreshold = 64;

export class Engine {
  readonly batch: number;
  readonly dt: number;
  readonly rule: Rule;
  readonly prospectiveErrors: boolean;
  readonly populations: PopulationState[] = [];
  readonly crossbars: CrossbarState[] = [];
  readonly outputs: OutputState[] = [];
  /** input port buffers, B x size, read by the next step */
  readonly inputs = new Map<string, Float64Array>();
  readonly parameters: Parameter[] = [];
  readonly updater: ParameterUpdater;
  /** steps taken since the last reset */
  step = 0;
  private readonly softmaxScratch: Float64Array;
  /** what the population step needs of this engine: batch, dt, error mode and the kernels it runs on */
  protected readonly context: StepContext;

  constructor(
    readonly circuit: Circuit,
    options: EngineOptions = {},
  ) {
    validate(circuit);
    const B = (this.batch = options.batch ?? 1);
    if (!Number.isInteger(B) || B < 1) throw new VleError(`batch ${B} must be a positive integer`);
    this.dt = circuit.dt;
    this.rule = options.rule ?? circuit.learning.rule;
    this.prospectiveErrors = this.rule === Rule.VLE ? circuit.learning.prospectiveErrors : false;
    this.context = { batch: B, dt: this.dt, prospectiveErrors: this.prospectiveErrors, kernels: referenceKernels };
    this.updater = new ParameterUpdater(circuit.learning);
    const { eta, etaTau } = circuit.learning;

    // tau_r = 0 (a plain leaky integrator, as NIR's LI) has no error cell dynamics: tau_r dv/dt = -v + d is undefined
    const plain = circuit.populations.find((p) => p.tauR.includes(0));
    if (plain && this.rule !== Rule.NONE)
      throw new VleError(
        `population '${plain.name}' has tau_r = 0 (no prospective readout), where learning is undefined (its error cell integrates with tau_r); run it with rule none, or give tau_r >= dt (tau_r = dt has the same forward dynamics)`,
      );
    for (const port of circuit.inputs) this.inputs.set(port.name, new Float64Array(B * port.size));
    const byName = new Map<string, PopulationState>();
    for (const spec of circuit.populations) {
      const n = spec.size;
      const errorPopulation = circuit.errorPopulations.find((e) => e.population === spec.name);
      const link = errorPopulation && circuit.errorCurrents.find((l) => l.errorPopulation === errorPopulation.name);
      const state: PopulationState = {
        spec,
        size: n,
        transfer: transfers[spec.phi],
        tauM: Float64Array.from(spec.tauM),
        // tau_r = 0 (no prospective readout) reads out u + dt du/dt = u', the new membrane: the dynamics of tau_r = dt
        // (the error cell, which would need tau_r itself, never runs prospectively: learning is refused above)
        tauR: Float64Array.from(spec.tauR, (t) => (t === 0 ? this.dt : t)),
        bias: Float64Array.from(spec.bias),
        gamma: link ? link.gamma : 0,
        learns: errorPopulation !== undefined,
        now: allocateSignals(B * n),
        next: allocateSignals(B * n),
        afferent: [],
        backward: [],
        broadcasts: [],
        errorIn: new Float64Array(B * n),
      };
      if (state.learns && spec.plasticBias)
        this.parameters.push((state.biasParam = makeParameter(`${spec.name}.b`, state.bias, eta)));
      if (state.learns && spec.plasticTauM)
        this.parameters.push((state.tauParam = makeParameter(`${spec.name}.tau_m`, state.tauM, etaTau, circuit.dt)));
      byName.set(spec.name, state);
      this.populations.push(state);
    }
    for (const spec of circuit.crossbars) {
      const post = byName.get(spec.post)!;
      const weights = Float64Array.from(spec.weights);
      const ownFeedback = spec.feedback === Feedback.RANDOM || spec.feedback === Feedback.LEARNED;
      const x: CrossbarState = {
        spec,
        rows: spec.rows,
        cols: spec.cols,
        weights,
        feedback: ownFeedback ? Float64Array.from(spec.feedbackWeights) : weights,
        carriesError: spec.feedback !== Feedback.NO_FEEDBACK && post.learns,
        pre: byName.get(spec.pre),
        preInput: this.inputs.get(spec.pre),
        post,
        errorOut: new Float64Array(B * spec.cols),
        errorOutNext: new Float64Array(B * spec.cols),
      };
      if (spec.plastic) {
        this.parameters.push((x.weightParam = makeParameter(`${spec.name}.W`, weights, eta)));
        if (spec.feedback === Feedback.LEARNED)
          this.parameters.push((x.feedbackParam = makeParameter(`${spec.name}.F`, x.feedback, eta)));
      }
      post.afferent.push(x);
      if (x.carriesError && x.pre) x.pre.backward.push(x);
      this.crossbars.push(x);
    }
    for (const b of circuit.broadcasts)
      byName.get(b.to)!.broadcasts.push({ from: byName.get(b.from)!, weights: Float64Array.from(b.weights) });
    for (const spec of circuit.outputs) {
      const population = byName.get(spec.population)!;
      const out: OutputState = {
        spec,
        population,
        target: new Float64Array(B * population.size),
        mask: new Float64Array(B),
      };
      population.output = out;
      this.outputs.push(out);
    }
    this.softmaxScratch = new Float64Array(Math.max(1, ...this.populations.map((p) => p.size)));
    const neuronSamples = B * this.populations.reduce((s, p) => s + p.size, 0);
    const kernels = options.kernels ?? (neuronSamples >= wasmThreshold ? "wasm" : "js");
    if (kernels === "wasm") this.moveToArena();
  }

  /**
   * Every array the step computes on, each visited once and replaced by what `visit` returns (aliases stay aliases:
   * a learnable array and its parameter's values are one array).
   */
  private forEachArray(visit: (a: Float64Array) => Float64Array): void {
    for (const [name, buffer] of this.inputs) this.inputs.set(name, visit(buffer));
    for (const p of this.populations) {
      p.tauM = visit(p.tauM);
      p.tauR = visit(p.tauR);
      p.bias = visit(p.bias);
      p.errorIn = visit(p.errorIn);
      for (const k of signalNames) {
        p.now[k] = visit(p.now[k]);
        p.next[k] = visit(p.next[k]);
      }
    }
    for (const x of this.crossbars) {
      x.weights = visit(x.weights);
      x.feedback = visit(x.feedback);
      x.errorOut = visit(x.errorOut);
      x.errorOutNext = visit(x.errorOutNext);
      if (x.preInput) x.preInput = visit(x.preInput);
    }
    for (const o of this.outputs) {
      o.target = visit(o.target);
      o.mask = visit(o.mask);
    }
    for (const q of this.parameters) {
      q.values = visit(q.values);
      q.delta = visit(q.delta);
      q.m = visit(q.m);
      q.s = visit(q.s);
    }
  }

  /** Moves the engine's arrays into a WebAssembly memory and runs the step on the SIMD kernels. */
  private moveToArena(): void {
    const arrays = new Set<Float64Array>();
    this.forEachArray((a) => (arrays.add(a), a));
    const maxCols = Math.max(1, ...this.crossbars.map((x) => x.cols)),
      maxLive = Math.max(this.batch, ...this.crossbars.map((x) => x.rows));
    let bytes = KernelArena.size(4 * maxCols) + KernelArena.size(maxLive, 4) + KernelArena.size(7);
    for (const a of arrays) bytes += KernelArena.size(a.length);
    const arena = new KernelArena(bytes);
    this.forEachArray((a) => arena.adopt(a));
    this.context.kernels = wasmKernels(arena, maxCols, maxLive);
    this.updater.useArena(arena);
  }

  population(name: string): PopulationState {
    const p = this.populations.find((q) => q.spec.name === name);
    if (!p) throw new VleError(`no population '${name}' in circuit '${this.circuit.name}'`);
    return p;
  }

  input(name: string): Float64Array {
    const buffer = this.inputs.get(name);
    if (!buffer)
      throw new VleError(
        `no input '${name}' in circuit '${this.circuit.name}'; inputs: ${[...this.inputs.keys()].join(", ")}`,
      );
    return buffer;
  }

  output(name: string): OutputState {
    const o = this.outputs.find((q) => q.spec.name === name || q.spec.population === name);
    if (!o) throw new VleError(`no output '${name}' in circuit '${this.circuit.name}'`);
    return o;
  }

  /** Whether this engine's rule changes parameters online (the local rules). */
  get learnsOnline(): boolean {
    return this.rule === Rule.VLE || this.rule === Rule.INSTANTANEOUS;
  }

  /** Zeroes the dynamic state (u, v, e, r and phi' all 0), keeping parameters. */
  reset(): void {
    for (const p of this.populations)
      for (const k of signalNames) {
        p.now[k].fill(0);
        p.next[k].fill(0);
      }
    for (const x of this.crossbars) {
      x.errorOut.fill(0);
      x.errorOutNext.fill(0);
    }
    for (const o of this.outputs) o.mask.fill(0);
    this.step = 0;
  }

  /**
   * Advances one step dt from the state at t with the inputs and targets now in the buffers.
   * With `learn`, the local rule's update is applied after the step (online plasticity); with `apply`
   * false it only accumulates in each Parameter.delta (summed updates with frozen parameters, for alignment).
   */
  advance(learn = this.learnsOnline, apply = true): void {
    for (const p of this.populations) stepPopulation(this.context, p, this.route);
    for (const x of this.crossbars) if (x.carriesError) this.projectError(x);
    if (learn && this.learnsOnline) {
      for (const p of this.populations) if (p.learns) accumulateLocalUpdates(this.context, p, this.synapseUpdate);
      if (apply) this.updater.apply(this.parameters);
    }
    for (const p of this.populations) {
      const t = p.now;
      p.now = p.next;
      p.next = t;
    }
    for (const x of this.crossbars) {
      const t = x.errorOut;
      x.errorOut = x.errorOutNext;
      x.errorOutNext = t;
    }
    this.step++;
  }

  /** The ideal route: errors and inputs read straight from the state at t. */
  private readonly route: PopulationRoute = {
    error: (p, d) => {
      const B = this.batch,
        n = p.size;
      for (const x of p.backward) {
        const src = x.errorOut;
        for (let k = 0; k < B * n; k++) d[k] += src[k];
      }
      for (const { from, weights } of p.broadcasts) broadcastRead(B, n, from.size, weights, from.now.e, d);
      const o = p.output;
      if (o)
        addOutputError(
          B,
          n,
          p.now.r,
          o.target,
          o.mask,
          o.spec.beta,
          o.spec.loss === Loss.CROSS_ENTROPY,
          this.softmaxScratch,
          d,
        );
    },
    input: (p, I) => {
      const n = p.size;
      for (const x of p.afferent)
        this.context.kernels.crossbarRead(
          this.batch,
          x.weights,
          x.cols,
          x.pre ? x.pre.now.r : x.preInput!,
          0,
          n,
          0,
          x.cols,
          I,
          n,
          0,
        );
    },
  };

  /** errorOutNext = F^T e_post(new), with F as it was during this step's forward pass. */
  private projectError(x: CrossbarState): void {
    x.errorOutNext.fill(0);
    this.context.kernels.transposedRead(
      this.batch,
      x.feedback,
      x.cols,
      x.post.next.e,
      x.rows,
      0,
      x.rows,
      0,
      x.cols,
      x.errorOutNext,
      x.cols,
      0,
    );
  }

  /** Local rule on a crossbar: dW += e_post r_pre(t)^T / B. */
  private readonly synapseUpdate: SynapseUpdate = (p, e, dW, xi) => {
    const x = p.afferent[xi];
    this.context.kernels.accumulateOuterProduct(this.batch, p.size, x.cols, e, x.pre ? x.pre.now.r : x.preInput!, dW);
  };

  /** The circuit with the learned parameters written back (weights, feedback, bias, tau_m). */
  exportCircuit(): Circuit {
    const c = structuredClone(this.circuit);
    c.populations.forEach((p, k) => {
      p.tauM = Array.from(this.populations[k].tauM);
      p.bias = Array.from(this.populations[k].bias);
    });
    c.crossbars.forEach((x, k) => {
      x.weights = Array.from(this.crossbars[k].weights);
      if (x.feedbackWeights.length) x.feedbackWeights = Array.from(this.crossbars[k].feedback);
    });
    return c;
  }
}
