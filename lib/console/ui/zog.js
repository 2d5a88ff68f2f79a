// zog's console: the ring seen from this node, fed by /ui/events (see lib/console/zog_console.ts).
"use strict";

/** Last counters seen per node, for messages per second. */
const previous = new Map();

function rate(name, at, counters) {
  const p = previous.get(name);
  previous.set(name, { at, received: counters?.received ?? 0 });
  if (!p || !counters || at <= p.at) return undefined;
  return Math.max(0, ((counters.received ?? 0) - p.received) / ((at - p.at) / 1000));
}

/** Each node's state as this node sees it: "up", "lagging" (up, but owed messages) or "down". */
function nodeView(snap) {
  const self = snap.self;
  const nodes = [{ name: self.node, state: "up", status: self, self: true }];
  for (const l of self.links) {
    const state = l.state !== "up" ? "down" : l.backlog > 0 ? "lagging" : "up";
    nodes.push({ name: l.peer, state, link: l, status: snap.peers[l.peer] ?? null });
  }
  return nodes;
}

const TONE = { up: "ok", lagging: "warn", down: "bad" };

function drawRing(nodes) {
  const r = 100;
  const at = nodes.map((_, i) => {
    const a = (2 * Math.PI * i) / nodes.length - Math.PI / 2;
    return [Math.round(r * Math.cos(a)), Math.round(r * Math.sin(a))];
  });
  const edges = [];
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      // This node's own links; between two others, what either of them says of its link.
      const l =
        i === 0
          ? nodes[j].link
          : (nodes[i].status?.links?.find((x) => x.peer === nodes[j].name) ??
            nodes[j].status?.links?.find((x) => x.peer === nodes[i].name));
      const state = !l ? "unknown" : l.state === "up" ? "up" : "down";
      const [x1, y1] = at[i];
      const [x2, y2] = at[j];
      edges.push(h("line", { svg: true, class: `edge ${state}`, x1, y1, x2, y2, "data-edge": `${nodes[i].name}-${nodes[j].name}` }));
    }
  }
  const dots = nodes.map((n, i) => {
    const [x, y] = at[i];
    const seq = n.status?.store?.last_seq;
    return h(
      "g",
      { svg: true, class: `${n.state}${n.self ? " self" : ""}`, "data-node": n.name, "data-state": n.state },
      h("circle", { svg: true, cx: x, cy: y, r: 22 }),
      h("text", { svg: true, x, y: y + 4 }, n.name),
      h("text", { svg: true, x, y: y + 36 }, seq !== undefined ? `seq ${seq}` : n.state),
    );
  });
  fill("ring", edges, dots);
  const down = nodes.filter((n) => n.state === "down").map((n) => n.name);
  document.getElementById("ring-desc").textContent =
    `${nodes.length} nodes, seen from ${nodes[0].name}: ` + (down.length ? `no link to ${down.join(", ")}` : "every link up") + ".";
}

function fmtRate(x) {
  return x === undefined ? "…" : x < 10 ? x.toFixed(1) : Math.round(x).toString();
}

function render(snap) {
  const self = snap.self;
  document.title = `zog ${self.node}`;
  document.getElementById("node").textContent = self.node;
  document.getElementById("version").textContent = `${snap.version}, ${self.host}`;
  const nodes = nodeView(snap);
  drawRing(nodes);
  const rates = new Map(nodes.map((n) => [n.name, n.status ? rate(n.name, snap.at, n.status.counters) : undefined]));
  fill(
    "nodes",
    table(
      "Nodes of the ring",
      [["node"], ["state"], ["seq", 1], ["msg/s", 1], ["owed to peers", 1], ["fsync ms", 1], ["listeners", 1]],
      nodes.map((n) => {
        const s = n.status;
        const owed = s ? s.links.reduce((t, l) => t + l.backlog, 0) : undefined;
        return {
          attrs: { "data-node": n.name, "data-state": n.state },
          cells: [
            n.self ? h("strong", null, n.name) : n.name,
            badge(
              n.self ? "this node" : n.link.state === "up" ? (n.state === "lagging" ? "up, catching up" : "up") : n.link.state,
              TONE[n.state],
            ),
            s?.store ? s.store.last_seq : "—",
            s ? fmtRate(rates.get(n.name)) : "—",
            owed ?? "—",
            s ? s.fsync_ms.toFixed(2) : "—",
            s ? s.listeners : "—",
          ],
        };
      }),
    ),
  );
  const c = self.counters;
  fill(
    "self",
    facts([
      ["sequence", self.store?.last_seq ?? "—"],
      ["oldest held", self.store?.oldest_seq ?? "—"],
      ["store", self.store ? bytes(self.store.bytes) : "—"],
      ["received/s", fmtRate(rates.get(self.node))],
      ["received", c.received ?? 0],
      ["forwarded", c.forwarded ?? 0],
      ["fsync", self.fsync],
      ["fsync avg", `${self.fsync_ms.toFixed(3)} ms`],
      ["fsyncs", c.fsyncs ?? 0],
      ["listeners", self.listeners],
      ["clients", self.clients ? `${self.clients.open} / ${self.clients.max}` : "—"],
      ["invalid", c.invalid ?? 0],
    ]),
  );
  fill(
    "links",
    table(
      "Links from this node",
      [["peer"], ["our link"], ["their link"], ["backlog", 1], ["last keepalive ack"]],
      self.links.map((l) => ({
        attrs: { "data-peer": l.peer, "data-state": l.state, "data-backlog": l.backlog },
        cells: [
          l.peer,
          badge(l.state, l.state === "up" ? "ok" : "bad"),
          badge(l.inbound ? "open" : "closed", l.inbound ? "ok" : "bad"),
          l.backlog,
          ago(l.last_keepalive_ack, snap.at),
        ],
      })),
    ),
  );
  const store = self.store;
  fill(
    "positions",
    table(
      "Durable listeners and groups",
      [["name"], ["kind"], ["position", 1], ["lag", 1], ["connected", 1], ["in flight", 1]],
      (store?.positions ?? []).map((p) => ({
        attrs: { "data-position": p.name },
        cells: [p.name, p.kind, p.position, Math.max(0, store.last_seq - p.position), p.connected, p.in_flight],
      })),
      store ? "no durable listener or group yet" : "this node keeps no store",
    ),
  );
}

follow("events", render);
