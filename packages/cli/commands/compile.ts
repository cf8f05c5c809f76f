// `vle compile`: a network description -> a compiled circuit file (.pb binary or .json), written atomically.
import type { Command } from "commander";
import { writeCircuit } from "../../../circuits/codec.js";
import { VleError } from "../../../circuits/errors.js";
import { compileFile, passes } from "../../../compiler/index.js";
import { withTarget } from "../../../compiler/passes/hardware-spec.js";
import { quantizePass } from "../../../compiler/passes/quantize.js";
import { hardwareSummary } from "../../report/hardware-summary.js";
import type { Circuit } from "../../../circuits/model.js";

/** Compiles `description` (for the technology card `card`, when given) and writes the circuit to `output` (binary unless it ends in .json); returns the output path. */
export function compileCommand(description: string, output?: string, card?: string): string {
  return compileAndWrite(description, output, card).target;
}

function compileAndWrite(description: string, output?: string, card?: string): { target: string; circuit: Circuit } {
  const target = output ?? description.replace(/\.(ya?ml|json)$/i, "") + ".pb";
  if (!/\.(pb|json)$/i.test(target)) throw new VleError(`${target}: the output must end in .pb (binary) or .json`);
  if (target === description)
    throw new VleError(`${target}: the output would overwrite the description; choose another -o`);
  const circuit = compileFile(description, card === undefined ? passes : withTarget(passes, card, quantizePass));
  writeCircuit(target, circuit);
  return { target, circuit };
}

export function registerCompile(program: Command): void {
  program
    .command("compile")
    .argument("<description>", "network description file")
    .option(
      "-o, --output <file>",
      "output circuit file (.pb binary or .json); default: the description's name with .pb",
    )
    .option(
      "--target <card>",
      "compile for a chip: technology card in circuits/tech (overrides the description's hardware.card)",
    )
    .action((description: string, opts: { output?: string; target?: string }) => {
      const { target, circuit } = compileAndWrite(description, opts.output, opts.target);
      for (const line of hardwareSummary(circuit)) process.stdout.write(`${line}\n`);
      process.stdout.write(`wrote ${target}\n`);
    });
}
