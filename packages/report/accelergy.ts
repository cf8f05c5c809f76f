// The action counts of a training run in Accelergy's action-count format (version 0.4), so the chip and the BPTT baseline can be priced with Accelergy.
import { stringify } from "yaml";
import { precisions } from "../../simulator/meters/bptt-baseline.js";
import type { OpCounts } from "../../simulator/meters/counts.js";
import type { EnergyDocument } from "./energy.js";

/** The chip component and action each counted operation kind is (static leakage counts clock cycles, as Accelergy's leak does). */
const chipActions: Record<Exclude<keyof OpCounts, "ticks" | "samples">, [string, string]> = {
  cycles: ["weight_store", "leak"],
  crossbarForwardReads: ["crossbar", "read_forward"],
  crossbarTransposedReads: ["crossbar", "read_transposed"],
  broadcastReads: ["broadcast_matrix", "read"],
  dacConversions: ["dac", "convert"],
  adcConversions: ["adc", "convert"],
  integratorTicks: ["integrator", "tick"],
  weightWrites: ["weight_store", "write"],
  cellParameterWrites: ["cell_parameter_store", "write"],
  erProducts: ["plasticity_controller", "er_product"],
  weightReads: ["weight_store", "read"],
  randomBits: ["random_number_generator", "bit"],
  accumulatorUpdates: ["update_accumulator", "read_modify_write"],
  coprocessorUpdates: ["adam_coprocessor", "update"],
  packets: ["noc", "packet"],
  packetHops: ["noc", "packet_hop"],
  idleCycles: ["core", "idle"],
};

interface Local {
  name: string;
  action_counts: { name: string; counts: number }[];
}

function locals(entries: [string, string, number][]): Local[] {
  const byComponent = new Map<string, Local>();
  for (const [component, action, count] of entries) {
    if (!(count > 0)) continue;
    const local = byComponent.get(component) ?? { name: component, action_counts: [] };
    byComponent.set(component, local);
    const same = local.action_counts.find((a) => a.name === action);
    if (same) same.counts += Math.round(count);
    else local.action_counts.push({ name: action, counts: Math.round(count) });
  }
  return [...byComponent.values()];
}

/**
 * The run's action counts: the chip's under `system.chip`, and with --vs bptt the baseline's under
 * `system.bptt_<precision>` (memory actions count words of the precision's width, gradients 32 bit).
 */
export function accelergyActionCounts(doc: EnergyDocument): string {
  const n = doc.run.samples;
  const chip = locals(
    (Object.keys(chipActions) as (keyof typeof chipActions)[]).map((k) => [
      chipActions[k][0],
      chipActions[k][1],
      doc.counts.perSample[k] * n,
    ]),
  );
  const subtree: { name: string; local: Local[] }[] = [{ name: "chip", local: chip }];
  if (doc.vs) {
    const batches = n / doc.run.batch;
    for (const p of precisions)
      subtree.push({
        name: `bptt_${p}`,
        local: locals(doc.vs.bptt[p].actions.map((a) => [a.component, a.action, a.count * batches])),
      });
  }
  const header = [
    `# Action counts of one training run of '${doc.circuit}' on task ${doc.run.task}: ${n} sequences of ${doc.run.ticks} steps`,
    `# (chip counts: ${doc.counts.source}; BPTT batch ${doc.run.batch}). Accelergy action-count format, version 0.4:`,
    "# price them with an architecture whose components are named system.chip.<component> and system.bptt_<precision>.<component>.",
  ];
  return `${header.join("\n")}\n${stringify({ action_counts: { version: 0.4, subtree: [{ name: "system", subtree }] } })}`;
}
