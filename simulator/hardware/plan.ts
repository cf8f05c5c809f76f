// The static dataflow of one tick on the chip: which values each core converts, which packets travel which links, which tile reads what.
import { VleError } from "../../circuits/errors.js";
import { Feedback, Flow, type Circuit, type Hardware } from "../../circuits/model.js";
import { flowNames, routeSender, tileLabel } from "../../circuits/hardware.js";

/** A route's path as directed link ids, and its hop count. */
export interface Path {
  links: number[];
  hops: number;
}

/** A core with its converters. */
interface CorePlan {
  name: string;
  dacs: number;
  adcs: number;
}

/** One tile of a logical crossbar, on one core. */
export interface TilePlan {
  index: number;
  /** "<crossbar>#<index in hardware.tiles>", as routes name it */
  id: string;
  crossbar: number;
  core: number;
  row0: number;
  rows: number;
  col0: number;
  cols: number;
  /** reads transposed every tick (feedback is not no-feedback and the post learns) */
  transposed: boolean;
  plastic: boolean;
  /** the post's errors reach this tile: for its transposed lines or its plasticity controller */
  needsErrors: boolean;
  /** cells written per write event: rows x cols, twice with a learned feedback matrix */
  writeCells: number;
  /** forward partial sums: per row of the tile, the post neuron's core and the path when remote (undefined: analog, on this core) */
  rowPaths: (Path | undefined)[];
  rowCores: number[];
  /** transposed partial sums: per col, the path to the pre neuron's core when remote; undefined when local; null when the pre has no error cell */
  colPaths: (Path | null | undefined)[];
  colCores: number[];
}

/**
 * Where one value (a cell's rate or error, or an input channel) goes: the path (undefined: same core) and
 * who takes it there. A remote tile gets its own packet (the route pass counts words per tile); consumers on
 * the value's own core share one local delivery.
 */
export interface Destination {
  core: number;
  flow: Flow;
  /** the tile a remote packet is addressed to (undefined: local, or a broadcast register) */
  tile?: number;
  path?: Path;
  /** tile index and line within the tile (col for rates, row for errors) */
  tiles: { tile: number; line: number }[];
  /** broadcasts (index into circuit.broadcasts) whose source register on this core takes the value, at source index `line` */
  broadcasts: { broadcast: number; line: number }[];
}

/** The values one element (population or input port) sends each tick, cell by cell. */
interface SourcePlan {
  /** core of each cell */
  cores: number[];
  /** per cell, its destinations (may be empty: converted for the host only) */
  destinations: Destination[][];
}

export interface ChipPlan {
  cores: CorePlan[];
  links: string[];
  tiles: TilePlan[];
  /** tiles of each crossbar, in hardware.tiles order */
  tilesOf: number[][];
  /** rates of each population (circuit order) and values of each input port */
  rates: Map<string, SourcePlan>;
  /** errors of each population with an error cell */
  errors: Map<string, SourcePlan>;
  /** per broadcast, the cores its target's cells sit on (a register of the source's errors on each) */
  broadcastCores: number[][];
  /** per output port, the core of each target cell */
  targetCores: number[][];
  /** packets each directed link carries per tick */
  linkLoad: number[];
}

const key = (flow: Flow, source: string, from: string, to: string) => `${flow}|${source}|${from}|${to}`;

/** Derives the per-tick dataflow from placements, tiles and routes; throws a VleError naming a missing route or placement. */
export function planChip(c: Circuit, h: Hardware): ChipPlan {
  const coreIndex = new Map(h.cores.map((k, i) => [k.name, i]));
  const cores: CorePlan[] = h.cores.map((k) => ({
    name: k.name,
    dacs: Math.max(1, k.dacs),
    adcs: Math.max(1, k.adcs),
  }));
  const links: string[] = [];
  const linkIndex = new Map<string, number>();
  const linkLoad: number[] = [];
  const routes = new Map<string, { path: Path; words: number; used: number; name: string }>();
  for (const r of h.routes) {
    const ids = r.path.slice(1).map((to, i) => {
      const name = `${r.path[i]}->${to}`;
      if (!linkIndex.has(name)) {
        linkIndex.set(name, links.length);
        links.push(name);
        linkLoad.push(0);
      }
      return linkIndex.get(name)!;
    });
    routes.set(key(r.flow, routeSender(r), r.fromCore, r.toCore), {
      path: { links: ids, hops: ids.length },
      words: r.words,
      used: 0,
      name: `${flowNames[r.flow]} route of '${routeSender(r)}' ${r.fromCore} -> ${r.toCore}`,
    });
  }
  /** The path for one word of a flow between two cores; counts the word against the route. */
  const pathFor = (flow: Flow, source: string, from: number, to: number): Path => {
    const route = routes.get(key(flow, source, h.cores[from].name, h.cores[to].name));
    if (!route) {
      throw new VleError(
        `hardware: no ${flowNames[flow]} route for '${source}' from core '${h.cores[from].name}' to core '${h.cores[to].name}', which the dataflow needs; recompile with the route pass`,
      );
    }
    route.used++;
    for (const l of route.path.links) linkLoad[l]++;
    return route.path;
  };

  const cellCores = new Map<string, number[]>();
  for (const p of h.placements) {
    const list = cellCores.get(p.element) ?? [];
    for (let i = p.first; i < p.first + p.count; i++) list[i] = coreIndex.get(p.core)!;
    cellCores.set(p.element, list);
  }
  const coresOf = (element: string, size: number): number[] => {
    const list = cellCores.get(element);
    if (!list || list.length !== size || list.some((x) => x === undefined))
      throw new VleError(`hardware: '${element}' is not fully placed on cores; recompile with the map-to-cores pass`);
    return list;
  };

  const learns = new Set(c.errorPopulations.map((e) => e.population));
  const tilesOf: number[][] = c.crossbars.map(() => []);
  const tiles: TilePlan[] = h.tiles.map((t, index) => {
    const xi = c.crossbars.findIndex((x) => x.name === t.crossbar);
    const x = c.crossbars[xi];
    tilesOf[xi].push(index);
    const transposed = x.feedback !== Feedback.NO_FEEDBACK && learns.has(x.post);
    return {
      index,
      id: tileLabel(t.crossbar, index),
      crossbar: xi,
      core: coreIndex.get(t.core)!,
      row0: t.rowFirst,
      rows: t.rows,
      col0: t.colFirst,
      cols: t.cols,
      transposed,
      plastic: x.plastic,
      needsErrors: transposed || x.plastic,
      writeCells: t.rows * t.cols * (x.feedback === Feedback.LEARNED ? 2 : 1),
      rowPaths: [],
      rowCores: [],
      colPaths: [],
      colCores: [],
    };
  });

  const sizeOf = (name: string) =>
    c.populations.find((p) => p.name === name)?.size ?? c.inputs.find((p) => p.name === name)!.size;
  const emptySource = (element: string): SourcePlan => {
    const cores = coresOf(element, sizeOf(element));
    return { cores, destinations: cores.map(() => []) };
  };
  /** The destination of cell `cell` of `source` at `core` (for `tile`, when remote: one packet per tile). */
  const destination = (
    flow: Flow,
    element: string,
    plan: SourcePlan,
    cell: number,
    core: number,
    tile?: number,
  ): Destination => {
    const list = plan.destinations[cell],
      from = plan.cores[cell];
    const addressed = from === core ? undefined : tile;
    let d = list.find((x) => x.core === core && x.flow === flow && x.tile === addressed);
    if (!d) {
      d = {
        core,
        flow,
        tile: addressed,
        path: from === core ? undefined : pathFor(flow, element, from, core),
        tiles: [],
        broadcasts: [],
      };
      list.push(d);
    }
    return d;
  };

  const rates = new Map<string, SourcePlan>();
  for (const p of [...c.inputs, ...c.populations]) rates.set(p.name, emptySource(p.name));
  const errors = new Map<string, SourcePlan>();
  for (const p of c.populations) if (learns.has(p.name)) errors.set(p.name, emptySource(p.name));

  for (const t of tiles) {
    const x = c.crossbars[t.crossbar];
    const rateSource = rates.get(x.pre)!;
    for (let j = 0; j < t.cols; j++)
      destination(Flow.RATE, x.pre, rateSource, t.col0 + j, t.core, t.index).tiles.push({ tile: t.index, line: j });
    if (t.needsErrors) {
      const errorSource = errors.get(x.post)!;
      for (let i = 0; i < t.rows; i++)
        destination(Flow.ERROR, x.post, errorSource, t.row0 + i, t.core, t.index).tiles.push({
          tile: t.index,
          line: i,
        });
    }
    const postCores = coresOf(x.post, x.rows);
    for (let i = 0; i < t.rows; i++) {
      const core = postCores[t.row0 + i];
      t.rowCores.push(core);
      t.rowPaths.push(core === t.core ? undefined : pathFor(Flow.PARTIAL_SUM, t.id, t.core, core));
    }
    if (t.transposed) {
      const preLearns = learns.has(x.pre);
      const preCores = coresOf(x.pre, x.cols);
      for (let j = 0; j < t.cols; j++) {
        const core = preCores[t.col0 + j];
        t.colCores.push(core);
        t.colPaths.push(
          !preLearns ? null : core === t.core ? undefined : pathFor(Flow.ERROR_PARTIAL_SUM, t.id, t.core, core),
        );
      }
    }
  }

  const broadcastCores = c.broadcasts.map((b, bi) => {
    const targetCores = [...new Set(coresOf(b.to, sizeOf(b.to)))];
    const errorSource = errors.get(b.from);
    if (!errorSource)
      throw new VleError(`hardware: broadcast '${b.from}' -> '${b.to}': '${b.from}' has no error cell to send`);
    for (const core of targetCores) {
      for (let j = 0; j < sizeOf(b.from); j++)
        destination(Flow.BROADCAST, b.from, errorSource, j, core).broadcasts.push({ broadcast: bi, line: j });
    }
    return targetCores;
  });
  const targetCores = c.outputs.map((o) => coresOf(o.population, sizeOf(o.population)));

  for (const route of routes.values()) {
    if (route.used !== route.words) {
      throw new VleError(
        `hardware: ${route.name} carries ${route.words} words per tick but the dataflow sends ${route.used}; recompile with the route pass`,
      );
    }
  }
  return { cores, links, tiles, tilesOf, rates, errors, broadcastCores, targetCores, linkLoad };
}
