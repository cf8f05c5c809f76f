// HDF5 files (.h5, .hdf5): the datasets at the file's root, read with h5wasm.
import h5wasm from "h5wasm/node";
import { VleError } from "../../../circuits/errors.js";
import { checkFileSize, toFloat64, type Arrays } from "./arrays.js";

/** Every numeric dataset at the root of an HDF5 file, by name. */
export async function readHdf5(path: string): Promise<Arrays> {
  checkFileSize(path);
  await h5wasm.ready;
  let file: InstanceType<typeof h5wasm.File>;
  try {
    file = new h5wasm.File(path, "r");
  } catch (err) {
    throw new VleError(`${path}: not a readable HDF5 file (${(err as Error).message})`);
  }
  try {
    const arrays: Arrays = new Map();
    for (const name of file.keys()) {
      const node = file.get(name);
      if (!(node instanceof h5wasm.Dataset)) continue;
      const shape = node.shape ?? [];
      const value = node.value;
      if (!ArrayBuffer.isView(value) && typeof value !== "number" && typeof value !== "bigint")
        throw new VleError(`${path}: dataset '${name}' is not numeric; store float or int arrays`);
      const values = (ArrayBuffer.isView(value) ? value : [value]) as ArrayLike<number | bigint>;
      arrays.set(name, toFloat64(path, name, shape, values));
    }
    return arrays;
  } finally {
    file.close();
  }
}
