// Reads an ngspice rawfile (binary or ASCII, real data) into one Float64Array per variable.
import { VleError } from "../../circuits/errors.js";

export interface Rawfile {
  plot: string;
  /** variable names as ngspice writes them, lower case: "time", "v(r_l0_0)", "i(vcm_l0_0)" */
  names: string[];
  /** one array per variable, points in time order */
  data: Float64Array[];
}

/** Parses the first plot of a rawfile; `where` names it in errors. */
export function parseRawfile(bytes: Uint8Array, where = "rawfile"): Rawfile {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = new Map<string, string>();
  const names: string[] = [];
  let pos = 0;
  const nextLine = (): string => {
    const end = buf.indexOf(0x0a, pos);
    if (end < 0) throw new VleError(`${where}: truncated header; ngspice stopped before writing its data`);
    const line = buf.toString("latin1", pos, end).replace(/\r$/, "");
    pos = end + 1;
    return line;
  };
  let format: "binary" | "ascii" | undefined;
  while (!format) {
    const line = nextLine();
    if (line.startsWith("Binary:")) format = "binary";
    else if (line.startsWith("Values:")) format = "ascii";
    else if (line.startsWith("Variables:")) {
      const count = Number(header.get("no. variables"));
      if (!Number.isInteger(count) || count < 1) throw new VleError(`${where}: no variable count before 'Variables:'`);
      const rest = line.slice("Variables:".length).trim();
      const first = rest ? [rest] : [];
      for (let k = 0; k < count; k++) {
        const fields = (k < first.length ? first[k] : nextLine()).trim().split(/\s+/);
        if (fields.length < 2) throw new VleError(`${where}: bad variable line ${k}`);
        names.push(fields[1].toLowerCase());
      }
    } else {
      const colon = line.indexOf(":");
      if (colon > 0) header.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
  }
  const flags = header.get("flags") ?? "real";
  if (/complex/i.test(flags)) throw new VleError(`${where}: complex data (an AC analysis); expected a transient`);
  const n = names.length,
    points = Number(header.get("no. points"));
  if (!Number.isInteger(points) || points < 1)
    throw new VleError(`${where}: no data points; the simulation did not run (see ngspice's output)`);
  const data = names.map(() => new Float64Array(points));
  if (format === "binary") {
    const need = points * n * 8;
    if (buf.length - pos < need)
      throw new VleError(
        `${where}: ${buf.length - pos} data bytes for ${points} points of ${n} variables (${need} needed)`,
      );
    for (let p = 0; p < points; p++) for (let v = 0; v < n; v++) data[v][p] = buf.readDoubleLE(pos + 8 * (p * n + v));
  } else {
    const values = buf.toString("latin1", pos).trim().split(/\s+/);
    // each point: index, then n values
    if (values.length < points * (n + 1))
      throw new VleError(`${where}: ${values.length} numbers for ${points} points of ${n} variables`);
    for (let p = 0; p < points; p++) for (let v = 0; v < n; v++) data[v][p] = Number(values[p * (n + 1) + 1 + v]);
  }
  return { plot: header.get("plotname") ?? "", names, data };
}

/** The values of `name` (e.g. "v(r_l0_0)" or the bare node "r_l0_0"); throws naming the missing vector. */
export function vector(raw: Rawfile, name: string, where = "rawfile"): Float64Array {
  const key = name.toLowerCase();
  let k = raw.names.indexOf(key);
  if (k < 0) k = raw.names.indexOf(`v(${key})`);
  if (k < 0) throw new VleError(`${where}: no vector '${name}'`);
  return raw.data[k];
}

/** The time axis of a transient (s). */
export function rawTime(raw: Rawfile): Float64Array {
  return vector(raw, "time");
}
