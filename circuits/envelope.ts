// The declared operating envelope of a circuit (membrane rails, input ranges, output tolerances), with the documented defaults where undeclared.
import { Signal, type Circuit, type InputPort, type OutputPort } from "./model.js";

/** The input range assumed where an input port declares none (the quantize pass's default DAC range too). */
const defaultInputRange: readonly [number, number] = [-1, 1];

/** Fraction of an output's rate range assumed as its tolerance where the output declares none. */
const defaultToleranceFraction = 0.1;

/**
 * The rails every membrane u must stay within, in model units: a chip's rails (hardware.physical, volts over
 * volts per unit) when the circuit has a hardware section, else the circuit's declared rails; undefined
 * when neither is declared (an ideal circuit without `rails` has none).
 */
export function railsOf(c: Circuit): [number, number] | undefined {
  const physical = c.hardware?.physical;
  // exactly where hardware mode clips (0.6 V / 0.1 V is 5.999999999999999): print them with formatRail
  if (physical && physical.vUnitV > 0 && physical.railLoV < physical.railHiV)
    return [physical.railLoV / physical.vUnitV, physical.railHiV / physical.vUnitV];
  if (c.railLo !== undefined && c.railHi !== undefined) return [c.railLo, c.railHi];
  return undefined;
}

/** A rail for messages: 12 significant digits, so a chip's 5.999999999999999 reads 6. */
export const formatRail = (x: number) => String(Number(x.toPrecision(12)));

/** The range an input's values are declared to stay in: its own [lo, hi], or [-1, 1] where undeclared. */
export function inputRange(port: InputPort): [number, number] {
  return port.lo !== undefined && port.hi !== undefined
    ? [port.lo, port.hi]
    : [defaultInputRange[0], defaultInputRange[1]];
}

/**
 * The declared bound on |r_hardware - r_ideal| of an output: its own tolerance, or a tenth of the width of its
 * population's rate range on the chip (hardware.ranges) where undeclared, or 0.1 without such a range.
 */
export function outputTolerance(c: Circuit, o: OutputPort): number {
  if (o.tolerance !== undefined) return o.tolerance;
  const range = c.hardware?.ranges.find((r) => r.element === o.population && r.signal === Signal.RATE_SIGNAL);
  return defaultToleranceFraction * (range ? range.hi - range.lo : 1);
}
