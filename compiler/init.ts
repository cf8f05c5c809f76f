// Weight initializers: a description's matrix as values, drawn one entry at a time in row-major [post][pre] order (circuits/random.ts).
import { Random } from "../circuits/random.js";
import type { InitKind, MatrixSpec } from "./graph.js";

/** The initializers and what `scale` means for each (fan_in = pre size = cols, fan_out = post size = rows). */
export const initKinds: Record<InitKind, string> = {
  zeros: "every entry 0 (scale ignored)",
  constant: "every entry = scale",
  uniform: "U(-scale, scale)",
  normal: "N(0, scale^2)",
  xavier: "Glorot uniform: U(-a, a), a = scale * sqrt(6 / (fan_in + fan_out))",
  "xavier-normal": "Glorot normal: N(0, s^2), s = scale * sqrt(2 / (fan_in + fan_out))",
  kaiming: "He normal: N(0, s^2), s = scale * sqrt(2 / fan_in)",
  lecun: "LeCun normal: N(0, s^2), s = scale / sqrt(fan_in)",
  torch: "PyTorch nn.Linear default: U(-a, a), a = scale / sqrt(fan_in)",
};

/** Draws a rows x cols matrix (row-major) from `kind` with `scale` and `seed`. */
export function drawMatrix(kind: InitKind, scale: number, seed: number, rows: number, cols: number): number[] {
  return drawValues(kind, scale, seed, rows * cols, cols, rows);
}

/** Draws `count` values from `kind` with `scale` and `seed`, for the given fan_in and fan_out. */
export function drawValues(
  kind: InitKind,
  scale: number,
  seed: number,
  count: number,
  fanIn: number,
  fanOut: number,
): number[] {
  const rng = new Random(seed);
  const uniform = (a: number) => Array.from({ length: count }, () => a * (2 * rng.uniform() - 1));
  const normal = (s: number) => Array.from({ length: count }, () => s * rng.normal());
  switch (kind) {
    case "zeros":
      return new Array<number>(count).fill(0);
    case "constant":
      return new Array<number>(count).fill(scale);
    case "uniform":
      return uniform(scale);
    case "normal":
      return normal(scale);
    case "xavier":
      return uniform(scale * Math.sqrt(6 / (fanIn + fanOut)));
    case "xavier-normal":
      return normal(scale * Math.sqrt(2 / (fanIn + fanOut)));
    case "kaiming":
      return normal(scale * Math.sqrt(2 / fanIn));
    case "lecun":
      return normal(scale / Math.sqrt(fanIn));
    case "torch":
      return uniform(scale / Math.sqrt(fanIn));
  }
}

/** A matrix spec as row-major rows x cols values: explicit rows, one scalar for all entries, or a seeded draw. */
export function materialize(spec: MatrixSpec, rows: number, cols: number): number[] {
  if (spec.weights?.rows) return spec.weights.rows.flat();
  if (spec.weights) return new Array<number>(rows * cols).fill(spec.weights.scalar!);
  const init = spec.init!;
  return drawMatrix(init.kind, init.scale, init.seed, rows, cols);
}

/** A 31-bit seed from the description's seed and an element's name, so reordering elements keeps every draw. */
export function deriveSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed | 0);
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (h >>> 1) | 0;
}
