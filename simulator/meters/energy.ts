// The chip's energy and time from its operation counts and a technology card: one priced line per counted operation, each naming its card entries.
import { VleError } from "../../circuits/errors.js";
import { PlasticityMode, PlasticityRule, type Circuit } from "../../circuits/model.js";
import { chipEnergyEntries, entry, requireEntries, type TechCard } from "../../circuits/tech.js";
import type { OpCounts } from "./counts.js";

/** One component of the energy: count x unit energy = energy, traceable to the count and the card entries. */
export interface EnergyLine {
  component: string;
  /** what is counted: an OpCounts field (static power: cycles) or the baseline's unit (MACs, bits, operations) */
  count: keyof OpCounts | "MACs" | "bits" | "operations";
  amount: number;
  /** joules per counted operation (per clock cycle for static power) */
  unitEnergy: number;
  /** how the unit energy is made, in card entries and circuit fields */
  formula: string;
  /** the card entries (and circuit fields) used */
  entries: string[];
  energy: number;
}

export interface EnergyReport {
  card: string;
  lines: EnergyLine[];
  /** sum of the lines (J) */
  total: number;
  /** chip time of the counted run (s): cycles / f_clk */
  seconds: number;
  samples: number;
  ticks: number;
  perSample: { energy: number; seconds: number };
}

/** Bits of the Adam co-processor's state per parameter: the two fp32 moments. */
const ADAM_STATE_BITS = 64;
/**
 * fp32 operations of one Adam update: first moment (2 multiplies, 1 add), second moment (3 multiplies, 1 add),
 * bias corrections (2), square root, add of epsilon, divide, scale by the rate and add to the weight.
 */
const ADAM_OPS = 14;

/** Mean bits per stored cell over the crossbars selected (weighted by cells). */
function meanBits(c: Circuit, select: (x: Circuit["crossbars"][number]) => boolean): number {
  const h = c.hardware!;
  let cells = 0,
    bits = 0;
  for (const x of c.crossbars) {
    if (!select(x)) continue;
    const store = h.weights.find((w) => w.crossbar === x.name);
    const n = x.rows * x.cols * (x.feedbackWeights.length > 0 ? 2 : 1);
    cells += n;
    bits += n * (store?.bits ?? 0);
  }
  return cells > 0 ? bits / cells : 0;
}

/**
 * Integrator energy per compartment-tick: the transconductor that realizes the leak g_L = C_m / tau
 * (in chip time) draws branches x g_L / (gm/I_D) from the supply for one tick of dt, so
 * E = branches x V_dd x C_m x (dt / tau) / (gm/I_D), independent of the acceleration. Averaged over the
 * membranes (tau_m) and error cells (which integrate with tau_r).
 */
function integratorEnergy(c: Circuit, card: TechCard): { unit: number; meanDtOverTau: number } {
  const h = c.hardware!;
  const learns = new Set(c.errorPopulations.map((e) => e.population));
  let sum = 0,
    n = 0;
  for (const p of c.populations) {
    for (let i = 0; i < p.size; i++) {
      sum += c.dt / p.tauM[i];
      n++;
      if (learns.has(p.name)) {
        sum += c.dt / p.tauR[i];
        n++;
      }
    }
  }
  const meanDtOverTau = n > 0 ? sum / n : 0;
  const unit =
    (entry(card, "integrator_ota_branches") * h.physical.vddV * h.physical.cMF * meanDtOverTau) /
    entry(card, "integrator_gm_over_id");
  return { unit, meanDtOverTau };
}

/** Prices `counts` (from the cycle simulation or analyticCounts) with `card`. */
export function chipEnergy(c: Circuit, counts: OpCounts, card: TechCard): EnergyReport {
  const h = c.hardware;
  if (!h)
    throw new VleError(
      `circuit '${c.name}' has no hardware section; compile it for a chip (vle compile --chip <card>)`,
    );
  requireEntries(card, chipEnergyEntries, "the energy model");
  const e = (name: Parameters<typeof entry>[1]) => entry(card, name);
  const seconds = counts.cycles / h.clockHz;
  const dacScale = 2 ** (h.dac.bits - e("dac_reference_bits"));
  const adcScale = 2 ** (h.adc.bits - e("adc_reference_bits"));
  const writeBits = meanBits(c, (x) => x.plastic);
  const storedBits = c.crossbars.reduce(
    (a, x) =>
      a +
      x.rows *
        x.cols *
        (x.feedbackWeights.length > 0 ? 2 : 1) *
        (h.weights.find((w) => w.crossbar === x.name)?.bits ?? 0),
    0,
  );
  const integrator = integratorEnergy(c, card);
  const read = e("crossbar_read_energy");
  const pl = h.plasticity;
  const accumulates = h.effects.plasticityCircuit && h.effects.plasticitySchedule && pl.mode === PlasticityMode.EVERY_K;
  const adam = h.effects.plasticityCircuit && pl.rule === PlasticityRule.ADAM;
  const plasticCells = c.crossbars.reduce(
    (a, x) => a + (x.plastic ? x.rows * x.cols * (x.feedbackWeights.length > 0 ? 2 : 1) : 0),
    0,
  );
  const cellParameters = c.populations.reduce(
    (a, p) => a + (p.plasticBias ? p.size : 0) + (p.plasticTauM ? p.size : 0),
    0,
  );
  // static: weights, and the accumulators and Adam moments the plasticity circuit keeps
  const stateBits =
    storedBits +
    (accumulates ? plasticCells * pl.accumulatorBits : 0) +
    (adam ? (plasticCells + cellParameters) * ADAM_STATE_BITS : 0);
  const weightRead = e("weight_read_energy_per_bit");
  const lines: Omit<EnergyLine, "energy">[] = [
    {
      component: "crossbar forward reads",
      count: "crossbarForwardReads",
      amount: counts.crossbarForwardReads,
      unitEnergy: read,
      formula: "crossbar_read_energy",
      entries: ["crossbar_read_energy"],
    },
    {
      component: "crossbar transposed reads",
      count: "crossbarTransposedReads",
      amount: counts.crossbarTransposedReads,
      unitEnergy: read,
      formula: "crossbar_read_energy",
      entries: ["crossbar_read_energy"],
    },
    {
      component: "broadcast matrix reads",
      count: "broadcastReads",
      amount: counts.broadcastReads,
      unitEnergy: read,
      formula: "crossbar_read_energy",
      entries: ["crossbar_read_energy"],
    },
    {
      component: "DAC conversions",
      count: "dacConversions",
      amount: counts.dacConversions,
      unitEnergy: e("dac_energy_per_conversion") * dacScale,
      formula: `dac_energy_per_conversion x 2^(${h.dac.bits} - dac_reference_bits)`,
      entries: ["dac_energy_per_conversion", "dac_reference_bits", "hardware.dac.bits"],
    },
    {
      component: "ADC conversions",
      count: "adcConversions",
      amount: counts.adcConversions,
      unitEnergy: e("adc_energy_per_conversion") * adcScale,
      formula: `adc_energy_per_conversion x 2^(${h.adc.bits} - adc_reference_bits)`,
      entries: ["adc_energy_per_conversion", "adc_reference_bits", "hardware.adc.bits"],
    },
    {
      component: "integrator ticks",
      count: "integratorTicks",
      amount: counts.integratorTicks,
      unitEnergy: integrator.unit,
      formula: `integrator_ota_branches x vdd_v x c_m_f x mean(dt/tau) ${integrator.meanDtOverTau.toPrecision(3)} / integrator_gm_over_id`,
      entries: [
        "integrator_ota_branches",
        "integrator_gm_over_id",
        "hardware.physical.vdd_v",
        "hardware.physical.c_m_f",
      ],
    },
    {
      component: "weight writes",
      count: "weightWrites",
      amount: counts.weightWrites,
      unitEnergy: writeBits * e("weight_write_energy_per_bit"),
      formula: `${+writeBits.toPrecision(4)} bits x weight_write_energy_per_bit`,
      entries: ["weight_write_energy_per_bit", "hardware.weights.bits"],
    },
    {
      component: "bias and tau writes",
      count: "cellParameterWrites",
      amount: counts.cellParameterWrites,
      unitEnergy: writeBits * e("weight_write_energy_per_bit"),
      formula: `${+writeBits.toPrecision(4)} bits x weight_write_energy_per_bit (stored like a weight)`,
      entries: ["weight_write_energy_per_bit", "hardware.weights.bits"],
    },
    {
      component: "NoC packet-hops",
      count: "packetHops",
      amount: counts.packetHops,
      unitEnergy: h.noc.packetBits * e("noc_energy_per_bit_hop"),
      formula: `${h.noc.packetBits} packet bits x noc_energy_per_bit_hop`,
      entries: ["noc_energy_per_bit_hop", "hardware.noc.packet_bits"],
    },
    {
      component: "idle core-cycles",
      count: "idleCycles",
      amount: counts.idleCycles,
      unitEnergy: e("idle_cycle_energy"),
      formula: "idle_cycle_energy",
      entries: ["idle_cycle_energy"],
    },
    {
      component: "e*r products (plasticity controller)",
      count: "erProducts",
      amount: counts.erProducts,
      unitEnergy: e("plasticity_mac_energy"),
      formula: "plasticity_mac_energy",
      entries: ["plasticity_mac_energy"],
    },
    {
      component: "weight reads (read-modify-write)",
      count: "weightReads",
      amount: counts.weightReads,
      unitEnergy: writeBits * weightRead,
      formula: `${+writeBits.toPrecision(4)} bits x weight_read_energy_per_bit`,
      entries: ["weight_read_energy_per_bit", "hardware.weights.bits"],
    },
    {
      component: "random bits (stochastic rounding)",
      count: "randomBits",
      amount: counts.randomBits,
      unitEnergy: e("random_bit_energy"),
      formula: "random_bit_energy",
      entries: ["random_bit_energy"],
    },
    {
      component: "update accumulators (every-K)",
      count: "accumulatorUpdates",
      amount: counts.accumulatorUpdates,
      unitEnergy: 2 * pl.accumulatorBits * weightRead,
      formula: `2 x ${pl.accumulatorBits} accumulator bits x weight_read_energy_per_bit (read and write)`,
      entries: ["weight_read_energy_per_bit", "hardware.plasticity.accumulator_bits"],
    },
    {
      component: "Adam co-processor updates",
      count: "coprocessorUpdates",
      amount: counts.coprocessorUpdates,
      unitEnergy: 2 * ADAM_STATE_BITS * weightRead + ADAM_OPS * e("coprocessor_op_energy"),
      formula: `2 x ${ADAM_STATE_BITS} moment bits x weight_read_energy_per_bit + ${ADAM_OPS} x coprocessor_op_energy`,
      entries: ["weight_read_energy_per_bit", "coprocessor_op_energy"],
    },
    {
      component: "static: storage leakage",
      count: "cycles",
      amount: counts.cycles,
      unitEnergy: (stateBits * e("sram_leakage_per_bit")) / h.clockHz,
      formula: `${stateBits} stored bits (weights${accumulates ? ", accumulators" : ""}${adam ? ", Adam moments" : ""}) x sram_leakage_per_bit / clock`,
      entries: ["sram_leakage_per_bit", "hardware.weights.bits"],
    },
  ];
  const priced = lines.map((l) => ({ ...l, energy: l.amount * l.unitEnergy }));
  const total = priced.reduce((a, l) => a + l.energy, 0);
  const samples = Math.max(1, counts.samples);
  return {
    card: card.name,
    lines: priced,
    total,
    seconds,
    samples: counts.samples,
    ticks: counts.ticks,
    perSample: { energy: total / samples, seconds: seconds / samples },
  };
}
