// NIR files (neuromorphs/NIR: HDF5 with /version and the graph under /node): read into and written from a plain graph.
import { closeSync, openSync, readFileSync, readSync, rmSync, statSync } from "node:fs";
import h5wasm from "h5wasm/node";
import { VleError } from "../../circuits/errors.js";
import { writeFileAtomic } from "../../circuits/files.js";

/** An n-dimensional array of a node's parameter, row-major. */
export interface NirArray {
  shape: number[];
  data: Float64Array;
}

/** One node: its NIR type ("LI", "Affine", ...) and its parameters by NIR's field names ("tau", "v_leak"). */
export interface NirNode {
  type: string;
  params: Map<string, NirArray>;
  /** written under the node's `metadata` group (strings or arrays); not read back */
  metadata?: Record<string, string | NirArray>;
}

/** A flat NIR graph: named nodes and directed edges between them (source, target). */
export interface NirGraph {
  version: string;
  nodes: Map<string, NirNode>;
  edges: [string, string][];
}

/** What a reader accepts before giving up: NIR files of networks that fit a chip are far smaller. */
export const nirBudget = { bytes: 256 * 2 ** 20, nodes: 10_000, values: 50_000_000 } as const;

type H5Group = InstanceType<typeof h5wasm.Group>;
type H5Dataset = InstanceType<typeof h5wasm.Dataset>;

function text(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return undefined;
}

/** Reads a NIR graph from an HDF5 file; every problem is one line naming the file and the node. */
export async function readNir(path: string): Promise<NirGraph> {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw new VleError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (size > nirBudget.bytes)
    throw new VleError(`${path}: ${size} bytes is more than a NIR graph may have here (${nirBudget.bytes})`);
  // HDF5 opens what is not HDF5 without an error (printing its diagnostics), so the signature is checked first
  if (!isHdf5(path, size)) throw new VleError(`${path}: not an HDF5 file (no HDF5 signature); give a .nir file`);
  await h5wasm.ready;
  // a damaged file opens without an error (the HDF5 library prints its diagnostics); reading its root throws
  let file: InstanceType<typeof h5wasm.File> | undefined;
  try {
    file = new h5wasm.File(path, "r");
    file.keys();
  } catch {
    throw new VleError(
      `${path}: not a readable HDF5 file (damaged or truncated); give a .nir file written by nir.write`,
    );
  }
  try {
    const keys = file.keys();
    const version = keys.includes("version") ? file.get("version") : null;
    const root = keys.includes("node") ? file.get("node") : null;
    if (!(root instanceof h5wasm.Group))
      throw new VleError(`${path}: no /node group, so not a NIR graph; write it with nir.write(path, graph)`);
    const graph = readGraph(path, root, "node");
    graph.version = (version instanceof h5wasm.Dataset && text(version.value)) || "unknown";
    return graph;
  } finally {
    file.close();
  }
}

/** The HDF5 signature, found at byte 0 or at a power of two from 512 on (after a user block). */
const signature = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

function isHdf5(path: string, size: number): boolean {
  const fd = openSync(path, "r");
  try {
    const at = Buffer.alloc(8);
    for (let offset = 0; offset + 8 <= size; offset = offset === 0 ? 512 : offset * 2) {
      readSync(fd, at, 0, 8, offset);
      if (at.equals(signature)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

function readGraph(path: string, group: H5Group, at: string): NirGraph {
  const type = datasetText(path, group, "type", at);
  if (type !== "NIRGraph") throw new VleError(`${path}: ${at} has type '${type}', expected a NIRGraph`);
  const nodesGroup = group.keys().includes("nodes") ? group.get("nodes") : null;
  if (!(nodesGroup instanceof h5wasm.Group)) throw new VleError(`${path}: ${at} has no 'nodes' group`);
  const names = nodesGroup.keys();
  if (names.length > nirBudget.nodes)
    throw new VleError(`${path}: ${names.length} nodes is more than a graph may have here (${nirBudget.nodes})`);
  const nodes = new Map<string, NirNode>();
  let values = 0;
  for (const name of names) {
    const node = nodesGroup.get(name);
    const where = `node '${name}'`;
    if (!(node instanceof h5wasm.Group)) throw new VleError(`${path}: ${where} is not a group`);
    const nodeType = datasetText(path, node, "type", where);
    const params = new Map<string, NirArray>();
    // a nested graph's parameters are its own nodes; the importer refuses it by type, so they are not read
    if (nodeType !== "NIRGraph") {
      for (const key of node.keys()) {
        if (key === "type" || key === "metadata") continue;
        const entry = node.get(key);
        if (!(entry instanceof h5wasm.Dataset)) continue;
        const array = numbers(path, entry, `${where} field '${key}'`);
        values += array.data.length;
        if (values > nirBudget.values)
          throw new VleError(`${path}: more than ${nirBudget.values} parameter values; too large a graph`);
        params.set(key, array);
      }
    }
    nodes.set(name, { type: nodeType, params });
  }
  return { version: "", nodes, edges: readEdges(path, group, at) };
}

function datasetText(path: string, group: H5Group, key: string, where: string): string {
  const d = group.keys().includes(key) ? group.get(key) : null;
  const value = d instanceof h5wasm.Dataset ? text(d.value) : undefined;
  if (value === undefined) throw new VleError(`${path}: ${where} has no '${key}' string`);
  return value;
}

function numbers(path: string, d: H5Dataset, where: string): NirArray {
  const shape = d.shape ?? [];
  const value = d.value;
  const flat: ArrayLike<number | bigint> | undefined = ArrayBuffer.isView(value)
    ? (value as unknown as ArrayLike<number | bigint>)
    : typeof value === "number" || typeof value === "bigint"
      ? [value]
      : typeof value === "boolean"
        ? [Number(value)]
        : undefined;
  if (flat === undefined) throw new VleError(`${path}: ${where} is not numeric`);
  const data = Float64Array.from({ length: flat.length }, (_, i) => Number(flat[i]));
  return { shape, data };
}

function readEdges(path: string, group: H5Group, at: string): [string, string][] {
  const d = group.keys().includes("edges") ? group.get("edges") : null;
  if (!(d instanceof h5wasm.Dataset)) throw new VleError(`${path}: ${at} has no 'edges' dataset`);
  const value = d.value;
  const flat = (Array.isArray(value) ? value.flat(2) : []).map(text);
  if (flat.length === 0) return [];
  if (flat.length % 2 !== 0 || flat.some((s) => s === undefined))
    throw new VleError(`${path}: ${at}/edges is not a list of (source, target) name pairs`);
  const edges: [string, string][] = [];
  for (let k = 0; k < flat.length; k += 2) edges.push([flat[k]!, flat[k + 1]!]);
  return edges;
}

/** Writes a NIR graph as the `nir` package does (version string, /node/type = NIRGraph, nodes, edges), atomically. */
export async function writeNir(path: string, graph: NirGraph): Promise<void> {
  await h5wasm.ready;
  const scratch = `${path}.${process.pid}.h5tmp`;
  let file: InstanceType<typeof h5wasm.File>;
  try {
    file = new h5wasm.File(scratch, "w");
  } catch (err) {
    throw new VleError(`${path}: cannot write (${(err as Error).message})`);
  }
  try {
    file.create_dataset({ name: "version", data: graph.version });
    const root = file.create_group("node");
    root.create_dataset({ name: "type", data: "NIRGraph" });
    const nodes = root.create_group("nodes");
    for (const [name, node] of graph.nodes) {
      const g = nodes.create_group(name);
      g.create_dataset({ name: "type", data: node.type });
      if (node.metadata) {
        const meta = g.create_group("metadata");
        for (const [key, value] of Object.entries(node.metadata))
          if (typeof value === "string") meta.create_dataset({ name: key, data: value });
          else meta.create_dataset({ name: key, data: value.data, shape: value.shape, dtype: "<d" });
      }
      for (const [key, array] of node.params) {
        // Input and Output shapes are integers in NIR; every parameter is float64
        const integer = key === "shape";
        g.create_dataset({
          name: key,
          data: integer ? BigInt64Array.from(array.data, (x) => BigInt(x)) : array.data,
          shape: array.shape,
          dtype: integer ? "<q" : "<d",
        });
      }
    }
    root.create_dataset({ name: "edges", data: graph.edges.flat(), shape: [graph.edges.length, 2] });
  } finally {
    file.close();
  }
  try {
    writeFileAtomic(path, readFileSync(scratch));
  } finally {
    rmSync(scratch, { force: true });
  }
}
