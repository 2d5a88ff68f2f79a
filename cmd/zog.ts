#!/usr/bin/env bun
import { runMain } from "../lib/cli/main.ts";
import { main } from "../lib/ring/zog_cli.ts";

await runMain("zog", main);
