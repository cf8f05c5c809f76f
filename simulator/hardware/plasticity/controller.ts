// The chip's plasticity circuit: what is written at each write event (SGD with the storage's rounding, sign, ternary, or an Adam co-processor) and the every-K accumulator.
import {
  Optimizer,
  PlasticityMode,
  PlasticityRule,
  type Hardware,
  type Learning,
  type WeightStorage,
} from "../../../circuits/model.js";
import { ParameterUpdater, type Parameter } from "../../optimizer.js";
import { accumulatorFormat, holdInAccumulator, type AccumulatorFormat } from "./accumulator.js";
import { levelSteps } from "./level-steps.js";

/** A parameter as the controller sees it: its pending buffer, and the weight storage when it is a crossbar matrix. */
export interface ControlledParameter {
  param: Parameter;
  storage?: WeightStorage;
}

/**
 * With the plasticity_circuit effect off, every write is the circuit's own optimizer (ideal mode's learning).
 * On, the rule of hardware.plasticity decides; cell parameters (biases, tau_m) have no weight grid and are
 * written by SGD under every rule but Adam.
 */
export class PlasticityController {
  readonly on: boolean;
  readonly rule: PlasticityRule;
  /** whether updates gather in an accumulator between writes (every-K with the schedule on) */
  readonly accumulates: boolean;
  private readonly updater: ParameterUpdater;
  private readonly formats: (AccumulatorFormat | undefined)[];

  constructor(
    h: Hardware,
    learning: Learning,
    private readonly params: ControlledParameter[],
    ideal: ParameterUpdater,
  ) {
    this.on = h.effects.plasticityCircuit;
    this.rule = h.plasticity.rule;
    this.accumulates = this.on && h.effects.plasticitySchedule && h.plasticity.mode === PlasticityMode.EVERY_K;
    const optimizer = this.rule === PlasticityRule.ADAM ? Optimizer.ADAM : Optimizer.SGD;
    this.updater = this.on ? new ParameterUpdater({ ...learning, optimizer }) : ideal;
    this.formats = params.map(({ storage }) =>
      this.accumulates && storage
        ? accumulatorFormat(h.plasticity.accumulatorBits, storage.bits, storage.scale)
        : undefined,
    );
  }

  /** Whether a write rounds stochastically onto the grid of `storage` (and so draws random bits). */
  roundsStochastically(stochasticStorage: boolean): boolean {
    return (
      stochasticStorage && !(this.on && (this.rule === PlasticityRule.SIGN || this.rule === PlasticityRule.TERNARY))
    );
  }

  /** After a tick's updates are gathered: the accumulators hold them in their format. */
  gathered(): void {
    if (!this.accumulates) return;
    this.params.forEach(({ param }, i) => {
      const f = this.formats[i];
      if (f) holdInAccumulator(param.delta, param.rate, f);
    });
  }

  /** A write event: turns the gathered updates into pending changes and clears them. */
  write(threshold: number): void {
    const levels = this.on && (this.rule === PlasticityRule.SIGN || this.rule === PlasticityRule.TERNARY);
    if (!levels) {
      this.updater.apply(this.params.map((p) => p.param));
      return;
    }
    const t = this.rule === PlasticityRule.SIGN ? 0 : threshold;
    const rest: Parameter[] = [];
    for (const { param, storage } of this.params) {
      if (storage) levelSteps(param.values, param.delta, param.rate, storage.scale, t);
      else rest.push(param);
    }
    this.updater.apply(rest);
  }
}
