#!/usr/bin/env bun
import { runMain } from "../lib/cli/main.ts";
import { main } from "../lib/ring/sprog_cli.ts";

await runMain("sprog", main);
