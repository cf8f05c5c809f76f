// The cycle clock of the chip: an event queue ordered by cycle, and units (converters, arrays, links) that serve work first come, first served.

/** An event: at cycle `t`, run `fire`; `seq` keeps events of one cycle in the order they were posted. */
interface Event {
  t: number;
  seq: number;
  fire: () => void;
}

/** A binary min-heap of events by (cycle, posting order). */
export class EventQueue {
  private readonly heap: Event[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Cycle of the next event (Infinity when empty). */
  get next(): number {
    return this.heap.length ? this.heap[0].t : Infinity;
  }

  post(t: number, fire: () => void): void {
    const h = this.heap,
      e = { t, seq: this.seq++, fire };
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(e, h[parent])) break;
      h[i] = h[parent];
      i = parent;
    }
    h[i] = e;
  }

  /** Removes and returns the earliest event. */
  pop(): Event {
    const h = this.heap,
      top = h[0],
      last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1,
          r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], m === i ? last : h[m])) m = l;
        if (r < h.length && before(h[r], m === i ? last : h[m])) m = r;
        if (m === i) break;
        h[i] = h[m];
        i = m;
      }
      h[i] = last;
    }
    return top;
  }

  clear(): void {
    this.heap.length = 0;
  }
}

const before = (a: Event, b: Event) => a.t < b.t || (a.t === b.t && a.seq < b.seq);

/**
 * `count` identical servers (the DACs of a core, one crossbar array, one link's input port). Work is
 * submitted in cycle order (the event loop guarantees it), so giving each job the server that frees
 * first is exactly first come, first served.
 */
export class Servers {
  private readonly freeAt: Float64Array;
  /** server-cycles spent working */
  busy = 0;

  readonly count: number;

  constructor(
    readonly name: string,
    count: number,
  ) {
    this.count = Math.max(1, count);
    this.freeAt = new Float64Array(this.count);
  }

  /** Starts a job that is ready at `ready` and takes `cycles`; returns its start cycle. */
  submit(ready: number, cycles: number): number {
    const f = this.freeAt;
    let k = 0;
    for (let i = 1; i < f.length; i++) if (f[i] < f[k]) k = i;
    const start = f[k] > ready ? f[k] : ready;
    f[k] = start + cycles;
    this.busy += cycles;
    return start;
  }

  /** The cycle after which every server is idle. */
  get drained(): number {
    let m = 0;
    for (const x of this.freeAt) if (x > m) m = x;
    return m;
  }

  reset(): void {
    this.freeAt.fill(0);
  }
}

/**
 * Busy intervals of one core's units, merged per tick into the cycles in which the core had any work
 * (for idle cycles: the cycles of the tick minus the busy ones).
 */
export class BusyIntervals {
  private starts: number[] = [];
  private ends: number[] = [];

  add(start: number, end: number): void {
    if (end > start) {
      this.starts.push(start);
      this.ends.push(end);
    }
  }

  /** Busy cycles within [from, to); intervals reaching past `to` keep their remainder for the next window. */
  take(from: number, to: number): number {
    const order = this.starts.map((_, i) => i).sort((a, b) => this.starts[a] - this.starts[b]);
    let busy = 0,
      reach = from;
    const keepStarts: number[] = [],
      keepEnds: number[] = [];
    for (const i of order) {
      const s = Math.max(this.starts[i], reach),
        e = Math.min(this.ends[i], to);
      if (e > s) {
        busy += e - s;
        reach = e;
      }
      if (this.ends[i] > to) {
        keepStarts.push(Math.max(this.starts[i], to));
        keepEnds.push(this.ends[i]);
      }
    }
    this.starts = keepStarts;
    this.ends = keepEnds;
    return busy;
  }

  clear(): void {
    this.starts = [];
    this.ends = [];
  }
}
