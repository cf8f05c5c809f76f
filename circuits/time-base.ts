// The circuit's one time base: seconds per model time unit (or none: dimensionless), and times printed with units.
import type { Circuit } from "./model.js";

/** SI prefixes from seconds down to femtoseconds, for printing. */
const prefixes: [number, string][] = [
  [1, "s"],
  [1e-3, "ms"],
  [1e-6, "us"],
  [1e-9, "ns"],
  [1e-12, "ps"],
  [1e-15, "fs"],
];

const round = (x: number) => String(Number(x.toPrecision(6)));

/** Seconds with the largest SI prefix that keeps the number >= 1 ("100 us", "2.5 ms", "30 s"). */
export function formatSeconds(seconds: number): string {
  if (seconds === 0 || !Number.isFinite(seconds)) return `${seconds} s`;
  const a = Math.abs(seconds);
  const [scale, unit] = prefixes.find(([p]) => a >= p * (1 - 1e-12)) ?? prefixes[prefixes.length - 1];
  return `${round(seconds / scale)} ${unit}`;
}

/** A time of `modelTime` model time units as people read it: in seconds when the circuit has a time base. */
export function formatModelTime(c: Pick<Circuit, "timeUnitS">, modelTime: number): string {
  return c.timeUnitS === undefined
    ? `${round(modelTime)} model time unit${modelTime === 1 ? "" : "s"}`
    : formatSeconds(modelTime * c.timeUnitS);
}

/** The time base in words: "1 model time unit = 1 ms" or "dimensionless (no seconds declared)". */
export function describeTimeBase(c: Pick<Circuit, "timeUnitS">): string {
  return c.timeUnitS === undefined
    ? "dimensionless (times in model time units; give dt a unit to declare seconds)"
    : `1 model time unit = ${formatSeconds(c.timeUnitS)}`;
}

/** `steps` steps of dt, with their duration: "110 steps (11 ms)". */
export function formatSteps(c: Pick<Circuit, "timeUnitS" | "dt">, steps: number): string {
  return `${steps} step${steps === 1 ? "" : "s"} (${formatModelTime(c, steps * c.dt)})`;
}
