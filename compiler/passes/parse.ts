// Pass 'parse': description text (YAML or JSON) -> line-annotated tree.
import { definePass } from "../pass.js";
import { parseTree } from "../source.js";

export const parse = definePass({
  name: "parse",
  needs: ["source"],
  run: ({ source }) => ({ tree: parseTree(source.text, source.file) }),
});
