/**
 * CFEngine's promise module protocol, JSON variant (CFEngine ≥ 3.17, cfengine/core
 * docs/custom_promise_types/modules.md): a header line each way, then one JSON request
 * per line, each answered by optional `log_LEVEL=text` lines and one JSON line, every
 * message followed by an empty line. Pure: lines in, text out.
 *
 * @module
 */
import { ProtocolError } from "../errors.ts";

/** The protocol version this module speaks. */
export const MODULE_PROTOCOL = "v1";

/** A request from the agent, as parsed from its JSON line. */
export interface ModuleRequest {
  operation: string;
  log_level?: string;
  promise_type?: string;
  promiser?: string;
  attributes?: Record<string, unknown>;
  filename?: string;
  line_number?: number;
}

/** The levels a module may log at. */
export type ModuleLogLevel = "critical" | "error" | "warning" | "notice" | "info" | "verbose" | "debug";

/** One log line sent before a response. */
export interface ModuleLog {
  level: ModuleLogLevel;
  message: string;
}

/** A response: the operation answered, its result, and what to log first. */
export interface ModuleResponse {
  operation: string;
  result: string;
  promiser?: string;
  attributes?: Record<string, unknown>;
  result_classes?: string[];
  logs?: ModuleLog[];
}

/**
 * Checks the agent's header (`cf-agent 3.21.0 v1`) and returns the module's (`NAME VERSION
 * v1 json_based`), followed by the empty line that ends it.
 *
 * @throws {ProtocolError} when the header is not three or more words or offers no v1
 * @example
 * ```ts
 * headerReply("cf-agent 3.21.0 v1", "cf-messages", "0.1.0"); // "cf-messages 0.1.0 v1 json_based\n\n"
 * ```
 */
export function headerReply(header: string, name: string, version: string): string {
  const words = header.trim().split(/\s+/);
  const offered = words[2] ?? "";
  if (words.length < 3 || !/^v[0-9]+$/.test(offered) || Number(offered.slice(1)) < 1) {
    throw new ProtocolError(`bad promise module header "${header.slice(0, 80)}": expected "cf-agent VERSION v1"`);
  }
  return `${name} ${version.replace(/\s+/g, "_")} ${MODULE_PROTOCOL} json_based\n\n`;
}

/**
 * Parses one request line.
 *
 * @throws {ProtocolError} when it is no JSON object with an `operation` string
 * @example
 * ```ts
 * parseRequest('{"operation":"terminate","log_level":"info"}').operation; // "terminate"
 * ```
 */
export function parseRequest(line: string): ModuleRequest {
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch (e) {
    throw new ProtocolError(`request is not JSON: ${(e as Error).message}`, { cause: e });
  }
  if (typeof data !== "object" || data === null || typeof (data as ModuleRequest).operation !== "string") {
    throw new ProtocolError(`request has no "operation": ${line.slice(0, 80)}`);
  }
  return data as ModuleRequest;
}

/**
 * The text of a response: its log lines (newlines escaped, one per line), the JSON line,
 * and the empty line that ends the message.
 *
 * @example
 * ```ts
 * formatResponse({ operation: "terminate", result: "success" }); // '{"operation":"terminate","result":"success"}\n\n'
 * ```
 */
export function formatResponse(r: ModuleResponse): string {
  const { logs = [], ...body } = r;
  const lines = logs.map((l) => `log_${l.level}=${l.message.replace(/\r?\n/g, "\\n")}\n`);
  return `${lines.join("")}${JSON.stringify(body)}\n\n`;
}
