/**
 * The one I/O edge to etcd: posts {@link EtcdRequest}s to its HTTP/JSON gateway over fetch,
 * moving to the next member when one does not answer, and streams watches.
 *
 * @module
 */
import { EtcdError } from "../errors.ts";
import type { TlsClientFiles } from "../tls/mod.ts";
import type { EtcdRequest } from "./requests.ts";

/** Options of an {@link EtcdClient}. */
export interface EtcdClientOptions {
  /** "HOST:PORT" of each member. */
  endpoints: string[];
  /** https with these files when given (`--etcd-ca`, `--etcd-cert`, `--etcd-key`). */
  tls?: TlsClientFiles;
  /** Per-request limit; default 2000 ms. */
  timeoutMs?: number;
}

type Json = Record<string, unknown>;

/** Why a member did not answer, in an operator's words. */
function why(e: Error & { code?: string }): string {
  if (e.name === "TimeoutError") return "no answer in time";
  if (e.code === "ConnectionRefused" || e.code === "ECONNREFUSED") return "connection refused";
  if (e.code === "EPROTO" || e.code?.startsWith("ERR_TLS") || /CERT|SSL|TLS/.test(e.code ?? ""))
    return `TLS failed (${e.code}): check --etcd-ca, and --etcd-cert/--etcd-key if etcd asks for a client certificate`;
  return e.code ?? e.message;
}

/**
 * A client of one etcd cluster.
 *
 * @example
 * ```ts
 * const etcd = new EtcdClient({ endpoints: ["127.0.0.1:2379"] });
 * const res = await etcd.call(rangeRequest("/zeus/leader"));
 * ```
 */
export class EtcdClient {
  #current = 0;

  constructor(readonly opts: EtcdClientOptions) {}

  /** The member requests go to now. */
  get endpoint(): string {
    return this.opts.endpoints[this.#current]!;
  }

  #url(endpoint: string, path: string): string {
    return `${this.opts.tls ? "https" : "http"}://${endpoint}${path}`;
  }

  #init(body: unknown, signal: AbortSignal): RequestInit {
    const init: RequestInit & { tls?: unknown } = { method: "POST", body: JSON.stringify(body), signal };
    if (this.opts.tls) init.tls = { ...this.opts.tls, rejectUnauthorized: true };
    return init;
  }

  /**
   * Sends one request; tries each member once, starting with the last one that answered.
   *
   * @throws {EtcdError} unreachable when no member answered; not when one answered an error
   */
  async call(req: EtcdRequest, timeoutMs = this.opts.timeoutMs ?? 2000): Promise<Json> {
    const n = this.opts.endpoints.length;
    const errors: string[] = [];
    for (let i = 0; i < n; i++) {
      const endpoint = this.opts.endpoints[(this.#current + i) % n]!;
      let res: Response;
      let text: string;
      try {
        res = await fetch(this.#url(endpoint, req.path), this.#init(req.body, AbortSignal.timeout(timeoutMs)));
        text = await res.text();
      } catch (e) {
        errors.push(`${endpoint}: ${why(e as Error)}`);
        continue;
      }
      this.#current = (this.#current + i) % n;
      let doc: Json;
      try {
        doc = JSON.parse(text);
      } catch {
        throw new EtcdError(`etcd at ${endpoint} answered ${req.path} with HTTP ${res.status} and no JSON: is it etcd?`, false);
      }
      if (!res.ok || doc.error !== undefined) {
        const message = String(doc.message ?? doc.error ?? `HTTP ${res.status}`);
        throw new EtcdError(`etcd at ${endpoint} refused ${req.path}: ${message}`, false);
      }
      return doc;
    }
    throw new EtcdError(`etcd unreachable (${errors.join("; ")})`, true);
  }

  /**
   * Whether member `endpoint` is up and part of a quorum: its `/health` (which reads through
   * raft) answers `true` in time.
   */
  async #healthy(endpoint: string, timeoutMs: number): Promise<boolean> {
    try {
      const init: RequestInit & { tls?: unknown } = { signal: AbortSignal.timeout(timeoutMs) };
      if (this.opts.tls) init.tls = { ...this.opts.tls, rejectUnauthorized: true };
      const res = await fetch(this.#url(endpoint, "/health"), init);
      return res.ok && (await res.json()).health === "true";
    } catch {
      // Unreachable or not answering JSON: unhealthy, which is what the caller reports.
      return false;
    }
  }

  /**
   * Opens a watch stream and calls `onMessage` with each message until the stream ends or
   * `signal` aborts; resolves then. A member that hangs (paused, cut off from its peers)
   * neither sends nor fails a stream, so the member is asked for its health every
   * `probeMs` while the watch is open; when it does not answer healthy in time, the watch
   * ends with an unreachable error and requests move to the next member.
   *
   * @throws {EtcdError} when no member accepts the watch, or the stream broke
   */
  async watch(req: EtcdRequest, onMessage: (m: Json) => void, signal: AbortSignal, probeMs = 1000): Promise<void> {
    const endpoint = this.endpoint;
    const local = new AbortController();
    const abort = () => local.abort();
    signal.addEventListener("abort", abort, { once: true });
    let sick = false;
    let probing = false;
    const probe = setInterval(async () => {
      if (probing) return;
      probing = true;
      if (!(await this.#healthy(endpoint, this.opts.timeoutMs ?? 2000)) && !local.signal.aborted) {
        sick = true;
        local.abort();
      }
      probing = false;
    }, probeMs);
    const moveOn = () => {
      if (this.endpoint === endpoint) this.#current = (this.#current + 1) % this.opts.endpoints.length;
    };
    try {
      let res: Response;
      try {
        res = await fetch(this.#url(endpoint, req.path), this.#init(req.body, local.signal));
      } catch (e) {
        if (signal.aborted) return;
        moveOn();
        throw new EtcdError(`etcd watch at ${endpoint}: ${sick ? "the member is not healthy" : why(e as Error)}`, true, { cause: e });
      }
      if (!res.ok || !res.body) throw new EtcdError(`etcd at ${endpoint} refused the watch: HTTP ${res.status}`, false);
      const decoder = new TextDecoder();
      let buffered = "";
      try {
        for await (const chunk of res.body) {
          buffered += decoder.decode(chunk, { stream: true });
          let nl: number;
          while ((nl = buffered.indexOf("\n")) >= 0) {
            const line = buffered.slice(0, nl).trim();
            buffered = buffered.slice(nl + 1);
            if (line !== "") onMessage(JSON.parse(line));
          }
        }
      } catch (e) {
        if (signal.aborted) return;
        if (sick) moveOn();
        throw new EtcdError(`etcd watch at ${endpoint} broke: ${sick ? "the member is not healthy" : why(e as Error)}`, true, { cause: e });
      }
    } finally {
      clearInterval(probe);
      signal.removeEventListener("abort", abort);
    }
  }
}
