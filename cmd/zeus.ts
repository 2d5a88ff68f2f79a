#!/usr/bin/env bun
// `bun cmd/zeus.ts ARGS` runs zeus from source; the built executable (cmd/multicall.ts) holds all four.
import { runMain } from "../lib/cli/main.ts";
import { main } from "../lib/zeus/zeus_cli.ts";

await runMain("zeus", main);
