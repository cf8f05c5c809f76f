// Smallest and largest of a data-sized list by a loop: spreading it into Math.min/max puts every element on the stack, which overflows near 10^5 elements.
export function minOf(xs: Iterable<number>, empty = Infinity): number {
  let lo = empty;
  for (const x of xs) if (x < lo || Number.isNaN(x)) lo = x;
  return lo;
}

export function maxOf(xs: Iterable<number>, empty = -Infinity): number {
  let hi = empty;
  for (const x of xs) if (x > hi || Number.isNaN(x)) hi = x;
  return hi;
}
