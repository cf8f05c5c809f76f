// Property `descends`: in steady state, one window of VLE updates taken with a small step lowers the loss on that window, and points downhill along the exact (bptt) gradient.
//
// Each case draws an input and a target, held constant, and a window length. The circuit first settles under
// the input (no target, nothing learns) until its membranes stop moving: the steady state in which Latent
// Equilibrium and GLE promise that the local errors are the backpropagated ones. From that state the window
// runs twice: with VLE learning frozen (the summed local updates, parameters fixed) to get the update
// direction dtheta = eta * sum of updates (eta_tau for tau_m), and in the free network (gamma = 0) under the
// bptt rule's reverse pass (simulator/rules/adjoint.ts) for the window's loss L, each output weighted by its
// beta, and its exact gradient g, the start state held constant. The property holds when cos(dtheta, -g) > 0
// and L(theta + eps dtheta) < L(theta) from the same start, eps small (the largest change 1e-6 of the largest
// parameter). A window without any update or gradient passes. Inputs that change within a window are left out
// on purpose: the reference step moves a signal one projection per step, so after a change the local rule
// credits the present rates for errors that earlier rates caused, a lag the theory neglects.
import { Rule, enumName, type Circuit } from "../../../circuits/model.js";
import type { Engine } from "../../../simulator/engine.js";
import { createLearner } from "../../../simulator/learner.js";
import { allocateGradient, freeNetwork, gradientOf, Trajectory } from "../../../simulator/rules/adjoint.js";
import { feedStimulus } from "../../../simulator/stimulus.js";
import { driveArbitrary, withLeadIn, type Drive } from "../drive.js";
import { searchDrives, skipped, type Failure, type Property, type PropertyResult } from "../property.js";
import { makeEngine } from "../run.js";
import { maxOf } from "../../../circuits/extent.js";

/** The relative size of the test step: the largest parameter change is this fraction of the largest |parameter| (at least 1). */
const DESCENT_STEP = 1e-6;

/** The dynamic state of an engine (every population's signals, every crossbar's back-projected error). */
type Snapshot = { signals: Float64Array[][]; errorOut: Float64Array[] };
const signalKeys = ["u", "uProsp", "r", "dphi", "v", "e", "udot"] as const;
const snapshot = (e: Engine): Snapshot => ({
  signals: e.populations.map((p) => signalKeys.map((k) => Float64Array.from(p.now[k]))),
  errorOut: e.crossbars.map((x) => Float64Array.from(x.errorOut)),
});
function restore(e: Engine, s: Snapshot): void {
  e.populations.forEach((p, i) => signalKeys.forEach((k, j) => p.now[k].set(s.signals[i][j])));
  e.crossbars.forEach((x, i) => x.errorOut.set(s.errorOut[i]));
}

/** Feeds rows [from, to) of a drive into an engine, calling `step` to advance (so the caller chooses how it learns). */
function feed(engine: Engine, drive: Drive, from: number, to: number, step: () => void): void {
  const inputs = feedStimulus(drive.input, engine),
    targets = drive.target && feedStimulus(drive.target, engine),
    slot = Int32Array.of(0);
  for (let s = from; s < to; s++) {
    inputs(slot, s);
    targets?.(slot, s);
    step();
  }
}

/** Holds the window's input (no target) until the membranes stop moving; the steps taken, or undefined when they never stop. */
function settle(engine: Engine, drive: Drive, cap: number): number | undefined {
  const held: Drive = { ...drive, target: undefined };
  const inputs = feedStimulus(held.input, engine),
    slot = Int32Array.of(0);
  inputs(slot, 0);
  const last = engine.populations.map((p) => Float64Array.from(p.now.u));
  for (let k = 1; k <= cap; k++) {
    engine.advance(false);
    let change = 0,
      scale = 1;
    engine.populations.forEach((p, i) =>
      p.now.u.forEach((u, j) => {
        change = Math.max(change, Math.abs(u - last[i][j]));
        scale = Math.max(scale, Math.abs(u));
        last[i][j] = u;
      }),
    );
    if (!Number.isFinite(change)) return undefined;
    if (change <= 1e-13 * scale) return k;
  }
  return undefined;
}

/** The free network's loss over the window (beta-weighted, as bptt's) from `start`, its exact gradient, and the parameters, with `theta` when given. */
function lossAndGradient(
  c: Circuit,
  drive: Drive,
  start: Snapshot,
  theta?: Float64Array[],
): { loss: number; gradient: (Float64Array | undefined)[]; values: Float64Array[] } {
  const engine = makeEngine(c, "ideal", { rule: Rule.NONE });
  if (theta) engine.parameters.forEach((p, k) => p.values.set(theta[k]));
  freeNetwork(engine);
  restore(engine, start);
  const trajectory = new Trajectory(engine, drive.steps);
  trajectory.start();
  feed(engine, drive, 0, drive.steps, () => {
    engine.advance(false);
    trajectory.record();
  });
  const grad = allocateGradient(engine);
  const loss = trajectory.backward(grad, "beta");
  return {
    loss,
    gradient: gradientOf(engine, grad),
    values: engine.parameters.map((p) => Float64Array.from(p.values)),
  };
}

export const descends: Property = {
  name: "descends",
  summary:
    "in steady state, a small step along one window of VLE updates lowers the loss on that window, with positive cosine to the exact (bptt) descent direction",
  check(target, options): PropertyResult {
    const c = target.circuit;
    if (c.learning.rule !== Rule.VLE && c.learning.rule !== Rule.INSTANTANEOUS)
      return skipped(
        "descends",
        `checks the local rules (vle, instantaneous); this circuit's rule is ${enumName(Rule, c.learning.rule)}`,
      );
    if (c.outputs.length === 0 || c.outputs.every((o) => o.beta === 0))
      return skipped("descends", "no output error to descend (no outputs, or every beta is 0)");
    const probe = makeEngine(c, "ideal");
    const names = probe.parameters.map((p) => p.name);
    if (probe.parameters.every((p) => p.rate === 0))
      return skipped("descends", "nothing learns (no plastic parameter with a learning rate above 0)");
    const cap = Math.min(
      200_000,
      Math.ceil((200 * maxOf(c.populations.flatMap((p) => [p.tauM, p.tauR]).flat())) / c.dt),
    );
    const warmup = makeEngine(c, "ideal", { rule: Rule.NONE });
    let cosines = { min: Infinity, count: 0, vacuous: 0 };
    const search = searchDrives(
      driveArbitrary(c, { maxSteps: options.maxSteps, maxSegments: 1, targets: "always" }),
      (drive): Failure | undefined => {
        warmup.reset();
        const settled = settle(warmup, drive, cap);
        if (settled === undefined)
          return {
            step: 0,
            message: `under the held input the membranes do not come to rest within ${cap} steps, so there is no steady state to learn from (see property settles)`,
          };
        const start = snapshot(warmup);
        // the VLE update direction over the window, parameters frozen
        const vle = makeEngine(c, "ideal", { rule: Rule.VLE });
        restore(vle, start);
        const learner = createLearner(vle, true, { frozen: true });
        feed(vle, drive, 0, drive.steps, () => learner.step());
        const direction = vle.parameters.map((p) => p.delta.map((d) => p.rate * d));
        const { loss: before, gradient, values } = lossAndGradient(c, drive, start);
        let dot = 0,
          dd = 0,
          gg = 0,
          largestChange = 0,
          largestValue = 1,
          worst = { k: -1, contribution: 0 };
        direction.forEach((d, k) => {
          const g = gradient[k];
          for (let i = 0; i < d.length; i++) {
            largestChange = Math.max(largestChange, Math.abs(d[i]));
            largestValue = Math.max(largestValue, Math.abs(values[k][i]));
            if (!g) continue;
            dot -= d[i] * g[i];
            dd += d[i] * d[i];
            gg += g[i] * g[i];
            if (-d[i] * g[i] < worst.contribution) worst = { k, contribution: -d[i] * g[i] };
          }
        });
        if (dd === 0 || gg === 0) {
          cosines.vacuous++;
          return undefined;
        }
        const cosine = dot / Math.sqrt(dd * gg);
        const eps = (DESCENT_STEP * largestValue) / largestChange;
        const { loss: after } = lossAndGradient(
          c,
          drive,
          start,
          values.map((v, k) => v.map((x, i) => x + eps * direction[k][i])),
        );
        cosines = { ...cosines, min: Math.min(cosines.min, cosine), count: cosines.count + 1 };
        if (cosine > 0 && after < before) return undefined;
        const culprit = worst.k >= 0 ? names[worst.k] : undefined;
        // the replay: the settling steps (input held, no target), then the window with its target
        return {
          step: settled + drive.steps,
          signal: culprit,
          message:
            `over a ${drive.steps}-step window in steady state (after ${settled} steps of settling) a step of ${eps.toPrecision(3)} x the VLE update ${after < before ? "lowers" : "does not lower"} the loss (${before} -> ${after}); ` +
            `cosine with the exact descent direction ${cosine.toPrecision(4)}${culprit ? `; ${culprit} pulls uphill most` : ""}`,
          replay: { drive: withLeadIn(drive, settled), mode: "ideal" },
        };
      },
      options,
    );
    const details = { smallestCosine: cosines.count ? cosines.min : null, windowsWithoutUpdate: cosines.vacuous };
    if (search.failure)
      return {
        property: "descends",
        status: "failed",
        runs: search.runs,
        note: "a window of VLE updates does not go downhill",
        counterexample: { drive: search.drive, shrinks: search.shrinks, failure: search.failure },
        details,
      };
    return {
      property: "descends",
      status: "passed",
      runs: search.runs,
      note: `every window went downhill; smallest cosine with the exact descent direction ${cosines.count ? cosines.min.toPrecision(3) : "-"}`,
      details,
    };
  },
};
