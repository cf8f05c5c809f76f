// Pass 'route': every inter-core flow of one tick (rates, partial sums, errors, broadcasts) along XY paths of the 2D mesh, with hop counts.
import {
  Feedback,
  Flow,
  type CellPlacement,
  type Circuit,
  type Core,
  type Hardware,
  type Route,
} from "../../circuits/model.js";
import { definePass } from "../pass.js";

/**
 * Cores visited from `a` to `b` in dimension order: along x first, then along y. On a mesh whose last row
 * is partly filled, a path that would cross an empty position goes along y first instead.
 */
function xyPath(a: Core, b: Core, at: (x: number, y: number) => Core | undefined): string[] {
  const walk = (xFirst: boolean): string[] | undefined => {
    const path = [a.name];
    let { x, y } = a;
    const step = (dx: number, dy: number) => {
      x += dx;
      y += dy;
      const k = at(x, y);
      if (k) path.push(k.name);
      return k !== undefined;
    };
    for (const phase of xFirst ? ["x", "y"] : ["y", "x"]) {
      if (phase === "x") while (x !== b.x) if (!step(Math.sign(b.x - x), 0)) return undefined;
      if (phase === "y") while (y !== b.y) if (!step(0, Math.sign(b.y - y))) return undefined;
    }
    return path;
  };
  // cores fill the mesh row by row, so one of the two orders always exists; a miss is a bug of the place pass
  const path = walk(true) ?? walk(false);
  if (!path) throw new Error(`route: no path of existing cores from ${a.name} to ${b.name}`);
  return path;
}

/** Overlap of [a0, a0+an) and [b0, b0+bn). */
const overlap = (a0: number, an: number, b0: number, bn: number) =>
  Math.max(0, Math.min(a0 + an, b0 + bn) - Math.max(a0, b0));

/** The flows of one tick between distinct cores, merged per (flow, source, from, to). */
export function routes(c: Circuit, h: Pick<Hardware, "cores" | "placements" | "tiles">): Route[] {
  const cores = new Map(h.cores.map((k) => [k.name, k]));
  const grid = new Map(h.cores.map((k) => [`${k.x},${k.y}`, k]));
  const at = (x: number, y: number) => grid.get(`${x},${y}`);
  const slices = new Map<string, CellPlacement[]>();
  for (const p of h.placements) slices.set(p.element, [...(slices.get(p.element) ?? []), p]);
  const merged = new Map<string, Route>();
  /** `tile`: the index in h.tiles of the sending tile of crossbar `element` (partial-sum flows) */
  const add = (flow: Flow, element: string, tile: number | undefined, from: string, to: string, words: number) => {
    if (from === to || words === 0) return;
    const key = `${flow}|${element}|${tile ?? ""}|${from}|${to}`;
    const known = merged.get(key);
    if (known) {
      known.words += words;
      return;
    }
    const path = xyPath(cores.get(from)!, cores.get(to)!, at);
    const route: Route = { flow, element, fromCore: from, toCore: to, words, path, hops: path.length - 1 };
    if (tile !== undefined) route.tile = tile;
    merged.set(key, route);
  };
  const learns = new Set(c.errorPopulations.map((e) => e.population));
  h.tiles.forEach((t, index) => {
    const x = c.crossbars.find((k) => k.name === t.crossbar)!;
    const backward = x.feedback !== Feedback.NO_FEEDBACK;
    // the tile needs its post neurons' errors for the transposed read and, when plastic, for the update
    const needsErrors = (backward || x.plastic) && learns.has(x.post);
    // a transposed read happens only when the post learns, and its result needs an error cell at the pre
    const sendsErrorSums = backward && learns.has(x.post) && learns.has(x.pre);
    for (const pre of slices.get(x.pre) ?? []) {
      const n = overlap(pre.first, pre.count, t.colFirst, t.cols);
      add(Flow.RATE, x.pre, undefined, pre.core, t.core, n);
      if (sendsErrorSums) add(Flow.ERROR_PARTIAL_SUM, x.name, index, t.core, pre.core, n);
    }
    for (const post of slices.get(x.post) ?? []) {
      const n = overlap(post.first, post.count, t.rowFirst, t.rows);
      add(Flow.PARTIAL_SUM, x.name, index, t.core, post.core, n);
      if (needsErrors) add(Flow.ERROR, x.post, undefined, post.core, t.core, n);
    }
  });
  // a broadcast's matrix sits with its target neurons: the output errors travel there
  for (const b of c.broadcasts) {
    for (const from of slices.get(b.from) ?? []) {
      for (const to of slices.get(b.to) ?? []) add(Flow.BROADCAST, b.from, undefined, from.core, to.core, from.count);
    }
  }
  return [...merged.values()];
}

export const route = definePass({
  name: "route",
  needs: ["circuit", "layout"],
  run({ circuit, layout }) {
    if (!layout) return { routes: undefined };
    return {
      routes: routes(circuit, {
        cores: layout.cores,
        placements: [...layout.inputs, ...layout.neurons],
        tiles: layout.tiles,
      }),
    };
  },
});
