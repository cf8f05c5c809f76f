// `vle export-nir`: a circuit's trained forward network (weights, biases, time constants, graph) as a NIR graph (HDF5).
import type { Command } from "commander";
import { UsageError } from "../../../circuits/errors.js";
import { exportNir } from "../../../compiler/exporters/nir.js";
import { writeNir } from "../../../compiler/nir/file.js";
import { loadCircuit } from "../../load/load.js";
import { parseDt } from "./import-nir.js";

export async function exportNirFile(path: string, out: string, timeUnit?: string): Promise<string[]> {
  if (!/\.nir$/i.test(out)) throw new UsageError(`${out}: the output must end in .nir`);
  const circuit = loadCircuit(path);
  const { graph, warnings } = exportNir(circuit, timeUnit === undefined ? undefined : parseDt(timeUnit).seconds);
  await writeNir(out, graph);
  return warnings;
}

export function registerExportNir(program: Command): void {
  program
    .command("export-nir")
    .argument("<circuit>", "description (.yaml/.json) or compiled, possibly trained, circuit (.pb/.json)")
    .requiredOption("-o, --out <file.nir>", "NIR graph to write (HDF5)")
    .option(
      "--time-unit <time>",
      "what one model time unit is (10us, 1ms) for a dimensionless circuit (default: the circuit's time base)",
    )
    .action(async (path: string, opts: { out: string; timeUnit?: string }) => {
      const warnings = await exportNirFile(path, opts.out, opts.timeUnit);
      for (const w of warnings) process.stderr.write(`vle: warning: ${w}\n`);
      process.stdout.write(`wrote ${opts.out}\n`);
    });
}
