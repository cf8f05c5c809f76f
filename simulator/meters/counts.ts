// The operation counts of hardware mode: the record the cycle simulation fills and the energy model prices.

/**
 * Counts of every operation the chip performs, summed over everything simulated (all samples of
 * a batch, all ticks). One chip runs one sample at a time: a batch of B samples for T ticks counts
 * B x T ticks and B x T x (cycles per tick) cycles.
 * Definitions (both the cycle simulation and the analytic estimate follow them exactly):
 */
export interface OpCounts {
  /** integration ticks simulated, summed over samples */
  ticks: number;
  /** samples (sequences) simulated */
  samples: number;
  /** clock cycles elapsed: ticks x cycles per tick (the tick length is fixed by dt, the time unit and the acceleration) */
  cycles: number;
  /** synapse cells read forward: one per cell of every crossbar per tick (a MAC in the analog array) */
  crossbarForwardReads: number;
  /**
   * synapse cells read transposed: one per cell per tick of every crossbar whose feedback is not
   * no-feedback (transpose reads W; random and learned read the crossbar's own feedback matrix)
   */
  crossbarTransposedReads: number;
  /** cells of the broadcast matrices read: to x from per broadcast per tick */
  broadcastReads: number;
  /**
   * DAC conversions: per tick, one per crossbar column (pre channel) of every tile (forward lines),
   * one per crossbar row of every tile with feedback (transposed lines), one per remote partial sum
   * injected at its destination neuron, and one per output neuron for the target
   */
  dacConversions: number;
  /**
   * ADC conversions: per tick, one per neuron rate r, one per error e of every population with an
   * error cell, and one per partial sum that leaves its tile's core (forward rows, transposed cols)
   */
  adcConversions: number;
  /** compartment updates: per tick one per membrane and one per error cell */
  integratorTicks: number;
  /** synapse cells written by the plasticity controller: every cell of a plastic crossbar (and of a learned feedback matrix) at every write event (every tick, or every K ticks) */
  weightWrites: number;
  /** per-neuron parameter writes: plastic biases and plastic tau_m, one per neuron per write event */
  cellParameterWrites: number;
  /**
   * e*r products of the plasticity controller: per tick, one per synapse of every plastic crossbar whose post
   * neurons have error cells (a learned feedback matrix takes the same product), per sample stream
   */
  erProducts: number;
  /** synapse cells read by the controller before it writes them (the read half of each read-modify-write): one per weight write */
  weightReads: number;
  /** random bits drawn for stochastic rounding: rounding_bits per write of a stochastically rounded cell (SGD and Adam rules) */
  randomBits: number;
  /** update accumulator read-modify-writes (every-K writes): one per e*r product */
  accumulatorUpdates: number;
  /** parameter updates computed by the Adam co-processor: one per written cell and cell parameter per write event */
  coprocessorUpdates: number;
  /** packets sent between cores: one per word of every route per tick */
  packets: number;
  /** packet-hops: sum over packets of the links each crosses */
  packetHops: number;
  /** core-cycles in which a core's pipeline had no work (sum over cores; cycles x cores - busy core-cycles) */
  idleCycles: number;
}

export const countKeys = [
  "ticks",
  "samples",
  "cycles",
  "crossbarForwardReads",
  "crossbarTransposedReads",
  "broadcastReads",
  "dacConversions",
  "adcConversions",
  "integratorTicks",
  "weightWrites",
  "cellParameterWrites",
  "erProducts",
  "weightReads",
  "randomBits",
  "accumulatorUpdates",
  "coprocessorUpdates",
  "packets",
  "packetHops",
  "idleCycles",
] as const satisfies readonly (keyof OpCounts)[];

export function zeroCounts(): OpCounts {
  return Object.fromEntries(countKeys.map((k) => [k, 0])) as unknown as OpCounts;
}

/** counts x factor (e.g. per tick -> per sample of T ticks). */
export function scaleCounts(a: OpCounts, factor: number): OpCounts {
  return Object.fromEntries(countKeys.map((k) => [k, a[k] * factor])) as unknown as OpCounts;
}
