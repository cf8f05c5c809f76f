// The one error type users see: a one-line message naming the place (file, line, field or element) and the fix.
export class VleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VleError";
  }
}

/** Throws a VleError when `ok` is false; for checks whose message names the place. */
export function check(ok: boolean, message: string | (() => string)): asserts ok {
  if (!ok) throw new VleError(typeof message === "string" ? message : message());
}

/** A command used wrongly (a bad flag value or combination of flags): the CLI exits 2 instead of 1. */
export class UsageError extends VleError {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
