#!/usr/bin/env bun
// `bun cmd/emperor.ts ARGS` runs emperor from source; the built executable (cmd/multicall.ts) holds all four.
import { runMain } from "../lib/cli/main.ts";
import { main } from "../lib/emperor/emperor_cli.ts";

await runMain("emperor", main);
