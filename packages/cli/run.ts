// The `vle` program in-process: registers every subcommand, runs one command line, turns errors into one line and an exit code.
import { Command, CommanderError } from "commander";
import { oneLine, UsageError, VleError } from "../../circuits/errors.js";
import { version } from "../../compiler/version.js";
import { commands } from "./commands.js";

/** A fresh `vle` program (commander keeps parsed options on its commands, so each run builds its own). */
function createProgram(): Command {
  return new Command("vle")
    .description("compiler and cycle-accurate mixed-signal simulator for chips that learn on-chip with VLE/GLE")
    .version(version)
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      // usage errors in the same one-line form as every other error; a flag parser's message already names the flag
      outputError: (s, write) =>
        write(
          `vle: ${oneLine(
            s
              .trim()
              .replace(/\s*\n\s*/g, " ")
              .replace(/^error: /, "")
              .replace(/^option '[^']*' argument '[^']*' is invalid\. /, ""),
          )}\n`,
        ),
    });
}

/**
 * Loads the module of the command being run (`vle <name> ...` or `vle help <name>`) and lists the others by name and
 * summary only, so start-up pays for one command's imports.
 */
async function registerCommands(program: Command, argv: string[]): Promise<void> {
  const words = argv.slice(2);
  const name = words[0] === "help" ? words[1] : words[0];
  for (const entry of commands) {
    if (entry.name === name) {
      (await entry.load()).register(program);
      program.commands.find((c) => c.name() === entry.name)!.description(entry.summary);
    } else program.command(entry.name).description(entry.summary);
  }
}

/** Runs `vle` with `argv` (as process.argv: node, script, args...); returns the exit code: 0 ok, 1 bad input or failed check, 2 usage. */
export async function runVle(argv: string[]): Promise<number> {
  const program = createProgram();
  try {
    await registerCommands(program, argv);
    await program.parseAsync(argv);
    // a command sets process.exitCode for a failed check (verify); taken here so the next run starts clean
    const code = typeof process.exitCode === "number" ? process.exitCode : 0;
    process.exitCode = undefined;
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof VleError) {
      process.stderr.write(`vle: ${err.message}\n`);
      return err instanceof UsageError ? 2 : 1;
    }
    const e = err as Error;
    process.stderr.write(
      `vle: internal error: ${oneLine(e?.message ?? String(err))} (please report this with the command that caused it)\n`,
    );
    return 1;
  }
}
