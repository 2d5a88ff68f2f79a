#!/usr/bin/env bun
// The one executable of a release: zog, sprog, zeus and emperor are names of it.
// @peculiar/x509 (zog/zeus certs) needs this polyfill first; with programs loaded lazily,
// only the entry point comes first for sure.
import "reflect-metadata";
import { runMulticall } from "../lib/programs/multicall.ts";

void runMulticall();
