/**
 * The `messages:` promise module's requests: validate (the attributes, and the ring file
 * and TLS files they name), evaluate (send, or find the id already held), terminate. One
 * ring client per ring, kept for the whole agent run.
 *
 * @module
 */
import { loadRingConfig } from "../config/mod.ts";
import { loadClientTls, RingClient, tlsPaths } from "../ring/client/mod.ts";
import type { HostPort, TlsClientFiles } from "../tls/mod.ts";
import { checkPromise, inAttributes, type MessagePromise } from "./messages_promise.ts";
import type { ModuleLog, ModuleRequest, ModuleResponse } from "./module_protocol.ts";

/** Where a promise's messages go. */
interface Target {
  servers: HostPort[];
  tls: TlsClientFiles | undefined;
}

async function targetOf(p: MessagePromise): Promise<Target> {
  const flags = { ca: p.tls.ca, cert: p.tls.cert, key: p.tls.key };
  if (p.ring !== undefined) {
    const config = loadRingConfig(p.ring);
    const servers = config.nodes.map((n) => ({ host: n.host, port: n.clientPort }));
    return { servers, tls: await loadClientTls(tlsPaths(flags, config)) };
  }
  return { servers: p.servers!, tls: await loadClientTls(tlsPaths(flags)) };
}

/**
 * Answers the agent's requests for `messages:` promises.
 *
 * @example
 * ```ts
 * const m = new MessagesModule();
 * const r = await m.handle({ operation: "evaluate_promise", promiser: "backup done", attributes: { ring: "/etc/zog/ring.toml" } });
 * r.result; // "repaired"
 * await m.close();
 * ```
 */
export class MessagesModule {
  readonly #clients = new Map<string, RingClient>();
  /** Rings that left a message unacknowledged this run, with why. */
  readonly #down = new Map<string, string>();

  /** The response to one request; never throws (a failure is a result with its reason logged). */
  async handle(req: ModuleRequest): Promise<ModuleResponse> {
    const base = { operation: req.operation };
    switch (req.operation) {
      case "validate_promise":
        return { ...base, ...echo(req), ...(await this.#validate(req)) };
      case "evaluate_promise":
        return { ...base, ...echo(req), ...(await this.#evaluate(req)) };
      case "terminate":
        await this.close();
        return { ...base, result: "success" };
      default:
        return { ...base, result: "error", logs: [{ level: "critical", message: `unknown operation "${req.operation}"` }] };
    }
  }

  /** Closes every ring client. */
  async close(): Promise<void> {
    const all = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(all.map((c) => c.close()));
  }

  async #validate(req: ModuleRequest): Promise<Pick<ModuleResponse, "result" | "logs">> {
    const checked = checkPromise(req.promiser ?? "", req.attributes ?? {});
    if ("problems" in checked) return invalid(req, checked.problems);
    try {
      await targetOf(checked.promise);
    } catch (e) {
      return invalid(req, [(e as Error).message]);
    }
    return { result: "valid" };
  }

  async #evaluate(req: ModuleRequest): Promise<Pick<ModuleResponse, "result" | "logs">> {
    const checked = checkPromise(req.promiser ?? "", req.attributes ?? {});
    if ("problems" in checked) return invalid(req, checked.problems);
    const p = checked.promise;
    const what = `message "${p.content}"${p.givenId !== undefined ? ` (id ${p.givenId})` : ""}`;
    if (p.dryRun) return { result: "not_kept", logs: [{ level: "warning", message: `should send ${what} (not sent: dry run)` }] };
    const key = JSON.stringify([p.ring, p.servers, p.tls, p.timeoutMs]);
    // One run waits for an unanswering ring once, not once per promise.
    const down = this.#down.get(key);
    if (down) return notKept(`cannot send ${what}: not tried, the ring did not answer this run's earlier message (${down})`);
    try {
      const client = await this.#client(key, p);
      const sent = await client.send(p.content, { id: p.id });
      if (sent.held) return { result: "kept", logs: [{ level: "verbose", message: `the ring already holds ${what}` }] };
      const id = sent.id === p.givenId ? "" : ` as id ${sent.id}`;
      return { result: "repaired", logs: [{ level: "info", message: `sent ${what} to the ring${id}` }] };
    } catch (e) {
      const reason = (e as Error).message;
      if (/ not acknowledged within /.test(reason)) this.#down.set(key, reason);
      return notKept(`cannot send ${what}: ${inAttributes(reason)}`);
    }
  }

  async #client(key: string, p: MessagePromise): Promise<RingClient> {
    let client = this.#clients.get(key);
    if (!client) {
      const target = await targetOf(p);
      client = new RingClient({ servers: target.servers, tls: target.tls, timeoutMs: p.timeoutMs });
      this.#clients.set(key, client);
    }
    // A client that met a failure no retry cures stays failed: the next promise tries anew.
    if (client.fatal) {
      this.#clients.delete(key);
      await client.close();
      return await this.#client(key, p);
    }
    return client;
  }
}

function notKept(message: string): Pick<ModuleResponse, "result" | "logs"> {
  return { result: "not_kept", logs: [{ level: "error", message }] };
}

function echo(req: ModuleRequest): Pick<ModuleResponse, "promiser" | "attributes"> {
  return { promiser: req.promiser ?? "", attributes: req.attributes ?? {} };
}

function invalid(req: ModuleRequest, problems: string[]): Pick<ModuleResponse, "result" | "logs"> {
  const where = req.filename ? ` (${req.filename}:${req.line_number ?? "?"})` : "";
  const logs: ModuleLog[] = problems.map((p) => ({ level: "error", message: `invalid messages promise${where}: ${p}` }));
  return { result: "invalid", logs };
}
