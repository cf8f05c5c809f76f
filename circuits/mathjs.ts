// mathjs loaded on first use: it costs about a second of CPU, so commands that never meet a unit start fast.
import { createRequire } from "node:module";

type MathJs = typeof import("mathjs");
let mathjs: MathJs | undefined;

/** The mathjs module, loaded on the first call (synchronously, through its CommonJS build). */
export function math(): MathJs {
  return (mathjs ??= createRequire(import.meta.url)("mathjs") as MathJs);
}
