// The HMM-emulation task: a noise-driven network learns to emit symbol sequences with an HMM's statistics.
import { VleError } from "../../../circuits/errors.js";
import { Rule, type Circuit } from "../../../circuits/model.js";
import { Random } from "../../../circuits/random.js";
import { softmax, type Engine } from "../../../simulator/engine.js";
import { HardwareEngine } from "../../../simulator/hardware/engine.js";
import {
  datasetSize,
  idealEngine,
  type Dataset,
  type EngineFactory,
  type Metrics,
  type Sequence,
  type TaskFactory,
} from "../task.js";
import { logLikelihood } from "./inference.js";
import { compareWithHmm, type EmulationReport } from "./metrics.js";
import { architectures, drawCategorical, makeHmm, samplePath, type Architecture, type Hmm } from "./model.js";

/**
 * Timing and noise of the task. Each symbol occupies `stepsPerSymbol` engine steps (one model time unit by
 * default, so the network's lags, a step per projection, stay short against a symbol). The input holds, in
 * this order, the one-hot of the previous symbol (the emission fed back; zeros before the first) and
 * `noise` channels of white noise with per-step standard deviation `amplitude`. The target of a period is
 * the one-hot of its symbol over the period's second half; the period's emission is drawn from the softmax
 * of the outputs summed over that half (the "vote" of classification tasks, here sampled).
 */
export interface HmmTaskSettings {
  architecture: Architecture;
  states: number;
  stay: number;
  symbolsPerSequence: number;
  amplitude: number;
  /** whether the emitted symbol is fed back as input (the causal objective); false: noise is the only input */
  feedback: boolean;
  /**
   * What drives the network: "input", white noise on the noise channels; "chip", the chip's own noise (its
   * membranes' kT/C and OTA excess noise, flicker), in hardware mode only: the noise channels are held at zero
   * and the emission is the largest output of the period (a comparator), not a draw, so that no random number
   * besides the chip's noise enters a generated sequence.
   */
  noiseSource: "input" | "chip";
}

export const hmmDefaults: HmmTaskSettings = {
  architecture: "linear-chain",
  states: 3,
  stay: 0.95,
  symbolsPerSequence: 40,
  amplitude: 1,
  feedback: true,
  noiseSource: "input",
};

/** Task names: hmm (defaults), hmm:<architecture>, hmm:<architecture>:<states>, hmm:<architecture>:<states>:chip-noise. */
export function parseHmmName(name: string): HmmTaskSettings {
  const [, architecture = hmmDefaults.architecture, states, source, ...rest] = name.split(":");
  if ((source !== undefined && source !== "chip-noise") || rest.length > 0)
    throw new VleError(
      `task '${name}': unknown option '${[source, ...rest].join(":")}'; the only one is chip-noise (hmm:<architecture>:<states>:chip-noise)`,
    );
  if (!architectures.includes(architecture as Architecture))
    throw new VleError(
      `task '${name}': unknown HMM architecture '${architecture}'; use hmm:${architectures.join(", hmm:")}`,
    );
  const K = states === undefined ? hmmDefaults.states : Number(states);
  if (!Number.isInteger(K) || K < 2 || K > 16)
    throw new VleError(`task '${name}': the number of states must be an integer from 2 to 16, got '${states}'`);
  return {
    ...hmmDefaults,
    architecture: architecture as Architecture,
    states: K,
    noiseSource: source === "chip-noise" ? "chip" : "input",
  };
}

/**
 * Refuses a chip-noise run without a chip whose noise is on: without it the network's input is constant and so is
 * every generated sequence.
 */
export function checkNoiseSource(circuit: Circuit, settings: HmmTaskSettings, name: string): void {
  if (settings.noiseSource !== "chip") return;
  const h = circuit.hardware;
  if (!h)
    throw new VleError(
      `task '${name}': chip-noise needs the chip; compile the description with a hardware section (noise: thermal) and run in hardware mode`,
    );
  const { membraneStd, flickerStd } = h.noise;
  if (!h.effects.thermalNoise || !(membraneStd > 0 || flickerStd > 0))
    throw new VleError(
      `task '${name}': circuit '${circuit.name}' has its chip noise off; give its hardware section noise: thermal (or noise: { membrane: <std> })`,
    );
  // with tau_r = tau_m the prospective readout u + tau_r du/dt is the input itself: the membrane's noise never
  // reaches the rate, and only flicker noise (on the input) would drive the network
  const heard = circuit.populations.some((p) => p.tauR.some((r, i) => r !== p.tauM[i]));
  if (!heard && !(flickerStd > 0))
    throw new VleError(
      `task '${name}': no population of circuit '${circuit.name}' hears its membrane noise (tau_r = tau_m reads the input alone); give the hidden layer tau_r < tau_m, or the chip flicker noise`,
    );
}

/** How a circuit's channels split for the task: M symbols out; M fed back in (or none), the rest of the inputs noise. */
export interface HmmLayout {
  symbols: number;
  /** input channels that carry the previous symbol: M with feedback, else 0 */
  fed: number;
  noise: number;
  stepsPerSymbol: number;
  /** first step of a period whose output is read (the second half) */
  readFrom: number;
}

/** `noiseChannels` false (chip noise drives the network): no noise channel is needed. */
export function hmmLayout(circuit: Circuit, feedback = true, noiseChannels = true): HmmLayout {
  const outputs = circuit.outputs.reduce(
    (n, o) => n + (circuit.populations.find((p) => p.name === o.population)?.size ?? 0),
    0,
  );
  const inputs = circuit.inputs.reduce((n, p) => n + p.size, 0);
  if (outputs < 2)
    throw new VleError(`task 'hmm': the circuit needs at least 2 output channels (one per symbol), it has ${outputs}`);
  const fed = feedback ? outputs : 0;
  if (inputs < fed + (noiseChannels ? 1 : 0))
    throw new VleError(
      `task 'hmm': the circuit has ${inputs} input channel(s); it needs ${fed} for the fed-back symbol plus at least 1 of noise`,
    );
  const stepsPerSymbol = Math.max(2, Math.round(1 / circuit.dt));
  return { symbols: outputs, fed, noise: inputs - fed, stepsPerSymbol, readFrom: Math.floor(stepsPerSymbol / 2) };
}

/** The input and target sequence of one emission path (teacher forcing: the true previous symbol is fed back). */
function sequenceOf(emissions: Int32Array, layout: HmmLayout, amplitude: number, random: Random): Sequence {
  const { symbols: M, fed, noise, stepsPerSymbol: S, readFrom } = layout;
  const C = fed + noise,
    T = emissions.length * S;
  const input = new Float64Array(T * C),
    target = new Float64Array(T * M),
    mask = new Uint8Array(T);
  for (let t = 0; t < emissions.length; t++) {
    for (let k = 0; k < S; k++) {
      const s = t * S + k;
      if (t > 0 && fed > 0) input[s * C + emissions[t - 1]] = 1;
      if (amplitude > 0) for (let c = 0; c < noise; c++) input[s * C + fed + c] = amplitude * random.normal();
      if (k >= readFrom) {
        mask[s] = 1;
        target[s * M + emissions[t]] = 1;
      }
    }
  }
  return { input, target, mask };
}

/** Sequences of the task with the emission paths they were made from. */
export interface HmmDataset extends Dataset {
  emissions: Int32Array[];
}

export interface GenerateOptions {
  /** ideal (default) or hardware mode */
  engine?: EngineFactory;
  /** sequences run side by side */
  batch?: number;
  /** called at the end of every symbol period t (before its symbol is drawn) for sequences first .. first + count - 1 */
  onPeriod?: (t: number, engine: Engine, first: number, count: number) => void;
}

/**
 * Runs the circuit as a generator: noise in, its own sampled emission fed back (with feedback), `count`
 * sequences of `symbolsPerSequence` emissions each, from the zero state, learning off.
 */
export function generate(
  circuit: Circuit,
  settings: HmmTaskSettings,
  count: number,
  seed: number,
  options: GenerateOptions = {},
): Int32Array[] {
  const makeEngine = options.engine ?? idealEngine,
    batch = options.batch ?? 64;
  const chipNoise = settings.noiseSource === "chip";
  const layout = hmmLayout(circuit, settings.feedback, !chipNoise),
    { symbols: M, fed, noise, stepsPerSymbol: S, readFrom } = layout;
  const random = new Random(seed),
    amplitude = chipNoise ? 0 : settings.amplitude;
  const B = Math.max(1, Math.min(batch, count));
  const engine = makeEngine(circuit, { batch: B, rule: Rule.NONE });
  const inputs = circuit.inputs.map((p) => ({ buffer: engine.input(p.name), size: p.size }));
  const outputs = circuit.outputs.map((o) => engine.output(o.name));
  const channel = new Float64Array(fed + noise),
    logits = new Float64Array(B * M),
    p = new Float64Array(M);
  const result: Int32Array[] = [];
  for (let start = 0; start < count; start += B) {
    const n = Math.min(B, count - start);
    const paths = Array.from({ length: n }, () => new Int32Array(settings.symbolsPerSequence));
    engine.reset();
    for (let t = 0; t < settings.symbolsPerSequence; t++) {
      logits.fill(0);
      for (let k = 0; k < S; k++) {
        for (let b = 0; b < B; b++) {
          channel.fill(0);
          if (t > 0 && b < n && fed > 0) channel[paths[b][t - 1]] = 1;
          if (amplitude > 0) for (let c = 0; c < noise; c++) channel[fed + c] = b < n ? amplitude * random.normal() : 0;
          let offset = 0;
          for (const { buffer, size } of inputs) {
            for (let c = 0; c < size; c++) buffer[b * size + c] = channel[offset + c];
            offset += size;
          }
        }
        if (k >= readFrom) {
          let offset = 0;
          for (const o of outputs) {
            const size = o.population.size,
              r = o.population.now.r;
            for (let b = 0; b < B; b++) for (let c = 0; c < size; c++) logits[b * M + offset + c] += r[b * size + c];
            offset += size;
          }
        }
        engine.advance(false);
      }
      options.onPeriod?.(t, engine, start, n);
      for (let b = 0; b < n; b++) {
        if (chipNoise) {
          paths[b][t] = largest(logits, b * M, M);
          continue;
        }
        for (let c = 0; c < M; c++) logits[b * M + c] /= S - readFrom;
        softmax(logits, b * M, M, p);
        paths[b][t] = drawCategorical(p, 0, M, random);
      }
    }
    result.push(...paths);
  }
  return result;
}

/** Index of the largest of x[from .. from + n - 1] (the first on a tie). */
function largest(x: Float64Array, from: number, n: number): number {
  let arg = 0;
  for (let c = 1; c < n; c++) if (x[from + c] > x[from + arg]) arg = c;
  return arg;
}

/** The chip engine of a chip-noise run: seeded, so the same seed gives the same noise and the same sequences. */
export const chipNoiseEngine =
  (seed: number): EngineFactory =>
  (circuit, options) =>
    new HardwareEngine(circuit, { ...options, seed });

/** The HMM of the settings for M symbols. */
export const hmmOf = (settings: HmmTaskSettings, symbols: number): Hmm =>
  makeHmm({ architecture: settings.architecture, states: settings.states, symbols, stay: settings.stay });

/** Generates from the circuit and compares with fresh HMM sequences (the task's emulation metrics). */
export function emulationReport(
  circuit: Circuit,
  settings: HmmTaskSettings,
  count: number,
  seed: number,
  makeEngine: EngineFactory = idealEngine,
): EmulationReport {
  const layout = hmmLayout(circuit, settings.feedback, settings.noiseSource !== "chip"),
    hmm = hmmOf(settings, layout.symbols);
  const generated = generate(circuit, settings, count, seed, { engine: makeEngine });
  const random = new Random(seed ^ 0x5eed);
  const reference = Array.from({ length: count }, () => samplePath(hmm, settings.symbolsPerSequence, random).emissions);
  return compareWithHmm(hmm, generated, reference);
}

export function createHmmTask(settings: HmmTaskSettings): TaskFactory {
  return ({ seed, circuit, trainSize, testSize }) => {
    const chipNoise = settings.noiseSource === "chip";
    const name = `hmm:${settings.architecture}:${settings.states}${chipNoise ? ":chip-noise" : ""}`;
    checkNoiseSource(circuit, settings, name);
    const layout = hmmLayout(circuit, settings.feedback, !chipNoise),
      hmm = hmmOf(settings, layout.symbols);
    const random = new Random(seed);
    const amplitude = chipNoise ? 0 : settings.amplitude;
    const dataset = (n: number): HmmDataset => {
      const emissions = Array.from({ length: n }, () => samplePath(hmm, settings.symbolsPerSequence, random).emissions);
      const sequences = emissions.map((x) => sequenceOf(x, layout, amplitude, random));
      return { size: n, emissions, sequence: (i) => sequences[i] };
    };
    const train = dataset(datasetSize(name, "trainSize", trainSize, 500));
    const test = dataset(datasetSize(name, "testSize", testSize, 100));
    const M = layout.symbols,
      S = layout.stepsPerSymbol,
      window = S - layout.readFrom;
    return {
      name,
      inputChannels: layout.fed + layout.noise,
      outputChannels: M,
      steps: settings.symbolsPerSequence * S,
      resetPerSequence: true,
      train,
      test,
      headline: { name: "emissionKl", better: "lower" },
      defaults: { epochs: 5, batch: 20 },
      score(outputs: Float64Array[], scored: Circuit): Metrics {
        // next-symbol prediction under teacher forcing, against the HMM's own predictive distribution
        const p = new Float64Array(M),
          logit = new Float64Array(M);
        let nll = 0,
          hmmNll = 0,
          symbols = 0;
        outputs.forEach((y, k) => {
          const x = test.emissions[k];
          for (let t = 0; t < x.length; t++) {
            logit.fill(0);
            for (let s = t * S + layout.readFrom; s < (t + 1) * S; s++)
              for (let c = 0; c < M; c++) logit[c] += y[s * M + c] / window;
            softmax(logit, 0, M, p);
            nll -= Math.log(Math.max(p[x[t]], 1e-300));
            symbols++;
          }
          hmmNll -= logLikelihood(hmm, x);
        });
        const report = emulationReport(
          scored,
          settings,
          200,
          seed + 1,
          chipNoise ? chipNoiseEngine(seed + 1) : idealEngine,
        );
        return {
          nextSymbolNll: nll / symbols,
          hmmNll: hmmNll / symbols,
          emissionKl: report.emissionKl,
          generatedLogLikelihood: report.logLikelihoodPerStep.generated,
          hmmLogLikelihood: report.logLikelihoodPerStep.hmm,
          meanDwellGenerated: mean(report.dwell.map((d) => d.generatedMean)),
          meanDwellHmm: mean(report.dwell.map((d) => d.hmmMean)),
        };
      },
    };
  };
}

const mean = (xs: number[]) => {
  const finite = xs.filter(Number.isFinite);
  return finite.length ? finite.reduce((s, x) => s + x, 0) / finite.length : Number.NaN;
};
