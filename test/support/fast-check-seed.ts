// Fixes fast-check's seed in CI, so a run on a clean clone is reproducible; locally every run explores new cases.
import fc from "fast-check";

// VLE_FC_SEED replays a failing CI run anywhere (its seed is printed with the counterexample)
const seed = process.env.VLE_FC_SEED ?? (process.env.CI ? "20261201" : undefined);
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });
