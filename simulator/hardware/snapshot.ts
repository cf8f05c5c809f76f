// The chip state a training checkpoint holds beyond the parameters: the noise and rounding generators, the updates computed but not yet written (the accumulators of every-K plasticity), the write flags of the tiles and the chip's clock.
import type { Random } from "../../circuits/random.js";

/** What outlives a sequence on the chip, as plain JSON. */
export interface ChipSnapshot {
  noise: number[];
  rounding: number[];
  /** per crossbar: the pending W and F updates (null where there is none) */
  pending: { w: number[] | null; f: number[] | null }[];
  /** per tile: an update waits to be written / its write task is queued */
  writes: { pending: boolean; queued: boolean }[];
  ticksSinceApply: number;
  tick: number;
  tickStart: number;
  cycle: number;
}

/** The engine's parts a snapshot reads and writes (HardwareEngine.persistentParts gives them, its work drained). */
export interface ChipParts {
  noise: Random;
  rounding: Random;
  pending: { w?: Float64Array; f?: Float64Array }[];
  tiles: { writePending: boolean; writeQueued: boolean }[];
  counters: { ticksSinceApply: number; tick: number; tickStart: number; cycle: number };
  /** recomputes what the arrays read from the stored weights (after they were restored) */
  refreshReads(): void;
}

export function takeSnapshot(parts: ChipParts): ChipSnapshot {
  return {
    noise: parts.noise.state,
    rounding: parts.rounding.state,
    pending: parts.pending.map((p) => ({ w: p.w ? Array.from(p.w) : null, f: p.f ? Array.from(p.f) : null })),
    writes: parts.tiles.map((t) => ({ pending: t.writePending, queued: t.writeQueued })),
    ...parts.counters,
  };
}

/** Restores a snapshot of the same chip; `where` names the checkpoint in errors. Returns a problem, or undefined. */
export function applySnapshot(parts: ChipParts, s: ChipSnapshot): string | undefined {
  if (s.pending.length !== parts.pending.length || s.writes.length !== parts.tiles.length)
    return `it holds ${s.pending.length} crossbars and ${s.writes.length} tiles, this chip has ${parts.pending.length} and ${parts.tiles.length}`;
  for (let k = 0; k < s.pending.length; k++) {
    const [have, saved] = [parts.pending[k], s.pending[k]];
    for (const [buffer, values] of [
      [have.w, saved.w],
      [have.f, saved.f],
    ] as const) {
      if ((buffer === undefined) !== (values === null) || (buffer && buffer.length !== values!.length))
        return `crossbar ${k}: its pending updates do not fit this chip`;
      buffer?.set(values!);
    }
  }
  parts.noise.state = s.noise;
  parts.rounding.state = s.rounding;
  s.writes.forEach((w, k) => {
    parts.tiles[k].writePending = w.pending;
    parts.tiles[k].writeQueued = w.queued;
  });
  Object.assign(parts.counters, {
    ticksSinceApply: s.ticksSinceApply,
    tick: s.tick,
    tickStart: s.tickStart,
    cycle: s.cycle,
  });
  parts.refreshReads();
  return undefined;
}
