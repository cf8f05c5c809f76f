// Pass 'parse': description text (YAML or JSON) -> line-annotated tree.
import type { Pass } from "../pipeline.js";
import { parseTree } from "../source.js";

export const parse: Pass = {
  name: "parse",
  run(c) {
    c.tree = parseTree(c.text, c.file);
  },
};
