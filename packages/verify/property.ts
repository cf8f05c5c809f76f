// What a property is and returns, what it runs on, and the fast-check search that finds and shrinks a failing drive.
import fc from "fast-check";
import { VleError } from "../../circuits/errors.js";
import type { Circuit } from "../../circuits/model.js";
import type { Pass } from "../../compiler/index.js";
import { truncate, type Drive } from "./drive.js";

/** What verify checks: a compiled circuit, and the description it came from when there is one (the oracle reads it). */
export interface VerifyTarget {
  /** the file as the user named it */
  file: string;
  circuit: Circuit;
  /** the description's text and path, when the circuit was compiled from one (or its provenance source was found unchanged) */
  source?: { text: string; file: string };
  /** the compiler pipeline the circuit was compiled with (tests inject faulty passes here) */
  pipeline: readonly Pass[];
}

export interface CheckOptions {
  /** random cases per property */
  runs: number;
  /** fast-check's seed: the same seed draws the same cases */
  seed: number;
  /** longest drive in steps */
  maxSteps: number;
  /** called as each random case (or shrink step) has been evaluated: progress for long runs */
  onCase?: () => void;
}

/** How a simulation replays a failure: the drive written as stimulus tables and the mode of `vle simulate`. */
interface Replay {
  drive: Drive;
  mode: "ideal" | "hardware";
  /** what to record to see the failing value (trace notation, e.g. h.u[0]) */
  record?: string;
}

/** Where and how a property failed. */
export interface Failure {
  /** the engine step (as the trace's `step` column, from 1) at which the check failed; 0 before any step */
  step: number;
  /** the failing signal in trace notation (h.u[0], y.r[1], x_to_h.W[0,1], h.tau_m[0]); undefined when no single signal fails */
  signal?: string;
  /** one line: what went wrong there */
  message: string;
  /** the failing signal's value at that step, as a replay's trace shows it, and the value it should have had (ideal mode, the fixed point, the oracle) */
  value?: number;
  expected?: number;
  /** the drive to replay (it may run past the counterexample, e.g. a zero-input tail), undefined when nothing replays */
  replay?: Replay;
}

interface Counterexample {
  /** the shrunk drive, undefined for failures that need none (e.g. an unstable Jacobian, a codec mismatch) */
  drive?: Drive;
  shrinks: number;
  failure: Failure;
  /** stimulus files written for the replay, and the command that replays it */
  files?: { input?: string; target?: string };
  replayCommand?: string;
}

type Status = "passed" | "failed" | "skipped";

export interface PropertyResult {
  property: string;
  status: Status;
  /** random cases run (0 for a check that needs none) */
  runs: number;
  /** one line: what was checked (or why the property does not apply) */
  note: string;
  counterexample?: Counterexample;
  /** property-specific figures (spectral radius, largest deviation, ...) */
  details?: Record<string, unknown>;
}

export interface Property {
  name: string;
  /** one line for `vle verify --help` and reports */
  summary: string;
  check(target: VerifyTarget, options: CheckOptions): PropertyResult;
}

/**
 * Runs `options.runs` random drives through `evaluate` (undefined: the drive passes) and shrinks the first
 * failing one to the shortest drive that still fails; with `stepLocal` (the failure depends only on the steps up to it)
 * the steps after the failure are cut too. An exception other than a VleError is a bug in what is
 * checked and propagates (from the re-evaluation of the shrunk drive); a VleError is the failure's message.
 */
export function searchDrives(
  arb: fc.Arbitrary<Drive>,
  evaluate: (d: Drive) => Failure | undefined,
  options: CheckOptions & { stepLocal?: boolean },
): { runs: number; drive?: Drive; failure?: Failure; shrinks: number } {
  const safe = (d: Drive): Failure | undefined => {
    options.onCase?.();
    try {
      return evaluate(d);
    } catch (err) {
      if (err instanceof VleError) return { step: 0, message: err.message };
      throw err;
    }
  };
  const details = fc.check(
    fc.property(arb, (d) => safe(d) === undefined),
    { numRuns: options.runs, seed: options.seed },
  );
  if (!details.failed || !details.counterexample) return { runs: details.numRuns, shrinks: 0 };
  let drive = details.counterexample[0];
  let failure = safe(drive);
  // a failure that depends only on the steps up to it: the steps after it are cut (shrinking may leave some)
  if (failure && options.stepLocal && failure.step > 0 && failure.step < drive.steps)
    failure = safe((drive = truncate(drive, failure.step)));
  if (!failure)
    throw new Error(`verify: the shrunk counterexample no longer fails (a property that is not deterministic)`);
  return { runs: details.numRuns, drive, failure, shrinks: details.numShrinks };
}

/** A result for a property that does not apply, saying why. */
export const skipped = (property: string, why: string): PropertyResult => ({
  property,
  status: "skipped",
  runs: 0,
  note: why,
});

/** |a - b| within `rel` of the larger magnitude (at least 1): the comparison of two evaluations of the same arithmetic in a different order. */
export const close = (a: number, b: number, rel: number) =>
  Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));
