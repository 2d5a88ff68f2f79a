#!/usr/bin/env bun
// `bun cmd/sprog.ts ARGS` runs sprog from source; the built executable (cmd/multicall.ts) holds all four.
import { runMain } from "../lib/cli/main.ts";
import { main } from "../lib/ring/client/sprog_cli.ts";

await runMain("sprog", main);
