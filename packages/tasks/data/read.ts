// Reads a user's data file by its extension (.npz, .npy, .h5/.hdf5, .csv), or named .npy files given as x=a.npy,y=b.npy.
import { VleError } from "../../../circuits/errors.js";
import type { Arrays } from "./arrays.js";
import { readCsv } from "./csv.js";
import { readHdf5 } from "./hdf5.js";
import { readNpy, readNpz } from "./numpy.js";

const kinds = ".npz, .h5/.hdf5, .csv, or name=file.npy pairs (x=x.npy,y=y.npy)";

/** The named arrays of `spec`: a file, or comma-separated name=file.npy pairs. */
export async function readData(spec: string): Promise<Arrays> {
  if (/^[A-Za-z_]\w*=/.test(spec)) {
    const arrays: Arrays = new Map();
    for (const part of spec.split(",")) {
      const m = /^([A-Za-z_]\w*)=(.+\.npy)$/i.exec(part.trim());
      if (!m) throw new VleError(`--data '${part}': give name=file.npy (e.g. x=train_x.npy,y=train_y.npy)`);
      arrays.set(m[1], readNpy(m[2], m[1]));
    }
    return arrays;
  }
  if (/\.npz$/i.test(spec)) return readNpz(spec);
  if (/\.(h5|hdf5)$/i.test(spec)) return readHdf5(spec);
  if (/\.csv$/i.test(spec)) return readCsv(spec);
  if (/\.npy$/i.test(spec)) return new Map([["x", readNpy(spec, "x")]]);
  throw new VleError(`${spec}: unknown data file type; give ${kinds}`);
}
