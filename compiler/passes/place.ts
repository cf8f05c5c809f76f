// Pass 'place': puts neurons on cores and tiles crossbars larger than a core's synapse array across cores (partial sums added at the neuron's core).
import { Feedback, type CellPlacement, type Circuit, type Core, type CrossbarTile } from "../../circuits/model.js";
import { definePass } from "../pass.js";
import { fail } from "../source.js";
import type { Layout } from "../stages.js";

/** What a core holds and converts. */
export interface CoreShape {
  neurons: number;
  synapses: number;
  dacs: number;
  adcs: number;
}

interface CoreUse {
  core: Core;
  neurons: number;
  synapses: number;
}

/** Neurons of each population in order, filling cores; a population larger than the room left continues on the next core. */
function placeNeurons(c: Circuit, shape: CoreShape, cores: CoreUse[], newCore: () => CoreUse): CellPlacement[] {
  const placements: CellPlacement[] = [];
  for (const p of c.populations) {
    let first = 0;
    while (first < p.size) {
      let use = cores[cores.length - 1];
      if (!use || use.neurons >= shape.neurons) use = newCore();
      const count = Math.min(p.size - first, shape.neurons - use.neurons);
      placements.push({ element: p.name, first, count, core: use.core.name });
      use.neurons += count;
      first += count;
    }
  }
  return placements;
}

/**
 * Tiles every crossbar: for each slice of its post neurons, blocks of rows x cols that fit a core's synapse
 * array, first on the neurons' own core (their column currents add in place), the rest on cores with room or
 * new ones (their partial sums are digitized and routed to the neurons' core).
 */
function tileCrossbars(
  c: Circuit,
  shape: CoreShape,
  placements: CellPlacement[],
  cores: CoreUse[],
  newCore: () => CoreUse,
  tooSmall: (problem: string, fix: string) => never,
): CrossbarTile[] {
  const tiles: CrossbarTile[] = [];
  const byName = new Map(cores.map((u) => [u.core.name, u]));
  const capacity = shape.synapses;
  for (const x of c.crossbars) {
    const cellsPerSynapse = x.feedback === Feedback.RANDOM || x.feedback === Feedback.LEARNED ? 2 : 1;
    if (capacity < cellsPerSynapse) {
      tooSmall(
        `core synapses ${capacity} cannot hold one synapse of crossbar '${x.name}' (${cellsPerSynapse} cells with its own feedback matrix)`,
        `give hardware.core.synapses at least ${cellsPerSynapse}`,
      );
    }
    for (const slice of placements.filter((p) => p.element === x.post)) {
      const band = Math.min(slice.count, Math.floor(capacity / cellsPerSynapse));
      for (let r = slice.first; r < slice.first + slice.count; r += band) {
        const rows = Math.min(band, slice.first + slice.count - r);
        let col = 0;
        const place = (use: CoreUse) => {
          const cols = Math.min(x.cols - col, Math.floor((capacity - use.synapses) / (rows * cellsPerSynapse)));
          if (cols < 1) return;
          tiles.push({ crossbar: x.name, core: use.core.name, rowFirst: r, rows, colFirst: col, cols });
          use.synapses += rows * cols * cellsPerSynapse;
          col += cols;
        };
        place(byName.get(slice.core)!);
        if (col < x.cols) place(cores[cores.length - 1]);
        while (col < x.cols) {
          const use = newCore();
          byName.set(use.core.name, use);
          place(use);
        }
      }
    }
  }
  return tiles;
}

/** Each input port on the core holding most of the crossbar columns it drives (its DACs sit there). */
function placeInputs(c: Circuit, tiles: CrossbarTile[], cores: CoreUse[]): CellPlacement[] {
  return c.inputs.map((port) => {
    const columns = new Map<string, number>();
    for (const t of tiles) {
      const x = c.crossbars.find((k) => k.name === t.crossbar)!;
      if (x.pre === port.name) columns.set(t.core, (columns.get(t.core) ?? 0) + t.cols * t.rows);
    }
    const best = [...columns].sort((a, b) => b[1] - a[1])[0]?.[0] ?? cores[0].core.name;
    return { element: port.name, first: 0, count: port.size, core: best };
  });
}

/** Cores, neuron and input placements and crossbar tiles for cores of `shape` on a mesh (given, or the smallest near-square). */
export function layOut(
  c: Circuit,
  shape: CoreShape,
  mesh: { width: number; height: number } | undefined,
  tooSmall: (problem: string, fix: string) => never,
  meshTooSmall: (problem: string, fix: string) => never,
): Layout {
  const uses: CoreUse[] = [];
  const newCore = (): CoreUse => {
    const use = {
      core: {
        name: `core${uses.length}`,
        x: 0,
        y: 0,
        neuronCapacity: shape.neurons,
        synapseCapacity: shape.synapses,
        dacs: shape.dacs,
        adcs: shape.adcs,
      },
      neurons: 0,
      synapses: 0,
    };
    uses.push(use);
    return use;
  };
  const neurons = placeNeurons(c, shape, uses, newCore);
  const tiles = tileCrossbars(c, shape, neurons, uses, newCore, tooSmall);
  const inputs = placeInputs(c, tiles, uses);
  const width = mesh?.width ?? Math.ceil(Math.sqrt(uses.length));
  const height = mesh?.height ?? Math.ceil(uses.length / width);
  if (width * height < uses.length)
    meshTooSmall(
      `a ${width}x${height} mesh holds ${width * height} cores but the circuit needs ${uses.length}`,
      "enlarge the mesh, or leave it out to size it automatically",
    );
  uses.forEach((u, i) => {
    u.core.x = i % width;
    u.core.y = Math.floor(i / width);
  });
  return { cores: uses.map((u) => u.core), width, height, neurons, tiles, inputs };
}

export const place = definePass({
  name: "place",
  needs: ["source", "circuit", "target"],
  run({ source, circuit, target }) {
    if (!target) return { layout: undefined };
    const layout = layOut(
      circuit,
      target.core,
      target.mesh,
      (problem, fix) => fail(source.file, target.core.where, problem, fix),
      (problem, fix) => fail(source.file, target.mesh!.where, problem, fix),
    );
    return { layout };
  },
});
