// A task's sequences as the tables `vle simulate --input/--target` reads: CSV, one row per step, a `sample` column for several sequences.
import { writeFileAtomic } from "../../circuits/files.js";
import type { Circuit } from "../../circuits/model.js";
import type { Task } from "./task.js";

export interface ExportedTables {
  input: string;
  target: string;
  sequences: number;
  steps: number;
}

/** The column names of a circuit's ports, `<port>[<i>]` in port order (the order the task's channels follow). */
const columns = (ports: { name: string; size: number }[]) =>
  ports.flatMap((p) => Array.from({ length: p.size }, (_, i) => `${p.name}[${i}]`));

/**
 * Writes sequences `first .. first + count - 1` of the task's train or test set: inputs to `inputFile`, targets to
 * `targetFile` (empty cells on steps without a target).
 */
export function exportTask(
  task: Task,
  circuit: Circuit,
  split: "train" | "test",
  first: number,
  count: number,
  inputFile: string,
  targetFile: string,
): ExportedTables {
  const set = split === "train" ? task.train : task.test;
  const inputs = columns(circuit.inputs);
  const outputs = columns(
    circuit.outputs.map((o) => ({
      name: o.name,
      size: circuit.populations.find((p) => p.name === o.population)!.size,
    })),
  );
  const many = count > 1;
  const head = (names: string[]) => (many ? ["sample", ...names] : names).join(",") + "\n";
  const input = [head(inputs)],
    target = [head(outputs)];
  for (let k = 0; k < count; k++) {
    const seq = set.sequence(first + k);
    const prefix = many ? `${k},` : "";
    for (let s = 0; s < task.steps; s++) {
      const x = seq.input.subarray(s * task.inputChannels, (s + 1) * task.inputChannels);
      input.push(prefix + Array.from(x, String).join(",") + "\n");
      const y = seq.target.subarray(s * task.outputChannels, (s + 1) * task.outputChannels);
      target.push(prefix + (seq.mask[s] ? Array.from(y, String) : outputs.map(() => "")).join(",") + "\n");
    }
  }
  writeFileAtomic(inputFile, input.join(""));
  writeFileAtomic(targetFile, target.join(""));
  return { input: inputFile, target: targetFile, sequences: count, steps: task.steps };
}
