// `vle compile`: a network description -> a compiled circuit file (.pb binary or .json), written atomically.
import type { Command } from "commander";
import { writeCircuit } from "../../../circuits/codec.js";
import { VleError } from "../../../circuits/errors.js";
import { compileFile } from "../../../compiler/index.js";

/** Compiles `description` and writes the circuit to `output` (binary unless it ends in .json); returns the output path. */
export function compileCommand(description: string, output?: string): string {
  const target = output ?? description.replace(/\.(ya?ml|json)$/i, "") + ".pb";
  if (!/\.(pb|json)$/i.test(target)) throw new VleError(`${target}: the output must end in .pb (binary) or .json`);
  if (target === description) throw new VleError(`${target}: the output would overwrite the description; choose another -o`);
  const circuit = compileFile(description);
  writeCircuit(target, circuit);
  return target;
}

export function registerCompile(program: Command): void {
  program
    .command("compile")
    .description("compile a network description (.yaml/.json) to a circuit (.pb or .json)")
    .argument("<description>", "network description file")
    .option("-o, --output <file>", "output circuit file (.pb binary or .json); default: the description's name with .pb")
    .action((description: string, opts: { output?: string }) => {
      const target = compileCommand(description, opts.output);
      process.stdout.write(`wrote ${target}\n`);
    });
}
