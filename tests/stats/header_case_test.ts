// Every status table's headers are upper case (zog, zeus and emperor alike).
import { expect, test } from "bun:test";
import { renderStatus } from "../../lib/ring/status_command.ts";
import { renderEmperorStatus } from "../../lib/emperor/status_command.ts";

const headers = (table: string) => table.split("\n").filter((l) => /^[A-Z][A-Z ()]+$/.test(l.replace(/\s+/g, " ").trim()));

test("zog status tables have upper-case headers, as zeus and emperor status do", () => {
  const text = renderStatus({
    node: "MV",
    host: "127.0.0.11",
    peer_port: 1,
    client_port: 2,
    fsync: "batch",
    fsync_ms: 0.4,
    listeners: 0,
    links: [{ peer: "PA", host: "127.0.0.12", state: "up", inbound: true, last_keepalive_ack: null, backlog: 0 }],
    counters: { received: 1 },
  } as Parameters<typeof renderStatus>[0]);
  expect(headers(text)).toEqual([
    expect.stringMatching(/^PEER +HOST +LINK +INBOUND +LAST KEEPALIVE ACK +BACKLOG$/),
    expect.stringMatching(/^COUNTER +VALUE$/),
  ]);
  expect(headers(renderEmperorStatus({ vassals: [] }, 0))).toHaveLength(1);
});
