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
