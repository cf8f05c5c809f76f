// The BPTT baseline: energy and latency of training the same network by backpropagation through time on a digital accelerator at the chip's node, with a register file / SRAM / DRAM hierarchy.
import { acceleratorEntries, entry, requireEntries, type TechCard } from "../../circuits/tech.js";
import type { Circuit } from "../../circuits/model.js";
import type { EnergyLine } from "./energy.js";

export const precisions = ["fp32", "fp16", "int8"] as const;
export type Precision = (typeof precisions)[number];

export interface BpttWorkload {
  /** time steps per sequence */
  ticks: number;
  /** sequences per batch: trained together, weights read once per step for the batch, one update per batch */
  batch: number;
  precision: Precision;
}

/** Where a stored quantity sits: the innermost level with room for it. */
type Level = "register file" | "SRAM" | "DRAM";

export interface BpttReport {
  card: string;
  precision: Precision;
  /** digital energies x this factor: the chip's node over the accelerator's (1 when no chip card is given) */
  nodeScale: number;
  node: string;
  /** the lines of one batch */
  lines: EnergyLine[];
  total: number;
  batch: number;
  /** per sample: the batch's energy / batch; seconds = the batch's latency / batch (B sequences run side by side) */
  perSample: { energy: number; seconds: number };
  /** latency of one batch: T sequential forward steps, T sequential backward steps and the update */
  latency: { forwardStepCycles: number; backwardStepCycles: number; updateCycles: number; seconds: number };
  storage: {
    parameterBytes: number;
    parameters: Level;
    /** the batch's stored activations (2 values per neuron and step) and the bytes held at each level */
    activationBytes: number;
    activations: Record<Level, number>;
    spilledBytes: number;
  };
  /**
   * how dW is gathered: in the register file once per step (the gradients live there), or, when they do not fit,
   * output-stationary after the sweep from the errors stored per step (each gradient written once per batch)
   */
  gradients: "per step in the register file" | "after the sweep from stored errors";
  /** the counts of one batch by component and action, for Accelergy */
  actions: AcceleratorAction[];
  assumptions: string[];
}

/** One Accelergy action: `count` actions of `action` on `component`, each moving `bits` (0 for compute). */
interface AcceleratorAction {
  component: "mac" | "register_file" | "sram" | "dram";
  action: string;
  count: number;
  bits: number;
}

/**
 * Elementwise operations per neuron and step. Forward: input + bias, leak, Euler step, prospective readout, phi.
 * Backward (populations that need an error): phi' recomputed from the stored u~, the error product, the error
 * cell's leak and step, its prospective readout, the bias and tau gradients, and the carry to the previous step.
 */
const ELEMENTWISE_FORWARD = 5;
const ELEMENTWISE_BACKWARD = 11;
/** Values stored per neuron and step for the backward sweep: r (for the dW products) and u~ (phi' is recomputed). */
const STORED_PER_NEURON_STEP = 2;
const GRADIENT_BITS = 32;

const bitsOf: Record<Precision, number> = { fp32: 32, fp16: 16, int8: 8 };

/**
 * Populations whose error BPTT must compute: those holding parameters (plastic bias or tau_m, or the post of a
 * plastic crossbar) and every population downstream of one (their errors carry the gradient back to it).
 */
function needsError(c: Circuit): Set<string> {
  const need = new Set<string>();
  for (const p of c.populations) if (p.plasticBias || p.plasticTauM) need.add(p.name);
  for (const x of c.crossbars) if (x.plastic) need.add(x.post);
  let grown = true;
  while (grown) {
    grown = false;
    for (const x of c.crossbars)
      if (need.has(x.pre) && !need.has(x.post)) {
        need.add(x.post);
        grown = true;
      }
  }
  return need;
}

/** Crossbars BPTT reads transposed: the post needs an error and the pre is a population that needs one too. */
function transposedCrossbars(c: Circuit, need: Set<string>): Circuit["crossbars"] {
  return c.crossbars.filter((x) => need.has(x.post) && need.has(x.pre));
}

const bpttAssumptions = (r: BpttReport, units: number, clockHz: number) => [
  `the circuit's network (crossbars as dense matrices; exact transposes; feedback and broadcast matrices unused) trained by BPTT in ${r.precision}: ${r.precision === "int8" ? "int8 weights and activations, int32 accumulators" : r.precision === "fp16" ? "fp16 weights and activations, fp32 accumulators" : "everything 32 bit"}, gradients ${GRADIENT_BITS} bit`,
  `digital energies are the accelerator card's (${r.card}) x ${r.nodeScale.toPrecision(3)} = digital_energy_factor of ${r.node} / that of the accelerator's node (Stillmaker and Baas 2017); DRAM energy is not scaled`,
  `per step and sample: forward MACs = synapses; backward MACs = synapses read transposed (pre and post need an error) + synapses of plastic crossbars (dW accumulated as the sweep goes)`,
  `${ELEMENTWISE_FORWARD} forward elementwise operations per neuron and step, ${ELEMENTWISE_BACKWARD} backward per neuron that needs an error`,
  `${STORED_PER_NEURON_STEP} values stored per neuron and step (r and u~; phi' recomputed)${r.gradients === "per step in the register file" ? "" : ", and the error of each neuron that needs one"}: O(N T B), placed in the register file left after the parameters, then the SRAM, then DRAM`,
  `weights and gradients stay in the innermost level that holds them all (here: ${r.storage.parameters}); weights are read once per step for the whole batch, forward and backward`,
  r.gradients === "per step in the register file"
    ? "dW gathered as the sweep goes: the gradient of a plastic synapse read and written in the register file once per step (the batch summed in the MAC's accumulator)"
    : "dW gathered after the sweep, output-stationary: each MAC unit holds one gradient of a square block in its accumulator while the block's stored errors and rates of every step and sequence stream past, then writes it once",
  `one SGD update per batch of ${r.batch}: read weight and gradient, write weight, 2 elementwise operations per parameter`,
  `time: T forward steps then T backward steps, each a chain of dependent operations on ${units} MAC units at ${clockHz / 1e6} MHz (work / units + op_latency_cycles per operation), DRAM traffic of a step overlapped with its compute (the larger counts); no static power (optimistic for BPTT)`,
  `inputs and targets are not counted (the chip needs them too)`,
];

/** Energy and latency of BPTT training of the circuit's network on the accelerator `card`, scaled to `chip`'s node. */
export function bpttEnergy(c: Circuit, work: BpttWorkload, card: TechCard, chip?: TechCard): BpttReport {
  requireEntries(card, acceleratorEntries, "the BPTT baseline");
  if (chip) requireEntries(chip, ["digital_energy_factor"], "the BPTT baseline (scaling to the chip's node)");
  const e = (name: Parameters<typeof entry>[1]) => entry(card, name);
  const nodeScale = chip ? entry(chip, "digital_energy_factor") / e("digital_energy_factor") : 1;
  const p = work.precision;
  const T = work.ticks;
  const B = Math.max(1, work.batch);
  const bits = bitsOf[p];
  const need = needsError(c);
  const synapses = c.crossbars.reduce((a, x) => a + x.rows * x.cols, 0);
  const plasticSynapses = c.crossbars.reduce((a, x) => a + (x.plastic ? x.rows * x.cols : 0), 0);
  const transposed = transposedCrossbars(c, need);
  const transposedSynapses = transposed.reduce((a, x) => a + x.rows * x.cols, 0);
  const neurons = c.populations.reduce((a, q) => a + q.size, 0);
  const errorNeurons = c.populations.reduce((a, q) => a + (need.has(q.name) ? q.size : 0), 0);
  const cellParameters = c.populations.reduce(
    (a, q) => a + (q.plasticBias ? q.size : 0) + (q.plasticTauM ? q.size : 0),
    0,
  );
  const parameters = plasticSynapses + cellParameters;

  const scaled = (name: Parameters<typeof entry>[1]) => e(name) * nodeScale;
  const mac = scaled(`mac_energy_${p}`);
  const elementwise = scaled(`elementwise_energy_${p}`);
  const read: Record<Level, number> = {
    "register file": scaled("register_file_energy_per_bit"),
    SRAM: scaled("sram_read_energy_per_bit"),
    DRAM: e("dram_energy_per_bit"),
  };
  const write: Record<Level, number> = {
    "register file": scaled("register_file_energy_per_bit"),
    SRAM: scaled("sram_write_energy_per_bit"),
    DRAM: e("dram_energy_per_bit"),
  };
  const entryOf = (level: Level, w: boolean) =>
    level === "register file"
      ? "register_file_energy_per_bit"
      : level === "SRAM"
        ? w
          ? "sram_write_energy_per_bit"
          : "sram_read_energy_per_bit"
        : "dram_energy_per_bit";

  // placement: parameters innermost where they all fit, then the activations fill what is left, level by level
  const capacity: Record<Level, number> = {
    "register file": e("register_file_capacity"),
    SRAM: e("sram_capacity"),
    DRAM: Infinity,
  };
  const parameterBytes = (synapses * bits + parameters * GRADIENT_BITS) / 8;
  const levels: Level[] = ["register file", "SRAM", "DRAM"];
  const parametersAt = levels.find((l) => parameterBytes <= capacity[l])!;
  // dW per step in the register file when the gradients live there; otherwise from errors stored per step
  const gradientsInRf = parametersAt === "register file";
  const storedPerStep = neurons * STORED_PER_NEURON_STEP + (gradientsInRf ? 0 : errorNeurons);
  const activationBytes = (B * T * storedPerStep * bits) / 8;
  const activations = { "register file": 0, SRAM: 0, DRAM: 0 } as Record<Level, number>;
  let left = activationBytes;
  for (const l of levels) {
    const free = Math.max(0, capacity[l] - (l === parametersAt ? parameterBytes : 0));
    activations[l] = Math.min(left, free);
    left -= activations[l];
  }
  const share = (l: Level) => (activationBytes > 0 ? activations[l] / activationBytes : 0);

  const storedBits = B * T * storedPerStep * bits;
  const lines: Omit<EnergyLine, "energy">[] = [];
  const actions: AcceleratorAction[] = [];
  const add = (
    component: string,
    count: EnergyLine["count"],
    amount: number,
    unitEnergy: number,
    entryName: string,
    action?: AcceleratorAction,
  ) => {
    const scaledEntry = entryName !== "dram_energy_per_bit";
    lines.push({
      component,
      count,
      amount,
      unitEnergy,
      formula: scaledEntry && nodeScale !== 1 ? `${entryName} x ${nodeScale.toPrecision(3)} (node)` : entryName,
      entries: scaledEntry && chip ? [entryName, "digital_energy_factor"] : [entryName],
    });
    if (action && amount > 0) actions.push(action);
  };
  const macs = (name: string, n: number) =>
    add(name, "MACs", n, mac, `mac_energy_${p}`, {
      component: "mac",
      action: name.replace(/ /g, "_"),
      count: n,
      bits: 0,
    });
  macs("forward MACs", B * T * synapses);
  macs("backward MACs", B * T * (transposedSynapses + plasticSynapses));
  const ew = B * T * (neurons * ELEMENTWISE_FORWARD + errorNeurons * ELEMENTWISE_BACKWARD);
  add("elementwise operations", "operations", ew, elementwise, `elementwise_energy_${p}`, {
    component: "mac",
    action: "elementwise",
    count: ew,
    bits: 0,
  });
  const component = (l: Level) => (l === "register file" ? "register_file" : l === "SRAM" ? "sram" : "dram");
  const memory = (name: string, level: Level, w: boolean, amountBits: number, width: number) =>
    add(`${name} (${level})`, "bits", amountBits, w ? write[level] : read[level], entryOf(level, w), {
      component: component(level),
      action: w ? "write" : "read",
      count: amountBits / width,
      bits: width,
    });
  memory("weight reads", parametersAt, false, T * (synapses + transposedSynapses) * bits, bits);
  if (gradientsInRf) {
    memory("gradient reads", parametersAt, false, T * parameters * GRADIENT_BITS, GRADIENT_BITS);
    memory("gradient writes", parametersAt, true, T * parameters * GRADIENT_BITS, GRADIENT_BITS);
  } else {
    // groups of mac_units gradients, each a sqrt(units) x sqrt(units) block: per step and sequence it reads
    // sqrt(units) stored errors and sqrt(units) stored rates, broadcast along its rows and columns
    const side = Math.ceil(Math.sqrt(e("mac_units")));
    const groups = Math.ceil(plasticSynapses / (side * side));
    const operandBits = groups * B * T * 2 * side * bits;
    for (const l of levels) if (share(l) > 0) memory("dW operand reads", l, false, operandBits * share(l), bits);
    memory("gradient writes", parametersAt, true, parameters * GRADIENT_BITS, GRADIENT_BITS);
  }
  for (const l of levels) {
    if (share(l) === 0) continue;
    memory("activation stores", l, true, storedBits * share(l), bits);
    memory("activation loads", l, false, storedBits * share(l), bits);
  }
  memory("update: weight and gradient reads", parametersAt, false, parameters * (bits + GRADIENT_BITS), bits);
  memory("update: weight writes", parametersAt, true, parameters * bits, bits);
  add("update arithmetic", "operations", 2 * parameters, elementwise, `elementwise_energy_${p}`, {
    component: "mac",
    action: "update",
    count: 2 * parameters,
    bits: 0,
  });
  const priced = lines.map((l) => ({ ...l, energy: l.amount * l.unitEnergy }));
  const total = priced.reduce((a, l) => a + l.energy, 0);

  // latency: every operation of a step waits for the one before it; its work is spread over the MAC units
  const units = e("mac_units"),
    opLatency = e("op_latency_cycles"),
    clock = e("accelerator_clock");
  const op = (work: number) => (work > 0 ? Math.ceil(work / units) + opLatency : 0);
  const forwardCompute =
    c.crossbars.reduce((a, x) => a + op(B * x.rows * x.cols), 0) +
    c.populations.reduce((a, q) => a + op(B * q.size * ELEMENTWISE_FORWARD), 0);
  const backwardCompute =
    transposed.reduce((a, x) => a + op(B * x.rows * x.cols), 0) +
    c.crossbars.reduce((a, x) => a + (x.plastic ? op(B * x.rows * x.cols) : 0), 0) +
    c.populations.reduce((a, q) => a + (need.has(q.name) ? op(B * q.size * ELEMENTWISE_BACKWARD) : 0), 0);
  // DRAM traffic of one step in cycles at the memory bandwidth: spilled activations, and parameters when they live there
  const dramCycles = (stepBits: number) => Math.ceil(((stepBits / 8) * clock) / e("dram_bandwidth"));
  const spilledPerStep = (storedBits * share("DRAM")) / Math.max(1, T);
  const parametersInDram = parametersAt === "DRAM";
  const forwardStepCycles = Math.max(
    forwardCompute,
    dramCycles(spilledPerStep + (parametersInDram ? synapses * bits : 0)),
  );
  const backwardStepCycles = Math.max(
    backwardCompute,
    dramCycles(spilledPerStep + (parametersInDram ? transposedSynapses * bits + 2 * parameters * GRADIENT_BITS : 0)),
  );
  const updateCycles = op(2 * parameters);
  const seconds = (T * (forwardStepCycles + backwardStepCycles) + updateCycles) / clock;

  const report: BpttReport = {
    card: card.name,
    precision: p,
    nodeScale,
    node: chip ? chip.node : card.node,
    lines: priced,
    total,
    batch: B,
    perSample: { energy: total / B, seconds: seconds / B },
    latency: { forwardStepCycles, backwardStepCycles, updateCycles, seconds },
    storage: {
      parameterBytes,
      parameters: parametersAt,
      activationBytes,
      activations,
      spilledBytes: activations.DRAM,
    },
    gradients: gradientsInRf ? "per step in the register file" : "after the sweep from stored errors",
    actions,
    assumptions: [],
  };
  report.assumptions = bpttAssumptions(report, units, clock);
  return report;
}
