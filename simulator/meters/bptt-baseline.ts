// The BPTT baseline: energy and time of training the same network by backpropagation through time on a digital accelerator (fp32 or int8), from a card.
import { acceleratorEntries, entry, requireEntries, type TechCard } from "../../circuits/tech.js";
import type { Circuit } from "../../circuits/model.js";
import type { EnergyLine } from "./energy.js";

export type Precision = "fp32" | "int8";

export interface BpttWorkload {
  /** time steps per sequence */
  ticks: number;
  /** sequences trained on */
  samples: number;
  /** sequences per batch: weights are read once per step for the whole batch, and the batch's activations are stored together */
  batch: number;
  precision: Precision;
}

export interface BpttReport {
  card: string;
  precision: Precision;
  lines: EnergyLine[];
  total: number;
  /** accelerator time of the run (s): per batch, the larger of compute at peak MAC rate and DRAM traffic at peak bandwidth */
  seconds: number;
  samples: number;
  perSample: { energy: number; seconds: number };
  /** the activation store of one batch and how much of it spills past the SRAM */
  storage: { activationBytes: number; sramFreeBytes: number; spilledBytes: number };
  assumptions: string[];
}

/** Elementwise operations per neuron and step: forward (input + bias, leak, Euler step, prospective readout, phi, phi') and backward (their adjoints, the error and the tau gradient). */
export const ELEMENTWISE_FORWARD = 6;
export const ELEMENTWISE_BACKWARD = 10;
/** Values stored per neuron and step for the backward sweep: the rate r (for dW), phi' (for the error) and the error delta (for the dW product after the sweep). */
export const STORED_PER_NEURON_STEP = 3;

export const bpttAssumptions = [
  `the network of the circuit (its crossbars as dense matrices, exact transposes for the backward pass; feedback and broadcast matrices unused)`,
  `per step: forward MACs = synapses; backward MACs = 2 x synapses (W^T delta, and delta r^T for dW computed as one product over the sequence after the sweep)`,
  `${ELEMENTWISE_FORWARD} forward and ${ELEMENTWISE_BACKWARD} backward elementwise operations per neuron and step`,
  `${STORED_PER_NEURON_STEP} values stored per neuron and step (r, phi', delta): O(N T) per sequence, the whole batch resident; what exceeds the SRAM left after weights and gradients is written to and read back from DRAM`,
  `weights are read once per step for the whole batch (forward and backward), from SRAM when weights and gradients fit, else from DRAM; one update per batch reads weights and gradients and writes weights`,
  `int8: int8 weights and activations, int32 accumulators and gradients; fp32: everything 32 bit`,
  `time: per batch, the larger of all MACs and elementwise operations at the peak MAC rate and the DRAM traffic at the peak bandwidth (no latency of the T sequential steps, no static power: optimistic for BPTT)`,
  `inputs and targets are not counted (the chip needs them too)`,
];

/** Energy and time of BPTT training of the circuit's network on the accelerator `card`. */
export function bpttEnergy(c: Circuit, work: BpttWorkload, card: TechCard): BpttReport {
  requireEntries(card, acceleratorEntries, "the BPTT baseline");
  const e = (name: Parameters<typeof entry>[1]) => entry(card, name);
  const int8 = work.precision === "int8";
  const T = work.ticks;
  const B = Math.max(1, work.batch);
  const batches = Math.ceil(work.samples / B);
  const synapses = c.crossbars.reduce((a, x) => a + x.rows * x.cols, 0);
  const neurons = c.populations.reduce((a, p) => a + p.size, 0);
  const cellParameters = c.populations.reduce(
    (a, p) => a + (p.plasticBias ? p.size : 0) + (p.plasticTauM ? p.size : 0),
    0,
  );
  const parameters = c.crossbars.reduce((a, x) => a + (x.plastic ? x.rows * x.cols : 0), 0) + cellParameters;
  const weightBits = int8 ? 8 : 32;
  const activationBits = int8 ? 8 : 32;
  const gradientBits = 32;
  const mac = int8 ? e("mac_energy_int8") : e("mac_energy_fp32");
  const elementwise = int8 ? e("elementwise_energy_int8") : e("elementwise_energy_fp32");
  const sramRead = e("sram_read_energy_per_bit");
  const sramWrite = e("sram_write_energy_per_bit");
  const dram = e("dram_energy_per_bit");
  const capacityBytes = e("sram_capacity");

  // where weights and gradients live, and how much SRAM is left for the batch's activations
  const parameterBytes = (synapses * weightBits + parameters * gradientBits) / 8;
  const parametersFit = parameterBytes <= capacityBytes;
  const weightReadPerBit = parametersFit ? sramRead : dram;
  const weightWritePerBit = parametersFit ? sramWrite : dram;
  const sramFreeBytes = Math.max(0, capacityBytes - (parametersFit ? parameterBytes : 0));
  const activationBytes = (B * neurons * T * STORED_PER_NEURON_STEP * activationBits) / 8;
  const spilledBytes = Math.max(0, activationBytes - sramFreeBytes);
  const spilledFraction = activationBytes > 0 ? spilledBytes / activationBytes : 0;
  const storedBitsPerSample = neurons * T * STORED_PER_NEURON_STEP * activationBits;

  const n = work.samples;
  const lines: Omit<EnergyLine, "energy">[] = [
    {
      component: "forward MACs",
      count: "MACs",
      amount: n * T * synapses,
      unitEnergy: mac,
      formula: `mac_energy_${work.precision}`,
      entries: [`mac_energy_${work.precision}`],
    },
    {
      component: "backward MACs",
      count: "MACs",
      amount: n * 2 * T * synapses,
      unitEnergy: mac,
      formula: `mac_energy_${work.precision}`,
      entries: [`mac_energy_${work.precision}`],
    },
    {
      component: "elementwise operations",
      count: "operations",
      amount: n * T * neurons * (ELEMENTWISE_FORWARD + ELEMENTWISE_BACKWARD),
      unitEnergy: elementwise,
      formula: `elementwise_energy_${work.precision}`,
      entries: [`elementwise_energy_${work.precision}`],
    },
    {
      component: `weight reads (${parametersFit ? "SRAM" : "DRAM"})`,
      count: "bits",
      amount: batches * 2 * T * synapses * weightBits,
      unitEnergy: weightReadPerBit,
      formula: parametersFit ? "sram_read_energy_per_bit" : "dram_energy_per_bit",
      entries: [parametersFit ? "sram_read_energy_per_bit" : "dram_energy_per_bit"],
    },
    {
      component: "activation stores (SRAM)",
      count: "bits",
      amount: n * storedBitsPerSample * (1 - spilledFraction),
      unitEnergy: sramWrite,
      formula: "sram_write_energy_per_bit",
      entries: ["sram_write_energy_per_bit"],
    },
    {
      component: "activation loads (SRAM)",
      count: "bits",
      amount: n * storedBitsPerSample * (1 - spilledFraction),
      unitEnergy: sramRead,
      formula: "sram_read_energy_per_bit",
      entries: ["sram_read_energy_per_bit"],
    },
    {
      component: "activation stores (DRAM spill)",
      count: "bits",
      amount: n * storedBitsPerSample * spilledFraction,
      unitEnergy: dram,
      formula: "dram_energy_per_bit",
      entries: ["dram_energy_per_bit"],
    },
    {
      component: "activation loads (DRAM spill)",
      count: "bits",
      amount: n * storedBitsPerSample * spilledFraction,
      unitEnergy: dram,
      formula: "dram_energy_per_bit",
      entries: ["dram_energy_per_bit"],
    },
    {
      component: "weight update reads",
      count: "bits",
      amount: batches * parameters * (weightBits + gradientBits),
      unitEnergy: weightReadPerBit,
      formula: parametersFit ? "sram_read_energy_per_bit" : "dram_energy_per_bit",
      entries: [parametersFit ? "sram_read_energy_per_bit" : "dram_energy_per_bit"],
    },
    {
      component: "weight update writes",
      count: "bits",
      amount: batches * parameters * weightBits,
      unitEnergy: weightWritePerBit,
      formula: parametersFit ? "sram_write_energy_per_bit" : "dram_energy_per_bit",
      entries: [parametersFit ? "sram_write_energy_per_bit" : "dram_energy_per_bit"],
    },
    {
      component: "weight update arithmetic",
      count: "operations",
      amount: batches * parameters * 2,
      unitEnergy: elementwise,
      formula: `elementwise_energy_${work.precision}`,
      entries: [`elementwise_energy_${work.precision}`],
    },
  ];
  const priced = lines.map((l) => ({ ...l, energy: l.amount * l.unitEnergy }));
  const total = priced.reduce((a, l) => a + l.energy, 0);

  // time per batch: roofline of compute and DRAM traffic
  const rate = int8 ? e("mac_rate_int8") : e("mac_rate_fp32");
  const opsPerBatch = B * T * (3 * synapses + neurons * (ELEMENTWISE_FORWARD + ELEMENTWISE_BACKWARD)) + 2 * parameters;
  const dramBitsPerBatch =
    2 * B * storedBitsPerSample * spilledFraction +
    (parametersFit ? 0 : 2 * T * synapses * weightBits + parameters * (2 * weightBits + gradientBits));
  const batchSeconds = Math.max(opsPerBatch / rate, dramBitsPerBatch / 8 / e("dram_bandwidth"));
  const seconds = batches * batchSeconds;
  return {
    card: card.name,
    precision: work.precision,
    lines: priced,
    total,
    seconds,
    samples: n,
    perSample: { energy: total / Math.max(1, n), seconds: seconds / Math.max(1, n) },
    storage: { activationBytes, sramFreeBytes, spilledBytes },
    assumptions: bpttAssumptions,
  };
}
