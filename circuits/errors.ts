// The one error type users see: a one-line message naming the place (file, line, field or element) and the fix.
export class VleError extends Error {
  constructor(message: string) {
    super(oneLine(message));
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

/** Messages longer than this are cut (a whole file echoed into a message helps no one). */
const MESSAGE_LIMIT = 2000;

/**
 * A message as one printable line: control characters (newlines, NUL, escape sequences, C1, the Unicode line
 * separators) become \n, \t or \u{...} escapes, and a message past MESSAGE_LIMIT characters is cut, saying so.
 */
export function oneLine(message: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this does
  const text = message.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) =>
    c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? "\\t" : `\\u{${c.charCodeAt(0).toString(16)}}`,
  );
  return text.length > MESSAGE_LIMIT
    ? `${text.slice(0, MESSAGE_LIMIT)}... (${text.length - MESSAGE_LIMIT} more characters)`
    : text;
}
