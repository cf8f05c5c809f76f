// "Did you mean": the closest of the known names to a mistyped one, when it is close enough to be the likely intent.
import { distance } from "fastest-levenshtein";

/** Case and - versus _ do not count as differences: lag-line, LAG_LINE and lag_line are one name. */
const normal = (s: string) => s.trim().toLowerCase().replace(/-/g, "_");

/** The choice closest to `word` by edit distance, when within max(2, a third of its length) edits. */
export function closest(word: string, choices: readonly string[]): string | undefined {
  const w = normal(word);
  let best: string | undefined,
    bestDistance = Infinity;
  for (const c of choices) {
    const d = distance(w, normal(c));
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/** " (did you mean 'x'?)" when a choice is close to `word` (and is not `word` itself), else "". */
export function didYouMean(word: string, choices: readonly string[]): string {
  const guess = closest(word, choices);
  return guess !== undefined && guess !== word ? ` (did you mean '${guess}'?)` : "";
}
