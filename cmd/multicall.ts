#!/usr/bin/env bun
// The one executable of a release: zog, sprog, zeus and emperor are names of it.
import { runMulticall } from "../lib/programs/multicall.ts";

void runMulticall();
