// What a report page shows: the sections a run produced (training, weights, waveforms, energy, timing, verify, evaluation, dynamics), as data.
import type { TimingReport } from "../../simulator/hardware/engine.js";
import type { TrainSummary } from "../tasks/train.js";
import type { EnergyDocument } from "./energy.js";

/** Published curves to draw beside ours: one value per epoch (epoch 0 = before training), with where they come from. */
export interface ReferenceCurves {
  source: string;
  licence?: string;
  /** the metric the curves show (e.g. accuracy) and its unit as written in the file (e.g. %) */
  metric: string;
  unit: string;
  curves: Record<string, { mean: number[]; std?: number[] }>;
}

/** One recorded signal over time. */
interface Waveform {
  name: string;
  values: number[];
}

export interface WaveformSection {
  /** the source of the samples (a trace file, or the run that recorded them) */
  source: string;
  /** time of each sample, in `timeUnit` */
  t: number[];
  timeUnit: string;
  signals: Waveform[];
}

/** A verify result as `vle verify --json` prints it (the fields the page shows). */
export interface VerifySection {
  file: string;
  circuit: string;
  passed: boolean;
  results: { property: string; status: string; runs: number; note: string }[];
}

interface EvaluationSection {
  circuit: string;
  data: string;
  sequences: number;
  stepsPerSequence: number;
  metrics: Record<string, number | boolean>;
}

/** `vle analyze`'s findings on a trained network's dynamics (HMM emulators: the orbit under noise and its statistics). */
export interface DynamicsSection {
  circuit: string;
  /** fixed points without input; `projected`: their hidden membranes in the orbit's principal components */
  fixedPoints: { stable: boolean; leading: number; basin: number; residual: number; projected?: number[] }[];
  hmm?: {
    task: string;
    /** fraction of the orbit's variance per principal component */
    explained: number[];
    /** the orbit, once per symbol: first two principal components and the decoded HMM state (thinned) */
    orbit: { pc1: number; pc2: number; state: number }[];
    residency: {
      states: { state: number; share: number; centroid: number[]; meanDwell: number; speed: number }[];
      transitionRate: number;
      transitionSpeed: number;
    };
    /** emission frequencies of the network's and of the HMM's sequences */
    frequencies: { network: number[]; hmm: number[] };
    /** complete visits per decoded state and dwell length (symbols), network and HMM */
    dwell: { state: number; source: "network" | "HMM"; length: number; visits: number }[];
    ablation: {
      intactRate: number;
      threshold: number;
      neurons: { population: string; neuron: number; transitionRate: number }[];
      kick: string[];
    };
  };
}

export interface ReportDocument {
  title: string;
  /** ISO time the page was made */
  generated: string;
  /** the command line that made the data, when known */
  command?: string;
  training?: TrainSummary;
  reference?: ReferenceCurves;
  /** weights by crossbar name, before and after learning (either may be missing) */
  weights?: { before?: Record<string, number[]>; after?: Record<string, number[]> };
  waveforms?: WaveformSection;
  energy?: EnergyDocument;
  timing?: TimingReport;
  verify?: VerifySection;
  evaluation?: EvaluationSection;
  dynamics?: DynamicsSection;
}

/** Weights of every crossbar of a circuit, by name. */
export function crossbarWeights(c: { crossbars: { name: string; weights: number[] }[] }): Record<string, number[]> {
  return Object.fromEntries(c.crossbars.map((x) => [x.name, [...x.weights]]));
}
