#!/usr/bin/env bun
// `bun cmd/zog.ts ARGS` runs zog from source; the built executable (cmd/multicall.ts) holds all four.
import { runMain } from "../lib/cli/main.ts";
import { main } from "../lib/ring/zog_cli.ts";

await runMain("zog", main);
