// The learning-rate schedule ReduceLROnPlateau (torch semantics, mode min): halve the rates when a loss stops falling.

/** What a schedule keeps between epochs (saved in checkpoints). */
export interface PlateauState {
  best: number;
  badEpochs: number;
  /** times the rates were cut */
  reductions: number;
}

export interface PlateauOptions {
  /** epochs without improvement tolerated before a cut */
  patience: number;
  /** each cut multiplies every learning rate by this */
  factor: number;
}

/** torch's default relative threshold: a loss improves when it is below best * (1 - 1e-4). */
const THRESHOLD = 1e-4;

/**
 * torch.optim.lr_scheduler.ReduceLROnPlateau with mode 'min', threshold 1e-4 (relative), cooldown 0,
 * min_lr 0: after more than `patience` epochs in a row without improvement the rates are multiplied by
 * `factor` and the count starts again.
 */
export class PlateauSchedule {
  state: PlateauState = { best: Infinity, badEpochs: 0, reductions: 0 };

  constructor(readonly options: PlateauOptions) {}

  /** Takes one epoch's loss; returns the factor to multiply the rates by now (1: no cut). */
  step(loss: number): number {
    const s = this.state;
    if (loss < s.best * (1 - THRESHOLD)) {
      s.best = loss;
      s.badEpochs = 0;
    } else s.badEpochs++;
    if (s.badEpochs > this.options.patience) {
      s.badEpochs = 0;
      s.reductions++;
      return this.options.factor;
    }
    return 1;
  }
}
