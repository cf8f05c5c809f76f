// The arrays a data file holds, by name, as float64 with their shapes; every reader returns this and checks its budget.
import { statSync } from "node:fs";
import { VleError } from "../../../circuits/errors.js";

/** One named array, C order (row-major), as float64. */
export interface NamedArray {
  name: string;
  shape: number[];
  data: Float64Array;
}

export type Arrays = Map<string, NamedArray>;

/** Largest data file read (bytes) and largest array (elements): beyond these a wrong file is likelier than data. */
export const dataBudget = { fileBytes: 2 ** 31, elements: 2 ** 27 } as const;

/** The file's size, refused with a one-line error when it is missing or over the budget. */
export function checkFileSize(path: string): number {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw new VleError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (size > dataBudget.fileBytes)
    throw new VleError(
      `${path}: ${size} bytes, more than the ${dataBudget.fileBytes} a data file may have; split the data into several files`,
    );
  return size;
}

/** An array's elements as float64, refusing shapes over the budget and values that are not numbers. */
export function toFloat64(file: string, name: string, shape: number[], values: ArrayLike<number | bigint>): NamedArray {
  const count = shape.reduce((n, d) => n * d, 1);
  if (count > dataBudget.elements)
    throw new VleError(
      `${file}: array '${name}' of shape [${shape}] has ${count} elements, more than the ${dataBudget.elements} allowed; use a smaller file`,
    );
  if (values.length !== count)
    throw new VleError(
      `${file}: array '${name}' holds ${values.length} values for shape [${shape}]; the file is damaged`,
    );
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = Number(values[i]);
  return { name, shape, data };
}
