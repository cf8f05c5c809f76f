// The update accumulator of every-K plasticity: a signed fixed-point register per synapse, rounded and saturated every tick.

/** A signed accumulator of `bits` bits whose LSB is a weight level / 2^(bits - weight bits). */
export interface AccumulatorFormat {
  /** weight units per accumulator LSB */
  lsb: number;
  /** largest code magnitude: 2^(bits-1) - 1 */
  maxCode: number;
}

export function accumulatorFormat(bits: number, weightBits: number, weightScale: number): AccumulatorFormat {
  return { lsb: weightScale / 2 ** (bits - weightBits), maxCode: 2 ** (bits - 1) - 1 };
}

/**
 * Holds the gathered update rate x delta in the accumulator's format: rounded to the nearest LSB and
 * saturated at the largest code, so updates finer than half an LSB are lost and large ones clip.
 */
export function holdInAccumulator(delta: Float64Array, rate: number, f: AccumulatorFormat): void {
  if (rate === 0) return;
  const toCode = rate / f.lsb,
    toDelta = f.lsb / rate;
  for (let k = 0; k < delta.length; k++) {
    let code = Math.round(delta[k] * toCode);
    if (code > f.maxCode) code = f.maxCode;
    else if (code < -f.maxCode) code = -f.maxCode;
    delta[k] = code * toDelta;
  }
}
