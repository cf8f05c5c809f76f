// The first field in which two plain-data values (circuits, decoded messages) differ, as a path such as crossbars[1].weights[3].

/**
 * Walks both values in parallel; numbers compare with === (so 0 and -0 are equal, as they behave alike in
 * every circuit), typed arrays and arrays element by element, objects key by key (a key missing on one side
 * differs from a present one). Returns undefined when equal.
 */
export function firstDifferingField(a: unknown, b: unknown, path = ""): string | undefined {
  if (a === b) return undefined;
  const here = path || "(the whole value)";
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object")
    return `${here}: ${show(a)} vs ${show(b)}`;
  const listA = Array.isArray(a) || ArrayBuffer.isView(a),
    listB = Array.isArray(b) || ArrayBuffer.isView(b);
  if (listA !== listB) return `${here}: ${show(a)} vs ${show(b)}`;
  if (listA) {
    const x = a as ArrayLike<unknown>,
      y = b as ArrayLike<unknown>;
    if (x.length !== y.length) return `${here}: ${x.length} vs ${y.length} elements`;
    for (let i = 0; i < x.length; i++) {
      const d = firstDifferingField(x[i], y[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  const x = a as Record<string, unknown>,
    y = b as Record<string, unknown>;
  for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) {
    const at = path ? `${path}.${key}` : key;
    if (!(key in x) || !(key in y))
      return `${at}: ${key in x ? "present" : "missing"} vs ${key in y ? "present" : "missing"}`;
    const d = firstDifferingField(x[key], y[key], at);
    if (d) return d;
  }
  return undefined;
}

/** A short rendering of a value for messages. */
function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === "object" && v !== null) return Array.isArray(v) ? `a list of ${v.length}` : "an object";
  return String(v);
}
