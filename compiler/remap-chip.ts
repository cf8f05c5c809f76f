// A compiled chip laid out again after its network changed size (for sweeps of the energy report).
import { VleError } from "../circuits/errors.js";
import { pipelineBound } from "../circuits/hardware.js";
import type { Circuit } from "../circuits/model.js";
import { layOut } from "./passes/place.js";
import { routes } from "./passes/route.js";
import { roundDown } from "./passes/settle-timing.js";

/**
 * Lays the circuit's chip out again after its network changed size (for sweeps): the same core shape,
 * converters and timing rules; the acceleration is kept unless the pipeline no longer fits, then lowered to fit.
 * Changes `c.hardware` in place and returns `c`.
 */
export function remapChip(c: Circuit): Circuit {
  const h = c.hardware;
  if (!h) throw new VleError(`circuit '${c.name}' has no hardware section to lay out again`);
  const k = h.cores[0];
  const tooSmall = (problem: string, fix: string): never => {
    throw new VleError(`circuit '${c.name}': ${problem}; ${fix}`);
  };
  const layout = layOut(
    c,
    { neurons: k.neuronCapacity, synapses: k.synapseCapacity, dacs: k.dacs, adcs: k.adcs },
    undefined,
    tooSmall,
    tooSmall,
  );
  h.cores = layout.cores;
  h.placements = [...layout.inputs, ...layout.neurons];
  h.tiles = layout.tiles;
  h.noc.width = layout.width;
  h.noc.height = layout.height;
  h.routes = routes(c, h);
  const fit = (c.dt * c.timeUnitS! * h.clockHz) / Math.max(1, pipelineBound(c, h).total);
  if (h.acceleration > fit) h.acceleration = roundDown(fit);
  return c;
}
