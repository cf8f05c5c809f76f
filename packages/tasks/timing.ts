// A task's fixed timings in the circuit's one time base: whole steps of dt, or a one-line error saying why not.
import { VleError } from "../../circuits/errors.js";
import type { Circuit } from "../../circuits/model.js";
import { formatSeconds } from "../../circuits/time-base.js";

/** Where a task's timings are stated: in units of `seconds` each (delayed-xor and lagline: 1 ms). */
export interface TaskClock {
  task: string;
  seconds: number;
}

/**
 * Model time units per task time unit. A circuit with a time base converts (rounded to 15 digits, as the compiler
 * converts units, so 1 ms is 1000 us exactly); a dimensionless one takes the task's unit as its model time unit (it
 * declares no seconds of its own, so there is nothing to contradict).
 */
export function modelUnitsPerTaskUnit(clock: TaskClock, circuit: Pick<Circuit, "timeUnitS">): number {
  return circuit.timeUnitS === undefined ? 1 : Number((clock.seconds / circuit.timeUnitS).toPrecision(15));
}

/** The circuit's dt in the task's time units. */
export function taskStep(clock: TaskClock, circuit: Pick<Circuit, "dt" | "timeUnitS">): number {
  return circuit.dt / modelUnitsPerTaskUnit(clock, circuit);
}

/** `time` task units as whole steps of `step`; a timing the circuit's dt cannot express is an error. */
export function wholeSteps(
  clock: TaskClock,
  circuit: Pick<Circuit, "dt" | "timeUnitS">,
  what: string,
  time: number,
): number {
  const step = taskStep(clock, circuit);
  const steps = time / step;
  const k = Math.round(steps);
  if (k < 1 || Math.abs(steps - k) > 1e-9 * Math.max(1, k)) {
    const dt =
      circuit.timeUnitS === undefined
        ? `${circuit.dt} model time units`
        : formatSeconds(circuit.dt * circuit.timeUnitS);
    throw new VleError(
      `task '${clock.task}': its ${what} of ${formatSeconds(time * clock.seconds)} is ${Number(steps.toPrecision(6))} steps of dt = ${dt}, not a whole number; choose a dt that divides ${formatSeconds(time * clock.seconds)}`,
    );
  }
  return k;
}
