"""The dashboard at ``/__apitwin/``: one self-contained page (no external resource, works offline).

It reads the admin API: ``/__apitwin/apis`` for the APIs and their operations
(searchable, grouped by API and tag), ``/__apitwin/requests`` (polled every second)
for the live journal and ``/__apitwin/requests/<id>`` for one request in full (the
answer, the violations, a curl command that replays it), and in stateful mode
``/__apitwin/state/collections`` for the state, with a reset per collection. Its
form sends a request to the mock itself, built from the operation's examples.

Everything a request or a spec carries is shown with ``textContent``, never parsed
as markup; the Content-Security-Policy allows only this page's own script (by its
hash), so even a slip could not run injected code. Keyboard: ``/`` focuses the
search, Enter or Space opens a request, Escape closes it.
"""

from __future__ import annotations

import base64
import hashlib

__all__ = ["DASHBOARD_CSP", "DASHBOARD_HTML", "DASHBOARD_SCRIPT"]

_STYLE = r"""
  :root { --bg: #f6f7f9; --panel: #fff; --line: #dde1e7; --text: #1d2330; --muted: #5d6472; --hi: #e8eefc;
          --code: #f1f3f6; --ok: #17803d; --bad: #b42318; --warn: #fff6d6; --focus: #2f62d8; }
  @media (prefers-color-scheme: dark) {
    :root { --bg: #15181e; --panel: #1d2129; --line: #323846; --text: #e3e6ec; --muted: #9aa2b1; --hi: #2a3550;
            --code: #262b35; --ok: #4cc27a; --bad: #ff7b6b; --warn: #3b3320; --focus: #7aa2ff; } }
  * { box-sizing: border-box; }
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: var(--text); background: var(--bg); }
  header { background: #1d2330; color: #fff; padding: 8px 16px; display: flex; gap: 16px; align-items: center;
           flex-wrap: wrap; position: sticky; top: 0; z-index: 2; }
  header h1 { font-size: 18px; margin: 0; }
  header input, header select { width: auto; }
  #search { width: 26em; max-width: 100%; padding: 4px 6px; }
  main { display: grid; grid-template-columns: minmax(320px, 1fr) minmax(380px, 1.25fr); gap: 12px; padding: 12px; }
  @media (max-width: 900px) { main { grid-template-columns: 1fr; } }
  section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px;
            margin-bottom: 12px; overflow: auto; }
  #catalogue { max-height: calc(100vh - 80px); position: sticky; top: 56px; }
  h2 { font-size: 15px; margin: 4px 0 8px; display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
  h3 { font-size: 14px; margin: 12px 0 4px; } h4 { font-size: 13px; margin: 10px 0 4px; }
  details > summary { cursor: pointer; padding: 3px 2px; border-radius: 4px; }
  details.api > summary { font-weight: 600; font-size: 14px; }
  details.tag { margin-left: 12px; } details.tag > summary { color: var(--muted); font-weight: 600; }
  .count, .muted { color: var(--muted); font-weight: normal; font-size: 12px; }
  .op { display: flex; gap: 8px; width: 100%; text-align: left; padding: 3px 4px; margin: 0; border: 0;
        background: none; color: inherit; font: inherit; cursor: pointer; border-radius: 4px; }
  .op:hover, .op.selected { background: var(--hi); }
  .op.deprecated .path { text-decoration: line-through; }
  .method { font: bold 12px monospace; min-width: 56px; display: inline-block; }
  .m-GET { color: #1f6feb; } .m-POST { color: #17803d; } .m-PUT, .m-PATCH { color: #9a6700; }
  .m-DELETE { color: #b42318; }
  .path, code, pre, .mono { font-family: ui-monospace, monospace; }
  .path { word-break: break-all; }
  .examples { color: var(--muted); font-size: 12px; }
  input, textarea, select { font: 12px ui-monospace, monospace; width: 100%; background: var(--panel);
                            color: var(--text); border: 1px solid var(--line); border-radius: 4px; padding: 3px; }
  textarea { min-height: 90px; }
  label { display: block; margin-top: 6px; font-weight: 600; }
  .param label { font-weight: normal; } .param { margin-top: 2px; }
  button { padding: 4px 12px; font: inherit; cursor: pointer; }
  h2 button, summary button { font-size: 12px; padding: 1px 8px; }
  .actions { display: flex; gap: 8px; margin-top: 8px; flex-wrap: wrap; align-items: center; }
  :focus-visible { outline: 2px solid var(--focus); outline-offset: 1px; }
  pre { background: var(--code); padding: 6px; white-space: pre-wrap; word-break: break-all; margin: 4px 0;
        max-height: 360px; overflow: auto; }
  table { border-collapse: collapse; width: 100%; font-size: 12px; }
  td, th { border-bottom: 1px solid var(--line); padding: 3px 4px; text-align: left; vertical-align: top; }
  tr.entry { cursor: pointer; } tr.entry:hover, tr.entry.selected { background: var(--hi); }
  .ok { color: var(--ok); } .bad { color: var(--bad); }
  .banner { background: var(--warn); border: 1px solid #f0d67a; padding: 6px; border-radius: 4px; }
  .headers td:first-child { white-space: nowrap; font-weight: 600; }
  .violations li { margin: 2px 0; }
  .item { border-top: 1px solid var(--line); padding: 4px 0; }
  [hidden] { display: none !important; }
"""

_BODY = r"""
<header>
  <h1>apitwin</h1>
  <label for="search" class="muted" style="color:#c9cfdb;margin:0">Search</label>
  <input id="search" type="search" placeholder="path, method, operationId, tag  (press /)"
         autocomplete="off" aria-describedby="search-help">
  <label for="method-filter" style="color:#c9cfdb;margin:0;font-weight:normal">method</label>
  <select id="method-filter"><option value="">any</option></select>
  <span id="summary">loading…</span>
  <span id="search-help" hidden>Words match the path, method, operationId, tags or summary;
    method:post, tag:datasets, id:getNote, path:/notes and api:dss narrow to one field.</span>
</header>
<main>
  <section id="catalogue" aria-label="APIs and operations">
    <h2>Operations <span id="op-count" class="count"></span>
      <button id="expand-all" type="button">expand all</button>
      <button id="collapse-all" type="button">collapse all</button></h2>
    <div id="no-match" class="muted" hidden>No operation matches the search.</div>
    <div id="apis"></div>
  </section>
  <div>
    <section id="try" aria-label="Try an operation">
      <h2>Try an operation</h2>
      <div id="try-empty" class="muted">Pick an operation on the left.</div>
      <form id="try-form" hidden>
        <div><span id="try-method" class="method"></span> <strong id="try-title"></strong></div>
        <div id="try-params"></div>
        <label for="try-url">URL</label><input id="try-url" name="url">
        <label for="try-headers">Headers (one per line)</label><textarea id="try-headers" name="headers"></textarea>
        <label for="try-body">Body <span id="try-body-note" class="muted"></span></label>
        <textarea id="try-body" name="body"></textarea>
        <div class="actions"><button id="try-send" type="submit">Send</button>
          <button id="try-refill" type="button">Fill from the spec again</button></div>
      </form>
      <div id="try-result" aria-live="polite"></div>
    </section>
    <section id="journal" aria-label="Request journal">
      <h2>Requests <small class="muted">(live; Enter or click opens one)</small></h2>
      <div id="journal-off" class="banner" hidden>The journal is off: <code>apitwin serve</code> keeps it
        unless started with <code>--no-journal</code>.</div>
      <div id="journal-empty" class="muted" hidden>No request yet: try an operation, or point your frontend here.</div>
      <table><thead><tr><th>time</th><th>request</th><th>operation</th><th>status</th><th>violations</th></tr></thead>
      <tbody id="journal-rows"></tbody></table>
    </section>
    <section id="detail" aria-label="Request detail" hidden>
      <h2 id="detail-title" tabindex="-1"></h2>
      <div id="detail-meta" class="muted"></div>
      <h3>Violations</h3><ul id="detail-violations" class="violations"></ul>
      <h3>Request</h3>
      <table class="headers" aria-label="request headers"><tbody id="detail-request-headers"></tbody></table>
      <pre id="detail-request-body"></pre>
      <h3>Answer <span id="detail-status"></span></h3>
      <table class="headers" aria-label="answer headers"><tbody id="detail-response-headers"></tbody></table>
      <pre id="detail-response-body"></pre>
      <h3>Replay with curl</h3>
      <pre id="detail-curl"></pre>
      <div id="detail-curl-note" class="muted"></div>
      <div class="actions"><button id="detail-copy" type="button">Copy curl</button>
        <span id="detail-copied" class="muted" aria-live="polite"></span>
        <button id="detail-close" type="button">Close (Esc)</button></div>
    </section>
    <section id="state" aria-label="State" hidden>
      <h2>State <small class="muted">(stateful mode)</small>
        <button id="state-refresh" type="button">refresh</button>
        <button id="state-reset-all" type="button">reset all state</button></h2>
      <div class="muted">A reset collection is seeded again from the spec's examples when next used.</div>
      <div id="state-apis"></div>
    </section>
  </div>
</main>
"""

DASHBOARD_SCRIPT = r"""
"use strict";
const ADMIN = "/__apitwin";
const $ = (id) => document.getElementById(id);
// every value from a request or a spec goes through textContent: never parsed as markup
const text = (tag, value, cls) => { const e = document.createElement(tag); e.textContent = value;
  if (cls) e.className = cls; return e; };
const pretty = (value) => { try { return JSON.stringify(JSON.parse(value), null, 2); } catch (e) { return value; } };
const catalogue = [];       // every operation, with its API's name and title
let selectedOp = null;

// ---- requests the form builds -----------------------------------------------------------------------

function paramValue(p, values) {
  const given = values && Object.prototype.hasOwnProperty.call(values, p.name + "@" + p.in)
    ? values[p.name + "@" + p.in] : p.value;
  if (given === null || given === undefined) return "";
  return typeof given === "string" ? given : (typeof given === "object" ? JSON.stringify(given) : String(given));
}

/** The request the form sends for operation `op` (`values`: parameter inputs, name@in -> text). */
function buildRequest(op, values) {
  let path = op.prefix + op.path;
  const query = [];
  const headers = [];
  for (const p of op.parameters) {
    const value = paramValue(p, values);
    if (p.in === "path") path = path.split("{" + p.name + "}").join(encodeURIComponent(value || p.name));
    else if (p.in === "query" && (value !== "" || p.required))
      query.push(encodeURIComponent(p.name) + "=" + encodeURIComponent(value));
    else if (p.in === "header" && value !== "") headers.push([p.name, value]);
  }
  if (op.authQuery) query.push(op.authQuery);
  if (op.auth) { const at = op.auth.indexOf(":");
    headers.unshift([op.auth.slice(0, at).trim(), op.auth.slice(at + 1).trim()]); }
  const body = op.requestBody;
  if (body && body.encoding !== "multipart") headers.push(["Content-Type", body.mediaType]);
  return { method: op.method, url: path + (query.length ? "?" + query.join("&") : ""), headers,
           body: body ? body.value : "", encoding: body ? body.encoding : "none", files: body ? body.files : [] };
}

/** Send a built request; the answer as {status, headers, body, violations, ms}. */
async function sendRequest(built) {
  const headers = new Headers();
  for (const [name, value] of built.headers) headers.append(name, value);
  const init = { method: built.method, headers };
  if (built.body && built.method !== "GET" && built.method !== "HEAD") {
    if (built.encoding === "multipart" || built.encoding === "urlencoded") {
      const fields = JSON.parse(built.body);
      const form = built.encoding === "multipart" ? new FormData() : new URLSearchParams();
      for (const [name, value] of Object.entries(fields)) {
        const textValue = typeof value === "string" ? value : JSON.stringify(value);
        if (built.encoding === "multipart" && built.files.includes(name))
          form.append(name, new Blob([textValue]), name);
        else form.append(name, textValue);
      }
      headers.delete("Content-Type");  // the browser writes it, with the multipart boundary
      init.body = form;
    } else init.body = built.body;
  }
  const started = performance.now();
  const response = await fetch(built.url, init);
  const body = await response.text();
  return { status: response.status, headers: [...response.headers.entries()], body,
           violations: response.headers.get("sl-violations") || "", ms: Math.round(performance.now() - started) };
}

function formValues() {
  const values = {};
  for (const input of $("try-params").querySelectorAll("input")) values[input.dataset.key] = input.value;
  return values;
}

function fillForm(op, keepParams) {
  const built = buildRequest(op, keepParams ? formValues() : null);
  $("try-url").value = built.url;
  $("try-headers").value = built.headers.map(([k, v]) => k + ": " + v).join("\n");
  if (!keepParams) {
    $("try-body").value = built.body || "";
    const body = op.requestBody;
    $("try-body-note").textContent = !body ? "(none)" : body.encoding === "multipart"
      ? "(" + body.mediaType + ": each field of this JSON object is a part"
        + (body.files.length ? "; sent as files: " + body.files.join(", ") : "") + ")"
      : body.encoding === "urlencoded" ? "(" + body.mediaType + ": the fields of this JSON object)"
      : "(" + body.mediaType + ")";
  }
}

function select(op, row) {
  document.querySelectorAll(".op.selected").forEach((e) => e.classList.remove("selected"));
  if (row) row.classList.add("selected");
  selectedOp = op;
  $("try-empty").hidden = true;
  $("try-form").hidden = false;
  $("try-form").dataset.method = op.method;
  $("try-method").textContent = op.method;
  $("try-method").className = "method m-" + op.method;
  $("try-title").textContent = op.path + (op.summary ? " — " + op.summary : "") + " (" + op.operationId + ")";
  const params = $("try-params");
  params.textContent = "";
  for (const p of op.parameters) {
    const id = "param-" + p.in + "-" + p.name;
    const wrap = document.createElement("div");
    wrap.className = "param";
    const label = text("label", p.name + " (" + p.in + (p.required ? ", required" : "") + ")"
      + (p.description ? " — " + p.description : ""));
    label.htmlFor = id;
    const input = document.createElement("input");
    input.id = id;
    input.dataset.key = p.name + "@" + p.in;
    input.value = paramValue(p, null);
    if (!p.required && p.example !== null && p.example !== undefined) input.placeholder = "e.g. " + String(
      typeof p.example === "object" ? JSON.stringify(p.example) : p.example);
    input.addEventListener("input", () => fillForm(op, true));
    wrap.append(label, input);
    params.appendChild(wrap);
  }
  fillForm(op, false);
  $("try-result").textContent = "";
}

$("try-refill").addEventListener("click", () => { if (selectedOp) select(selectedOp, null); });

$("try-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const headers = [];
  for (const line of $("try-headers").value.split("\n")) {
    const at = line.indexOf(":");
    if (at > 0) headers.push([line.slice(0, at).trim(), line.slice(at + 1).trim()]);
  }
  const op = selectedOp;
  const built = { method: op.method, url: $("try-url").value, headers, body: $("try-body").value,
                  encoding: op.requestBody ? op.requestBody.encoding : "none",
                  files: op.requestBody ? op.requestBody.files : [] };
  const out = $("try-result");
  out.textContent = "";
  try {
    const answer = await sendRequest(built);
    out.appendChild(text("div", "HTTP " + answer.status + " · " + answer.ms + " ms",
                         answer.status < 400 ? "ok status" : "bad status"));
    if (answer.violations) out.appendChild(text("pre", answer.violations, "bad violations"));
    const details = document.createElement("details");
    details.appendChild(text("summary", "answer headers (" + answer.headers.length + ")"));
    details.appendChild(headerTable(answer.headers));
    out.appendChild(details);
    out.appendChild(text("pre", pretty(answer.body), "response-body"));
  } catch (error) {
    out.appendChild(text("div", "request failed: " + error, "bad"));
  }
});

// ---- the catalogue: grouped by API and tag, searchable ---------------------------------------------

function matches(op, terms, method) {
  if (method && op.method !== method) return false;
  const fields = { method: op.method, path: op.prefix + op.path + " " + op.path, id: op.operationId,
                   tag: op.tags.join(" "), api: op.api + " " + op.apiTitle, summary: op.summary || "" };
  const all = Object.values(fields).join(" ").toLowerCase();
  return terms.every((term) => {
    const at = term.indexOf(":");
    const key = at > 0 ? term.slice(0, at) : "";
    if (key && Object.prototype.hasOwnProperty.call(fields, key))
      return fields[key].toLowerCase().includes(term.slice(at + 1));
    return all.includes(term);
  });
}

function applySearch() {
  const terms = $("search").value.toLowerCase().split(/\s+/).filter(Boolean);
  const method = $("method-filter").value;
  const filtering = terms.length > 0 || method !== "";
  let shown = 0;
  for (const group of document.querySelectorAll("details.api, details.tag")) group.dataset.hits = "0";
  for (const row of document.querySelectorAll(".op")) {
    const hit = matches(row.op, terms, method);
    row.hidden = !hit;
    if (hit) {
      shown += 1;
      for (let g = row.parentElement.closest("details"); g; g = g.parentElement.closest("details"))
        g.dataset.hits = String(Number(g.dataset.hits) + 1);
    }
  }
  for (const group of document.querySelectorAll("details.api, details.tag")) {
    const hits = Number(group.dataset.hits);
    group.hidden = hits === 0;
    group.querySelector(":scope > summary .count").textContent = filtering
      ? hits + " of " + group.dataset.total : group.dataset.total;
    if (filtering && hits > 0) group.open = true;
  }
  $("op-count").textContent = filtering ? shown + " of " + catalogue.length : String(catalogue.length);
  $("no-match").hidden = shown > 0;
}

function group(cls, title, extra, total) {
  const details = document.createElement("details");
  details.className = cls;
  details.open = true;
  details.dataset.total = String(total);
  const summary = document.createElement("summary");
  summary.appendChild(text("span", title, "group-title"));
  if (extra) { summary.appendChild(document.createTextNode(" ")); summary.appendChild(text("span", extra, "muted")); }
  summary.appendChild(document.createTextNode(" "));
  summary.appendChild(text("span", String(total), "count"));
  details.appendChild(summary);
  return details;
}

function opRow(op) {
  const row = document.createElement("button");
  row.type = "button";
  row.className = "op" + (op.deprecated ? " deprecated" : "");
  row.dataset.operationId = op.operationId;
  row.dataset.api = op.api;
  row.op = op;
  row.appendChild(text("span", op.method, "method m-" + op.method));
  const body = document.createElement("span");
  body.appendChild(text("span", op.path, "path"));
  const names = [];
  for (const [status, media] of Object.entries(op.examples))
    for (const list of Object.values(media)) for (const n of list) names.push(status + " " + n);
  body.appendChild(document.createElement("br"));
  body.appendChild(text("span", (op.summary || op.operationId) + (names.length ? " · examples: "
    + names.join(", ") : ""), "examples"));
  row.appendChild(body);
  row.addEventListener("click", () => select(op, row));
  return row;
}

async function loadApis() {
  const apis = await (await fetch(ADMIN + "/apis")).json();
  const root = $("apis");
  const methods = new Set();
  for (const api of apis) {
    // served at each prefix; "" is the root
    const prefixes = api.prefixes.map((p) => p || "/");
    const apiGroup = group("api", api.title, prefixes.length ? "at " + prefixes.join(", ") : "",
                           api.operations.length);
    apiGroup.dataset.api = api.name;
    const byTag = new Map();
    for (const op of api.operations) {
      op.api = api.name;
      op.apiTitle = api.title;
      catalogue.push(op);
      methods.add(op.method);
      const tag = op.tags.length ? op.tags[0] : "(no tag)";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(op);
    }
    for (const [tag, ops] of byTag) {
      const tagGroup = group("tag", tag, "", ops.length);
      tagGroup.dataset.tag = tag;
      for (const op of ops) tagGroup.appendChild(opRow(op));
      apiGroup.appendChild(tagGroup);
    }
    root.appendChild(apiGroup);
  }
  for (const m of [...methods].sort()) { const o = text("option", m); o.value = m; $("method-filter").appendChild(o); }
  $("summary").textContent = apis.length + " APIs, " + catalogue.length + " operations";
  applySearch();
}

$("search").addEventListener("input", applySearch);
$("method-filter").addEventListener("change", applySearch);
$("search").addEventListener("keydown", (event) => {
  if (event.key === "Escape") { $("search").value = ""; applySearch(); }
  else if (event.key === "Enter" || event.key === "ArrowDown") {
    const first = [...document.querySelectorAll(".op")].find((r) => r.offsetParent !== null);
    if (first) { event.preventDefault(); first.focus(); if (event.key === "Enter") first.click(); }
  }
});
$("expand-all").addEventListener("click", () => document.querySelectorAll("#apis details").forEach((d) => {
  d.open = true; }));
$("collapse-all").addEventListener("click", () => document.querySelectorAll("#apis details").forEach((d) => {
  d.open = false; }));

// ---- the journal and one request in detail ---------------------------------------------------------

function headerTable(pairs) {
  const table = document.createElement("table");
  table.className = "headers";
  const tbody = document.createElement("tbody");
  for (const [name, value] of pairs) {
    const tr = document.createElement("tr");
    tr.append(text("td", name), text("td", value, "mono"));
    tbody.appendChild(tr);
  }
  table.appendChild(tbody);
  return table;
}

function fillHeaders(tbody, headers) {
  tbody.textContent = "";
  for (const [name, value] of Object.entries(headers || {})) {
    const tr = document.createElement("tr");
    tr.append(text("td", name), text("td", value, "mono"));
    tbody.appendChild(tr);
  }
}

const shellQuote = (s) => "'" + String(s).split("'").join("'\\''") + "'";
const SKIPPED_HEADERS = new Set(["host", "content-length", "connection", "accept-encoding", "cookie"]);

/** A curl command replaying journal entry `entry` against this mock; redacted values replaced when we can. */
function curlOf(entry) {
  const op = catalogue.find((o) => o.api === entry.api && o.operationId === entry.operation);
  const notes = [];
  let query = entry.query || "";
  if (query.includes("%5Bredacted%5D") && op && op.authQuery) {
    const name = op.authQuery.split("=")[0];
    query = query.split("&").map((part) => part.startsWith(name + "=") ? op.authQuery : part).join("&");
  }
  const url = location.origin + entry.path + (query ? "?" + query : "");
  const parts = ["curl", "-i", "-X", entry.method, shellQuote(url)];
  for (const [name, value] of Object.entries(entry.headers || {})) {
    const lower = name.toLowerCase();
    if (SKIPPED_HEADERS.has(lower) || lower.startsWith("sec-")) continue;
    let sent = value;
    if (value === "[redacted]") {
      const auth = op && op.auth && op.auth.toLowerCase().startsWith(lower + ":") ? op.auth : "";
      if (auth) { sent = auth.slice(auth.indexOf(":") + 1).trim(); notes.push(name + ": the example credential"); }
      else notes.push(name + " was redacted: put the real value in");
    }
    parts.push("-H", shellQuote(name + ": " + sent));
  }
  if (entry.binary) notes.push("the body was binary and is not kept: add it with --data-binary @FILE");
  else if (entry.body_text !== null && entry.body_text !== undefined) {
    parts.push("--data-binary", shellQuote(entry.body_text));
    if (entry.body_truncated) notes.push("the body was cut to the journal's limit: the replay sends less");
    if (entry.body_text.includes("[redacted]")) notes.push("secret fields of the body were redacted");
  }
  if (query.includes("%5Bredacted%5D")) notes.push("a query parameter was redacted: put the real value in");
  return { command: parts.join(" "), notes };
}

function bodyText(part) {
  if (part.binary) return "(" + part.body_size + " bytes of binary data, not kept)";
  if (part.body_text === null || part.body_text === undefined || part.body_text === "") return "(no body)";
  return pretty(part.body_text) + (part.body_truncated ? "\n… (cut: " + part.body_size + " characters in all)" : "");
}

let openedId = null;

async function openDetail(id) {
  const response = await fetch(ADMIN + "/requests/" + id);
  const section = $("detail");
  if (!response.ok) {
    section.hidden = false;
    $("detail-title").textContent = "request " + id + " is no longer in the journal";
    return;
  }
  const entry = await response.json();
  openedId = id;
  document.querySelectorAll("tr.entry.selected").forEach((e) => e.classList.remove("selected"));
  const row = document.querySelector('tr.entry[data-id="' + id + '"]');
  if (row) row.classList.add("selected");
  $("detail-title").textContent = entry.method + " " + location.origin + entry.path
    + (entry.query ? "?" + entry.query : "");
  $("detail-meta").textContent = entry.api + " · " + entry.operation + " · "
    + new Date(entry.ts * 1000).toLocaleString() + " · " + entry.duration_ms.toFixed(1) + " ms";
  const list = $("detail-violations");
  list.textContent = "";
  if (!entry.violations.length) list.appendChild(text("li", "none", "ok"));
  for (const v of entry.violations) {
    const li = document.createElement("li");
    li.className = "violation";
    li.appendChild(text("code", v.location + " " + (v.pointer || "(whole)"), "pointer"));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(text("span", v.message, "bad"));
    list.appendChild(li);
  }
  fillHeaders($("detail-request-headers"), entry.headers);
  $("detail-request-body").textContent = bodyText(entry);
  $("detail-status").textContent = "HTTP " + entry.response.status;
  $("detail-status").className = entry.response.status < 400 ? "ok" : "bad";
  fillHeaders($("detail-response-headers"), entry.response.headers);
  $("detail-response-body").textContent = bodyText(entry.response);
  const curl = curlOf(entry);
  $("detail-curl").textContent = curl.command;
  $("detail-curl-note").textContent = curl.notes.join("; ");
  $("detail-copied").textContent = "";
  section.hidden = false;
  $("detail-title").focus();
}

function closeDetail() {
  $("detail").hidden = true;
  const row = document.querySelector('tr.entry[data-id="' + openedId + '"]');
  openedId = null;
  if (row) row.focus();
}

$("detail-close").addEventListener("click", closeDetail);
document.addEventListener("keydown", (event) => {
  const typing = event.target.closest && event.target.closest("input, textarea, select");
  if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
    event.preventDefault();
    $("search").focus();
    $("search").select();
  } else if (event.key === "Escape" && !$("detail").hidden && !typing) closeDetail();
});

$("detail-copy").addEventListener("click", async () => {
  const command = $("detail-curl").textContent;
  try { await navigator.clipboard.writeText(command); }
  catch (error) {  // no clipboard API (an insecure origin): select the text, for Ctrl-C
    const range = document.createRange();
    range.selectNodeContents($("detail-curl"));
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    document.execCommand("copy");
  }
  $("detail-copied").textContent = "copied";
});

function journalRow(entry) {
  const tr = document.createElement("tr");
  tr.className = "entry";
  tr.tabIndex = 0;
  tr.dataset.id = String(entry.id);
  tr.setAttribute("role", "button");
  tr.setAttribute("aria-label", "request " + entry.method + " " + entry.path + " answered " + entry.status);
  tr.appendChild(text("td", new Date(entry.ts * 1000).toLocaleTimeString()));
  tr.appendChild(text("td", entry.method + " " + entry.path + (entry.query ? "?" + entry.query : ""), "mono"));
  tr.appendChild(text("td", entry.operation));
  tr.appendChild(text("td", String(entry.status), entry.status < 400 ? "ok" : "bad"));
  tr.appendChild(text("td", entry.violations.map((v) => v.location + " " + v.pointer + ": "
    + v.message).join("; "), "bad"));
  tr.addEventListener("click", () => openDetail(entry.id));
  tr.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") { event.preventDefault(); openDetail(entry.id); }
  });
  return tr;
}

async function poll() {
  try {
    const response = await fetch(ADMIN + "/requests?limit=100");
    if (response.status === 404) { $("journal-off").hidden = false; return; }
    const entries = await response.json();
    const rows = $("journal-rows");
    // keep the rows already shown (and the focus on them); add the new ones on top
    const wanted = new Set(entries.map((e) => String(e.id)));
    for (const tr of [...rows.children]) if (!wanted.has(tr.dataset.id)) tr.remove();
    const shown = new Set([...rows.children].map((tr) => tr.dataset.id));
    let changed = false;
    for (let i = entries.length - 1; i >= 0; i -= 1) {
      if (shown.has(String(entries[i].id))) continue;
      rows.insertBefore(journalRow(entries[i]), rows.firstChild);
      changed = true;
    }
    $("journal-empty").hidden = entries.length > 0;
    if (changed && !$("state").hidden) loadState();
  } catch (error) { /* the server restarts: try again */ }
  setTimeout(poll, 1000);
}

// ---- stateful mode: the state, and resets ---------------------------------------------------------

let stateShown = "";

async function loadState() {
  const response = await fetch(ADMIN + "/state/collections");
  if (response.status === 404) { $("state").hidden = true; return; }
  const raw = await response.text();
  $("state").hidden = false;
  if (raw === stateShown) return;  // nothing changed: keep the focus and what is open
  stateShown = raw;
  const state = JSON.parse(raw);
  const root = $("state-apis");
  const open = new Set([...root.querySelectorAll("details.collection[open]")].map((d) => d.dataset.key));
  const first = root.childElementCount === 0;
  root.textContent = "";
  for (const api of state.apis) {
    root.appendChild(text("h3", api.title + " (" + api.name + ")"));
    if (!api.collections.length) root.appendChild(text("div", "no collection yet", "muted"));
    for (const c of api.collections) {
      const details = document.createElement("details");
      details.className = "collection";
      details.dataset.key = api.name + " " + c.collection;
      details.dataset.api = api.name;
      details.dataset.collection = c.collection;
      details.open = first || open.has(details.dataset.key);
      const summary = document.createElement("summary");
      summary.appendChild(text("span", c.collection, "mono"));
      summary.appendChild(text("span", " " + c.count + (c.count === 1 ? " item" : " items")
        + (c.template && c.template !== c.collection ? " · " + c.template : "")
        + (c.template ? "" : " · documents"), "count"));
      const reset = text("button", "reset", "reset-collection");
      reset.type = "button";
      reset.setAttribute("aria-label", "reset " + c.collection + " of " + api.name);
      reset.addEventListener("click", (event) => { event.preventDefault(); resetState(api.name, c.collection); });
      summary.appendChild(document.createTextNode(" "));
      summary.appendChild(reset);
      details.appendChild(summary);
      for (const item of c.items) {
        const div = document.createElement("div");
        div.className = "item";
        div.dataset.path = item.path;
        div.appendChild(text("div", item.path, "mono item-path"));
        div.appendChild(text("pre", JSON.stringify(item.value, null, 2)));
        details.appendChild(div);
      }
      if (c.count > c.items.length) details.appendChild(text("div", "… and " + (c.count - c.items.length)
        + " more", "muted"));
      root.appendChild(details);
    }
  }
}

async function resetState(api, collection) {
  const target = api === null ? "" : "/" + encodeURIComponent(api)
    + collection.split("/").map(encodeURIComponent).join("/");
  await fetch(ADMIN + "/state/collections" + target, { method: "DELETE" });
  await loadState();
}

$("state-refresh").addEventListener("click", loadState);
$("state-reset-all").addEventListener("click", () => resetState(null, ""));

window.apitwin = { catalogue, buildRequest, sendRequest, curlOf };
loadApis();
poll();
loadState();
"""

#: the Content-Security-Policy of the page: its own script only (by hash), no inline handler, no other origin
DASHBOARD_CSP = (
    "default-src 'self'; script-src 'sha256-"
    + base64.b64encode(hashlib.sha256(DASHBOARD_SCRIPT.encode()).digest()).decode()
    + "'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self';"
    " frame-ancestors 'none'"
)

DASHBOARD_HTML = (
    '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>apitwin dashboard</title>\n'
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n<link rel="icon" href="data:,">\n'
    "<style>" + _STYLE + "</style>\n</head>\n<body>" + _BODY + "<script>" + DASHBOARD_SCRIPT + "</script>\n"
    "</body>\n</html>\n"
)
