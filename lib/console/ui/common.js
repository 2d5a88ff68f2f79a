// Shared by the zog and zeus consoles: building elements, formatting, the event stream.
"use strict";

/** Makes an element: h("td", { class: "num" }, "12"). Text is always set as text, never as HTML. */
function h(tag, attrs, ...children) {
  const el = tag === "svg" || attrs?.svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (k === "svg" || v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** Replaces the children of #id. */
function fill(id, ...children) {
  document.getElementById(id).replaceChildren(...children.flat());
}

/** "3 s ago", "4 min ago" from an ISO time. */
function ago(iso, now = Date.now()) {
  if (!iso) return "never";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** A badge: its class says the colour, its text says the same in words. */
function badge(text, tone) {
  return h("span", { class: `badge ${tone}` }, text);
}

/** A table: headers [label, numeric?] and rows of cells (a cell is a node, text, or [text, attrs]). */
function table(caption, heads, rows, empty = "none") {
  const thead = h(
    "thead",
    null,
    h(
      "tr",
      null,
      heads.map(([t, num]) => h("th", { scope: "col", class: num ? "num" : undefined }, t)),
    ),
  );
  const body = rows.length
    ? rows.map((r) =>
        h(
          "tr",
          r.attrs,
          r.cells.map((c, i) => h("td", { class: heads[i]?.[1] ? "num" : undefined }, c)),
        ),
      )
    : [h("tr", null, h("td", { colspan: heads.length, class: "muted" }, empty))];
  return h("div", { class: "scroll" }, h("table", null, h("caption", { class: "sr-only" }, caption), thead, h("tbody", null, body)));
}

/** A list of facts: [[label, value, attrs?], ...]. */
function facts(list) {
  return list.map(([dt, dd, attrs]) => h("div", attrs, h("dt", null, dt), h("dd", null, dd)));
}

/**
 * Follows an event stream of `status` events, calling onStatus with each parsed document;
 * #live says whether the stream is open.
 */
function follow(url, onStatus) {
  const live = document.getElementById("live");
  const es = new EventSource(url);
  es.addEventListener("open", () => {
    live.dataset.live = "yes";
    live.textContent = "live";
  });
  es.addEventListener("error", () => {
    live.dataset.live = "no";
    live.textContent = "reconnecting…";
  });
  es.addEventListener("status", (ev) => onStatus(JSON.parse(ev.data)));
  return es;
}
