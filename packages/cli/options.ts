// Option parsers and flags every command shares: integers, the technology card (--chip), the main output (-o/--out).
import { InvalidArgumentError, Option, type Command } from "commander";

/** Parses an integer flag value within [min, max]; a bad value is a usage error (exit 2). */
export const integer =
  (flag: string, min: number, max = 2 ** 31 - 1) =>
  (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
      throw new InvalidArgumentError(`${flag} '${value}' must be an integer >= ${min}`);
    return Number(value);
  };

/**
 * Accepts `old` as a hidden alias of `replacement` (a flag renamed for consistency across commands): its value moves
 * to the new option's key with a note on stderr.
 */
export function renamedOption(command: Command, old: string, replacement: string): Command {
  const hidden = new Option(`${old} <value>`).hideHelp();
  const key = hidden.attributeName();
  const target = new Option(`${replacement} <value>`).attributeName();
  return command.addOption(hidden).hook("preAction", (_, action) => {
    const opts = action.opts();
    if (opts[key] === undefined) return;
    process.stderr.write(`vle: ${old} is deprecated here; use ${replacement}\n`);
    if (opts[target] === undefined) action.setOptionValue(target, opts[key]);
    action.setOptionValue(key, undefined);
  });
}
