#!/usr/bin/env node
// The `vle` command: registers every subcommand and turns errors into one line and an exit code.
import { Command, CommanderError } from "commander";
import { VleError } from "../../circuits/errors.js";
import { version } from "../../compiler/version.js";
import { registerInspect } from "./commands/inspect.js";
import { registerCompile } from "./commands/compile.js";
import { registerSimulate } from "./commands/simulate.js";
import { registerTrain } from "./commands/train.js";
import { registerDemo } from "./commands/demo.js";
import { registerExportSpice } from "./commands/export-spice.js";
import { registerSpiceCheck } from "./commands/spice-check.js";
import { registerEnergy } from "./commands/energy.js";
import { registerAlign } from "./commands/align.js";
import { registerVerify } from "./commands/verify.js";

const program = new Command("vle")
  .description("compiler and cycle-accurate mixed-signal simulator for chips that learn on-chip with VLE/GLE")
  .version(version)
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

// one line per subcommand; each lives in commands/<name>.ts
registerInspect(program);
registerCompile(program);
registerSimulate(program);
registerTrain(program);
registerDemo(program);
registerExportSpice(program);
registerSpiceCheck(program);
registerEnergy(program);
registerAlign(program);
registerVerify(program);

/** Exit codes: 0 ok, 1 bad input or failed check, 2 usage. */
async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof VleError) {
      process.stderr.write(`vle: ${err.message}\n`);
      return 1;
    }
    const e = err as Error;
    process.stderr.write(
      `vle: internal error: ${e?.message ?? String(err)} (please report this with the command that caused it)\n`,
    );
    return 1;
  }
}

process.exit(await main(process.argv));
