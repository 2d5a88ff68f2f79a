#!/usr/bin/env bun
import { runMain } from "../lib/cli/main.ts";
import { main } from "../lib/emperor/emperor_cli.ts";

await runMain("emperor", main);
