import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { checkPromise, inAttributes, ringId } from "../../lib/cfengine/messages_promise.ts";
import { formatResponse, headerReply, parseRequest } from "../../lib/cfengine/module_protocol.ts";
import { ID_RE } from "../../lib/ring/protocol.ts";

describe("checkPromise", () => {
  test("a promise with ring and id is valid; the id is kept as the ring id", () => {
    const r = checkPromise("backup done", { ring: "/etc/zog/ring.toml", id: "backup-mv-1", timeout: "2.5" });
    expect(r).toEqual({
      promise: {
        content: "backup done",
        id: "backup-mv-1",
        givenId: "backup-mv-1",
        ring: "/etc/zog/ring.toml",
        servers: undefined,
        tls: { ca: undefined, cert: undefined, key: undefined },
        timeoutMs: 2500,
        dryRun: false,
      },
    });
  });

  test("servers as a list or one string, ports defaulting to 55552", () => {
    const r = checkPromise("x", { servers: ["127.0.0.11", "[::1]:7"] });
    expect("promise" in r && r.promise.servers).toEqual([
      { host: "127.0.0.11", port: 55552 },
      { host: "::1", port: 7 },
    ]);
    const one = checkPromise("x", { servers: "h:9" });
    expect("promise" in one && one.promise.servers).toEqual([{ host: "h", port: 9 }]);
  });

  test("every problem is reported, each with its reason", () => {
    const r = checkPromise("two\nlines", { colour: "red", timeout: "soon", cert: "c.pem", servers: [3] });
    expect("problems" in r && r.problems).toEqual([
      "unknown attribute 'colour' (a messages promise takes ring, servers, id, ca, cert, key, timeout)",
      'the message "two lines" cannot be sent: it holds a line break',
      `'servers' must be a list of "HOST[:PORT]" strings, not [3]`,
      "'cert' and 'key' go together: give both or neither",
      `'timeout' "soon" must be a number of seconds above 0, at most 3600`,
    ]);
  });

  test("no ring; both ring and servers; a content too long; a bad action_policy", () => {
    const problems = (p: string, a: Record<string, unknown>) => {
      const r = checkPromise(p, a);
      return "problems" in r ? r.problems : [];
    };
    expect(problems("x", { id: "a" })).toEqual([`no ring: give ring => "/etc/zog/ring.toml" or servers => { "HOST:PORT", ... }`]);
    expect(problems("x", { ring: "r", servers: ["h"] })).toEqual(["give either 'ring' or 'servers', not both"]);
    expect(problems("é".repeat(300), { ring: "r" })[0]).toMatch(/600 bytes of UTF-8, more than the 508/);
    expect(problems("x", { ring: "r", action_policy: "maybe" })).toEqual([`'action_policy' "maybe" must be fix, warn or nop`]);
  });

  test("cf-agent's dry run (action_policy warn) is a dry run", () => {
    const r = checkPromise("x", { ring: "r", action_policy: "warn" });
    expect("promise" in r && r.promise.dryRun).toBe(true);
  });
});

describe("inAttributes", () => {
  test("the client's command-line fixes become the promise's attributes", () => {
    expect(
      inAttributes(
        "h:1 requires a client certificate: pass --cert CRT --key KEY (signed by the ring's CA), or --config ring.toml on a ring machine",
      ),
    ).toBe('h:1 requires a client certificate: give cert => "CRT", key => "KEY" (signed by the ring\'s CA)');
    expect(inAttributes("not signed by a CA we trust: pass --ca CA (the ring's CA)")).toBe(
      'not signed by a CA we trust: give ca => "CA" (the ring\'s CA)',
    );
  });
});

describe("ringId", () => {
  test("any id maps to a message id, the same one every time; message ids map to themselves", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (id) => {
        const r = ringId(id);
        expect(r).toMatch(ID_RE);
        expect(ringId(id)).toBe(r);
        if (ID_RE.test(id)) expect(r).toBe(id);
        else expect(r).toMatch(/^cf-[0-9a-f]{40}$/);
      }),
    );
  });

  test("different ids outside the alphabet map to different ring ids", () => {
    expect(ringId("backup done on a")).not.toBe(ringId("backup done on b"));
  });
});

describe("the promise module protocol", () => {
  test("header: cf-agent offers v1, the module asks for json_based", () => {
    expect(headerReply("cf-agent 3.21.0 v1", "cf-messages", "0.1.0+g1")).toBe("cf-messages 0.1.0+g1 v1 json_based\n\n");
    expect(() => headerReply("hello", "cf-messages", "1")).toThrow(/bad promise module header "hello"/);
  });

  test("requests are JSON objects with an operation", () => {
    expect(parseRequest('{"operation":"terminate"}')).toEqual({ operation: "terminate" });
    expect(() => parseRequest("{")).toThrow(/request is not JSON/);
    expect(() => parseRequest('{"op":1}')).toThrow(/request has no "operation"/);
  });

  test("a response: log lines (line breaks escaped), the JSON line, an empty line", () => {
    const text = formatResponse({
      operation: "evaluate_promise",
      result: "not_kept",
      promiser: "x",
      logs: [{ level: "error", message: "cannot send:\nrefused" }],
    });
    expect(text).toBe('log_error=cannot send:\\nrefused\n{"operation":"evaluate_promise","result":"not_kept","promiser":"x"}\n\n');
  });
});
