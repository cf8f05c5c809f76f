// `vle import-nir`: a NIR graph (HDF5) -> a network description (.yaml/.json) or a compiled circuit (.pb).
import { basename } from "node:path";
import type { Command } from "commander";
import { Document, isScalar, visit } from "yaml";
import { writeCircuit } from "../../../circuits/codec.js";
import { UsageError, VleError } from "../../../circuits/errors.js";
import { writeFileAtomic } from "../../../circuits/files.js";
import type { Circuit } from "../../../circuits/model.js";
import { compileSource } from "../../../compiler/index.js";
import { readNir } from "../../../compiler/nir/file.js";
import { importNir } from "../../../compiler/nir/import.js";
import { evaluate, isQuantity, isTime, unitSeconds } from "../../../compiler/quantity.js";

/** The time step as a quantity ("10 us", "0.1 ms", "1e-5 s"): its seconds and the unit it was written in. */
export function parseDt(text: string): { seconds: number; unit: { name: string; seconds: number } } {
  let value;
  try {
    value = evaluate(text, { values: new Map() });
  } catch (err) {
    throw new UsageError(`--dt '${text}': ${(err as Error).message}; give a time such as 10us or 0.1ms`);
  }
  if (!isQuantity(value) || !isTime(value))
    throw new UsageError(`--dt '${text}' is not a time; NIR times are in seconds, so give one such as 10us or 0.1ms`);
  const name = value.formatUnits();
  const unitS = unitSeconds(name);
  const seconds = value.toNumber("s");
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new UsageError(`--dt '${text}' must be a positive time`);
  return { seconds, unit: { name, seconds: unitS } };
}

/** The description text of an imported graph, with where it came from on top. */
export function descriptionText(source: string, dt: string, version: string, description: object, json: boolean) {
  if (json) return `${JSON.stringify(description, null, 2)}\n`;
  const head = `# imported from ${basename(source)} (NIR ${version}) by vle import-nir --dt ${dt}\n`;
  // lists of numbers (weights rows, per-neuron values) on one line each
  const doc = new Document(description);
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((item) => isScalar(item))) node.flow = true;
    },
  });
  return head + doc.toString({ lineWidth: 0 });
}

export async function importNirFile(
  path: string,
  dt: string,
  out: string,
): Promise<{ circuit?: Circuit; notes: string[]; populations: number; projections: number }> {
  if (!/\.(ya?ml|json|pb)$/i.test(out))
    throw new UsageError(`${out}: the output must end in .yaml or .json (a description) or .pb (a compiled circuit)`);
  const step = parseDt(dt);
  const graph = await readNir(path);
  const name = basename(path).replace(/\.[^.]*$/, "") || "nir";
  const { description, notes } = importNir(graph, { dtSeconds: step.seconds, unit: step.unit, name, file: path });
  const counts = {
    populations: (description.populations as unknown[]).length,
    projections: (description.projections as unknown[]).length,
  };
  if (/\.pb$/i.test(out)) {
    const text = descriptionText(path, dt, graph.version, description, false);
    let circuit: Circuit;
    try {
      circuit = compileSource(text, `${path} (imported)`);
    } catch (err) {
      if (err instanceof VleError)
        throw new VleError(`${path}: the imported description does not compile: ${err.message}`);
      throw err;
    }
    writeCircuit(out, circuit);
    return { circuit, notes, ...counts };
  }
  writeFileAtomic(out, descriptionText(path, dt, graph.version, description, /\.json$/i.test(out)));
  return { notes, ...counts };
}

export function registerImportNir(program: Command): void {
  program
    .command("import-nir")
    .argument("<graph.nir>", "NIR graph (HDF5, as written by the nir package's nir.write)")
    .requiredOption("--dt <time>", "model time step, a time with a unit (10us, 0.1ms); NIR's times are in seconds")
    .requiredOption("-o, --out <file>", "description to write (.yaml, .json) or compiled circuit (.pb)")
    .action(async (path: string, opts: { dt: string; out: string }) => {
      const result = await importNirFile(path, opts.dt, opts.out);
      for (const note of result.notes) process.stderr.write(`vle: note: ${note}\n`);
      process.stdout.write(
        `wrote ${opts.out}: ${result.populations} populations (inputs included), ${result.projections} projections, dt ${opts.dt}; leaky integrators without prospective readout (tau_r = 0): inference only\n`,
      );
    });
}
