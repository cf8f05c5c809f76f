// What each compiler pass leaves for the later ones: the typed stage results a pipeline carries from pass to pass.
import type {
  CellPlacement,
  Circuit,
  Core,
  CrossbarTile,
  Route,
  SignalRange,
  WeightStorage,
} from "../circuits/model.js";
import type { Description, Graph } from "./graph.js";
import type { Scope } from "./quantity.js";
import type { Node } from "./source.js";
import type { Target } from "./target.js";

/** The description as given. */
interface Source {
  /** the description's path as given (used in every error message and in the provenance) */
  file: string;
  text: string;
  /** top-level keys besides the core ones that passes in this pipeline read (e.g. "hardware") */
  sections: ReadonlySet<string>;
}

/** The weight grid of every crossbar and the range of every converted signal (pass 'quantize'). */
export interface Grids {
  weights: WeightStorage[];
  ranges: SignalRange[];
}

/** Cores on a width x height mesh, the cells placed on them and the crossbars tiled across them (pass 'place'). */
export interface Layout {
  cores: Core[];
  width: number;
  height: number;
  /** slices of every population, core by core */
  neurons: CellPlacement[];
  tiles: CrossbarTile[];
  /** each input port, on the core holding most of the columns it drives */
  inputs: CellPlacement[];
}

/** The acceleration and the analog values that follow from it (pass 'settle-timing'). */
export interface Timing {
  acceleration: number;
  /** leak conductance realizing the mean tau_m in chip time */
  gLS: number;
  /** current of one model unit through that conductance */
  iUnitA: number;
  /** the integrator's bias current */
  iBiasA: number;
}

/**
 * Every stage result, by name. A pass names the stages it needs and returns the ones it makes; the pipeline
 * refuses a pass whose needs no earlier pass made. The chip stages are undefined when there is no target.
 */
export interface Stages {
  source: Source;
  /** parse: the line-annotated tree */
  tree: Node;
  /** resolve: dt's unit and the named values expressions may use (also for later passes reading their own sections) */
  scope: Scope;
  /** resolve: units, expressions and defaults resolved */
  description: Description;
  /** shapes: every size known and checked */
  graph: Graph;
  /** lower onwards: the circuit (later passes change it in place) */
  circuit: Circuit;
  /** read-target: the chip to compile for, if any */
  target: Target | undefined;
  grids: Grids | undefined;
  layout: Layout | undefined;
  routes: Route[] | undefined;
  timing: Timing | undefined;
}

export type StageName = keyof Stages;
