// How a learning rule drives the engine over a sequence: online rules learn every step, others per window or sequence.
import { VleError } from "../circuits/errors.js";
import { Rule, enumChoices, enumValue } from "../circuits/model.js";
import { didYouMean } from "../circuits/suggest.js";
import type { Engine } from "./engine.js";
import { freeNetwork } from "./rules/adjoint.js";
import { BackpropLearner } from "./rules/bptt.js";
import { EpropLearner } from "./rules/eprop.js";
import type { Learner } from "./rules/learner.js";

export interface LearnerOptions {
  /** Accumulate the rule's updates in each Parameter.delta without applying them (summed updates with frozen parameters). */
  frozen?: boolean;
  /** tbptt truncation K in steps; default: the circuit's learning.window */
  window?: number;
}

/** The local rules (vle, instantaneous) learn online inside the engine's step. */
class OnlineLearner implements Learner {
  constructor(
    private readonly engine: Engine,
    private readonly learn: boolean,
    private readonly frozen = false,
  ) {}
  step(): void {
    this.engine.advance(this.learn, !this.frozen);
  }
  endSequence(): void {}
}

/**
 * A learner for the engine's rule; `learn` false runs inference only. The gradient rules (bptt, tbptt,
 * eprop) run the free network: they set the engine's error currents to gamma = 0.
 */
export function createLearner(engine: Engine, learn = true, options: LearnerOptions = {}): Learner {
  const frozen = options.frozen ?? false;
  switch (engine.rule) {
    case Rule.VLE:
    case Rule.INSTANTANEOUS:
    case Rule.NONE:
      return new OnlineLearner(engine, learn && engine.rule !== Rule.NONE, frozen);
    case Rule.BPTT:
    case Rule.TBPTT:
    case Rule.EPROP: {
      if (!learn) {
        freeNetwork(engine);
        return new OnlineLearner(engine, false);
      }
      if (engine.rule === Rule.EPROP) return new EpropLearner(engine, frozen);
      if (engine.rule === Rule.BPTT) return new BackpropLearner(engine, Infinity, frozen);
      const window = options.window ?? engine.circuit.learning.window;
      if (!Number.isInteger(window) || window < 1)
        throw new VleError(
          `rule tbptt needs a window of at least 1 step (got ${window}); write tbptt:K or set learning.window`,
        );
      return new BackpropLearner(engine, window, frozen);
    }
    default:
      throw new VleError(`rule ${engine.rule} has no learner; rules: ${enumChoices(Rule)}`);
  }
}

/** A rule as users write it: "vle", "bptt", "eprop", "tbptt:K" (K steps). */
export interface RuleSpec {
  rule: Rule;
  window?: number;
  /** the spec as written, for reports */
  name: string;
}

/** Parses "tbptt:20", "vle", ...; `where` names the source (option or field) in the one-line error. */
export function parseRuleSpec(spec: string, where = "rule"): RuleSpec {
  const [head, arg, ...rest] = spec.trim().split(":");
  const rule = enumValue(Rule, head);
  if (rule === undefined || rest.length)
    throw new VleError(
      `${where}: unknown rule '${spec}'${didYouMean(head, enumChoices(Rule).split("|"))}; choose one of ${enumChoices(Rule)} (tbptt as tbptt:K)`,
    );
  if (rule === Rule.TBPTT) {
    const window = Number(arg);
    if (arg === undefined || !Number.isInteger(window) || window < 1)
      throw new VleError(`${where}: '${spec}' needs a window of whole steps >= 1, e.g. tbptt:20`);
    return { rule, window, name: `tbptt:${window}` };
  }
  if (arg !== undefined) throw new VleError(`${where}: rule '${head}' takes no ':' argument (only tbptt:K does)`);
  return { rule, name: head.trim().toLowerCase() };
}
