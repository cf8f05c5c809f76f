// `vle compile`: a network description -> a compiled circuit file (.pb binary or .json), written atomically.
import { basename } from "node:path";
import type { Command } from "commander";
import { writeCircuit } from "../../../circuits/codec.js";
import { UsageError } from "../../../circuits/errors.js";
import { checkDistinct } from "../../../circuits/files.js";
import { compileFile, passes, withTarget } from "../../../compiler/index.js";
import { loopWarnings } from "../../analyze/loop-gain.js";
import { hardwareSummary } from "../../report/hardware-summary.js";
import type { Circuit } from "../../../circuits/model.js";
import { renamedOption } from "../options.js";

/**
 * Compiles `description` (for the technology card `card`, when given) and writes the circuit to `output` (binary unless
 * it ends in .json; default: the description's name with .pb in the working directory); returns the output path.
 */
export function compileCommand(description: string, output?: string, card?: string): string {
  return compileAndWrite(description, output, card).target;
}

function compileAndWrite(description: string, output?: string, card?: string): { target: string; circuit: Circuit } {
  const target = output ?? basename(description).replace(/\.(ya?ml|json)$/i, "") + ".pb";
  if (!/\.(pb|json)$/i.test(target)) throw new UsageError(`${target}: the output must end in .pb (binary) or .json`);
  checkDistinct({ description }, { "the output": target });
  const circuit = compileFile(description, card === undefined ? passes : withTarget(passes, card));
  writeCircuit(target, circuit);
  return { target, circuit };
}

export function registerCompile(program: Command): void {
  const command = program
    .command("compile")
    .argument("<description>", "network description file")
    .option(
      "-o, --out <file>",
      "output circuit file (.pb binary or .json); default: the description's name with .pb, in the working directory",
    )
    .option(
      "--chip <card>",
      "compile for a chip: technology card in circuits/tech (overrides the description's hardware.card)",
    );
  renamedOption(renamedOption(command, "--output", "--out"), "--target", "--chip").action(
    (description: string, opts: { out?: string; chip?: string }) => {
      const { target, circuit } = compileAndWrite(description, opts.out, opts.chip);
      for (const line of loopWarnings(circuit)) process.stderr.write(`vle: ${line}\n`);
      for (const line of hardwareSummary(circuit)) process.stdout.write(`${line}\n`);
      process.stdout.write(`wrote ${target}\n`);
    },
  );
}
