#!/usr/bin/env bun
import { runMain } from "../lib/cli/main.ts";
import { main } from "../lib/zeus/zeus_cli.ts";

await runMain("zeus", main);
