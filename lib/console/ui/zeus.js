// zeus's console: the fleet, a vassal's page, log tails and admin actions, fed by
// /ui/events and /ui/api/* (see lib/zeus/zeus_console.ts).
"use strict";

let status = null;
let me = { admin: false, why: "…", actions: [] };
let logStream = null;

const short = (sha) => (sha ? sha.slice(0, 12) : "—");
const COPY_TONE = { running: "ok", backoff: "bad", unhealthy: "bad", stopped: "bad", moving: "warn" };
const VASSAL_TONE = {
  running: "ok",
  failed: "bad",
  "config-error": "bad",
  backoff: "bad",
  unhealthy: "bad",
  pending: "warn",
  partial: "warn",
};

/** The vassal the address names (#/vassal/NAME), or null for the fleet. */
function route() {
  const m = /^#\/vassal\/(.+)$/.exec(location.hash);
  return m ? decodeURIComponent(m[1]) : null;
}

function say(text, tone) {
  const f = document.getElementById("flash");
  f.replaceChildren(tone ? badge(tone === "ok" ? "done" : "refused", tone) : "", " ", text);
}

/** An action button: enabled for admins, else disabled with the reason. */
function actionButton(command, vars, label) {
  if (!me.actions.includes(command)) return null;
  return h(
    "button",
    {
      type: "button",
      "data-action": command,
      "data-target": vars.node ?? vars.name ?? "",
      title: me.admin ? undefined : me.why,
      "aria-disabled": me.admin ? undefined : "true",
      onclick: () => act(command, vars),
    },
    label,
  );
}

async function act(command, vars) {
  const what = `${command} ${Object.values(vars).join(" ")}`;
  say(`${what}…`);
  try {
    const res = await fetch("api/action", {
      method: "POST",
      headers: { "content-type": "application/json", "x-zog-console": "1" },
      body: JSON.stringify({ command, vars }),
    });
    const r = await res.json();
    if (r.ok) say(`${what}: ${r.said ?? "done"}`, "ok");
    else say(`${what}: ${r.reason}`, "bad");
  } catch (e) {
    say(`${what}: ${e.message}`, "bad");
  }
}

function emperorState(e) {
  if (!e.alive) return badge("lost", "bad");
  if (e.drain) return badge(e.drain, "warn");
  return e.ready ? badge("ready", "ok") : badge("reporting", "warn");
}

/** The sum of the counts by state whose state `keep` accepts. */
const sum = (byState, keep = () => true) => Object.entries(byState).reduce((n, [state, x]) => (keep(state) ? n + x : n), 0);

/** The fleet's counts: zeus's summary counts every row, listed or not. */
function counts(s) {
  const c = s.summary;
  return {
    alive: c.alive,
    emperors: c.emperors,
    vassals: c.vassals,
    copies: sum(c.copy_states),
    running: c.vassal_states.running ?? 0,
    failing: sum(c.vassal_states, (state) => VASSAL_TONE[state] === "bad"),
  };
}

/** Above a table that lists some of its rows: how many, which, and how to find the others. */
function listedNote(id, listed, all, which) {
  const note = document.getElementById(id);
  note.hidden = listed === all;
  note.textContent = `${listed} of ${all} listed: ${which}. A fleet this size is summarised; find any vassal by its name.`;
}

function renderFleet(s) {
  const c = counts(s);
  fill(
    "summary",
    facts([
      ["emperors alive", `${c.alive} / ${c.emperors}`],
      ["vassals", c.vassals],
      ["copies", c.copies],
      ["running", c.running],
      ["failing", c.failing],
      ["settling", s.settling ? "yes" : "no"],
    ]),
  );
  listedNote("emperors-listed", s.emperors.length, c.emperors, "those lost, draining or still reporting");
  listedNote("vassals-listed", s.vassals.length, c.vassals, "those not running, or in a rollout");
  fill(
    "emperors",
    table(
      "Emperors",
      [["node"], ["state"], ["labels"], ["copies", 1], ["load"], ["last heartbeat"], ["actions"]],
      s.emperors.map((e) => ({
        attrs: { "data-emperor": e.node, "data-drain": e.drain ?? "", "data-alive": String(e.alive) },
        cells: [
          h("span", { class: "mono" }, e.node),
          emperorState(e),
          Object.entries(e.labels ?? {})
            .map(([k, v]) => `${k}=${v}`)
            .join(", ") || "—",
          e.assigned,
          `${e.running} running, max ${e.max_vassals || "∞"}`,
          ago(e.last_heartbeat, s.at),
          h(
            "div",
            { class: "actions" },
            e.drain ? actionButton("undrain", { node: e.node }, "undrain") : actionButton("drain", { node: e.node }, "drain"),
          ),
        ],
      })),
      "no emperor has connected",
    ),
  );
  fill(
    "vassals",
    table(
      "Vassals",
      [["vassal"], ["state"], ["copies"], ["restarts", 1], ["sha256"], ["note"]],
      s.vassals.map((v) => ({
        attrs: { "data-vassal": v.name, "data-sha": v.sha256 ?? "", "data-state": v.state },
        cells: [
          h("a", { href: `#/vassal/${encodeURIComponent(v.name)}` }, v.name),
          badge(v.state, VASSAL_TONE[v.state] ?? "warn"),
          v.emperors.length
            ? v.emperors.map((c) =>
                h(
                  "div",
                  { "data-copy": c.node },
                  h("span", { class: "mono" }, c.node),
                  " ",
                  badge(c.state, COPY_TONE[c.state] ?? "warn"),
                  c.pid ? ` pid ${c.pid}` : "",
                ),
              )
            : `none of ${v.copies}`,
          v.restarts,
          h("span", { class: "mono", title: v.last_good_sha256 ? `last good ${v.last_good_sha256}` : undefined }, short(v.sha256)),
          v.error ?? v.note ?? "",
        ],
      })),
      "no vassal config yet",
    ),
  );
  const rolls = s.vassals.filter((v) => v.rollout);
  const drains = s.emperors.filter((e) => e.drain);
  fill(
    "changes",
    table(
      "Rollouts and drains",
      [["what"], ["state"], ["progress"], ["detail"]],
      [
        ...rolls.map((v) => ({
          attrs: { "data-rollout": v.name },
          cells: [
            `rollout of ${v.name}`,
            badge(v.rollout.state, v.rollout.state === "done" ? "ok" : v.rollout.state === "rolling" ? "warn" : "bad"),
            h("progress", {
              max: v.rollout.total,
              value: v.rollout.updated,
              "aria-label": `${v.rollout.updated} of ${v.rollout.total} updated`,
            }),
            `${v.rollout.updated}/${v.rollout.total} updated` +
              (v.rollout.waiting.length ? `, proving: ${v.rollout.waiting.join(", ")}` : "") +
              (v.rollout.reason ? ` — ${v.rollout.reason}` : ""),
          ],
        })),
        ...drains.map((e) => {
          // What is still there, and why it waits when zeus says so.
          const left = s.vassals.flatMap((v) =>
            v.emperors.filter((c) => c.node === e.node).map((c) => `${v.name} ${c.state}${v.note ? ` (waits: ${v.note})` : ""}`),
          );
          return {
            attrs: { "data-drain-of": e.node },
            cells: [
              `drain of ${e.node}`,
              badge(e.drain, e.drain === "drained" ? "ok" : "warn"),
              e.drain === "drained" ? "empty" : `${e.assigned} copies still there`,
              left.join("; ") || "—",
            ],
          };
        }),
      ],
      "no rollout or drain",
    ),
  );
  const ha = s.ha;
  fill(
    "ha",
    ha
      ? facts([
          ["this zeus", ha.role],
          ["leader", ha.leader ? `${ha.leader.zeus}, since ${ago(ha.leader.since, s.at)}` : "none elected"],
          ...(ha.leader?.stats ? [["leader's console", h("a", { href: `http://${ha.leader.stats}/ui/` }, ha.leader.stats)]] : []),
          ["standbys", ha.standbys.length],
          ["etcd", ha.etcd],
        ])
      : h("p", { class: "muted" }, "a single zeus: it always leads"),
  );
}

let shown = null;
/** The shown vassal's own row (api/vassal): a summarised fleet's stream may not list it. */
let shownRow = null;

async function loadVassal(name) {
  const res = await fetch(`api/vassal?name=${encodeURIComponent(name)}`);
  const v = await res.json();
  const hadRow = shownRow !== null;
  shownRow = v.row ?? null;
  if (shownRow && !hadRow) render();
  document.getElementById("v-config").textContent = v.config ?? v.config_hidden ?? v.error ?? "";
  fill(
    "v-history",
    (v.history ?? [])
      .slice()
      .reverse()
      .map((l) => h("li", null, h("time", { datetime: new Date(l.at).toISOString() }, new Date(l.at).toLocaleTimeString()), " ", l.text)),
  );
  if (!v.history?.length) fill("v-history", h("li", { class: "muted" }, "nothing yet since this zeus started"));
}

function tail(name, node) {
  logStream?.close();
  const pre = document.getElementById("v-log");
  pre.textContent = "";
  document.getElementById("v-log-of").textContent = `of the copy on ${node}`;
  logStream = new EventSource(`api/logs?vassal=${encodeURIComponent(name)}&node=${encodeURIComponent(node)}`);
  logStream.addEventListener("log", (ev) => {
    pre.append(JSON.parse(ev.data));
    if (pre.textContent.length > 200_000) pre.textContent = pre.textContent.slice(-100_000);
    pre.scrollTop = pre.scrollHeight;
  });
  logStream.addEventListener("end", (ev) => {
    pre.append(`\n[${JSON.parse(ev.data).reason}]\n`);
    logStream.close();
  });
  logStream.addEventListener("error", () => {
    if (logStream.readyState === EventSource.CLOSED) pre.append("\n[the log stream was refused or lost]\n");
    logStream.close();
  });
}

function renderVassal(s, name) {
  const v = s.vassals.find((x) => x.name === name) ?? (shownRow?.name === name ? shownRow : undefined);
  document.getElementById("v-name").textContent = name;
  if (!v) {
    fill("v-facts", facts([["state", "no such vassal (removed?)"]]));
    return;
  }
  fill(
    "v-facts",
    facts([
      ["state", badge(v.state, VASSAL_TONE[v.state] ?? "warn")],
      // As zeus status counts them: copies that run and stay (not one moving away, not one in backoff).
      ["copies", `${v.up ?? v.emperors.length} of ${v.copies} running`],
      ["restarts", v.restarts],
      ["moves", v.moves],
      ["sha256", h("span", { class: "mono" }, short(v.sha256))],
      ["last good", h("span", { class: "mono" }, short(v.last_good_sha256))],
      ...(v.rollout ? [["rollout", `${v.rollout.state} ${v.rollout.updated}/${v.rollout.total}`]] : []),
      ...(v.error || v.note ? [["why", v.error ?? v.note]] : []),
    ]),
  );
  fill(
    "v-actions",
    ["restart", "stop", "start", "pause", "resume"].map((c) => actionButton(c, { name, vassal: name }, c)).filter((b) => b),
  );
  fill(
    "v-copies",
    table(
      `Copies of ${name}`,
      [["emperor"], ["state"], ["pid", 1], ["health"], ["restarts", 1], ["last exit"], ["actions"]],
      v.emperors.map((c) => ({
        attrs: { "data-copy": c.node, "data-state": c.state },
        cells: [
          h("span", { class: "mono" }, c.node),
          badge(c.state, COPY_TONE[c.state] ?? "warn"),
          c.pid || "—",
          c.health ? `${c.health}${c.check ? `: ${c.check}` : ""}` : "—",
          c.restarts,
          c.exit ?? "—",
          h(
            "div",
            { class: "actions" },
            h(
              "button",
              { type: "button", "data-log": c.node, title: me.admin ? undefined : me.why, onclick: () => tail(name, c.node) },
              "tail log",
            ),
            actionButton("restart", { vassal: name, node: c.node }, "restart this copy"),
          ),
        ],
      })),
      "no copy placed",
    ),
  );
}

// A render replaces the tables: none while a pointer is down (the click would be lost),
// and the focused button is focused again afterwards.
let pointerDown = false;
document.addEventListener("pointerdown", () => (pointerDown = true), true);
document.addEventListener("pointerup", () => setTimeout(() => ((pointerDown = false), render())), true);

function focusKey(el) {
  return el?.dataset?.action
    ? `[data-action="${el.dataset.action}"][data-target="${CSS.escape(el.dataset.target)}"]`
    : el?.dataset?.log
      ? `[data-log="${CSS.escape(el.dataset.log)}"]`
      : null;
}

function render() {
  if (!status || pointerDown) return;
  const focused = focusKey(document.activeElement);
  renderNow();
  if (focused) document.querySelector(focused)?.focus();
}

function renderNow() {
  document.getElementById("version").textContent = status.version;
  const role = status.ha ? status.ha.role : "leader";
  fill("role", badge(role, role === "leader" ? "ok" : "warn"));
  const name = route();
  document.getElementById("fleet-view").hidden = name !== null;
  document.getElementById("vassal-view").hidden = name === null;
  document.getElementById("crumb").textContent = name ? `› ${name}` : "";
  document.title = name ? `zeus: ${name}` : "zeus console";
  if (name === null) renderFleet(status);
  else renderVassal(status, name);
}

async function logOut() {
  await fetch("api/logout", { method: "POST", headers: { "x-zog-console": "1" } });
  await whoAmI();
}

async function whoAmI() {
  try {
    me = await (await fetch("api/me")).json();
  } catch (e) {
    me = { admin: false, why: e.message, actions: [] };
  }
  fill(
    "me",
    me.admin ? `admin: ${me.who}` : me.why,
    me.session ? [" ", h("button", { type: "button", id: "logout", onclick: logOut }, "log out")] : [],
  );
  render();
}

window.addEventListener("hashchange", () => {
  logStream?.close();
  document.getElementById("v-log").textContent = "choose a copy's “tail log” above";
  document.getElementById("v-log-of").textContent = "";
  const name = route();
  shown = name;
  shownRow = null;
  render();
  if (name !== null) void loadVassal(name);
});

follow("events", (s) => {
  status = s;
  render();
  // The history grows with the status: reload it while a vassal's page is open.
  if (shown !== null) void loadVassal(shown);
});
document.getElementById("find").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const name = document.getElementById("find-name").value.trim();
  if (name) location.hash = `#/vassal/${encodeURIComponent(name)}`;
});
shown = route();
if (shown !== null) void loadVassal(shown);
void whoAmI();
