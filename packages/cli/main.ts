#!/usr/bin/env node
// The `vle` command: runs the program (run.ts) on the process's arguments and exits with its code.
import { runVle } from "./run.js";

process.exit(await runVle(process.argv));
