"""The dashboard at ``/__apitwin/``: one self-contained page (no external resource, works offline).

It reads the admin API: ``/__apitwin/apis`` for the APIs, their operations and
examples, and ``/__apitwin/requests`` (polled every second) for the live journal
with each request's validation errors. Its form sends a request to the mock
itself, from the operation's documented examples.
"""

from __future__ import annotations

__all__ = ["DASHBOARD_HTML"]

DASHBOARD_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>apitwin dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
  header { background: #1d2330; color: #fff; padding: 10px 16px; display: flex; gap: 16px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  main { display: grid; grid-template-columns: minmax(320px, 1fr) minmax(360px, 1.2fr); gap: 12px; padding: 12px; }
  section { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: 10px; overflow: auto; }
  h2 { font-size: 15px; margin: 4px 0 8px; }
  h3 { font-size: 14px; margin: 12px 0 4px; }
  .op { display: flex; gap: 8px; padding: 3px 4px; cursor: pointer; border-radius: 4px; }
  .op:hover, .op.selected { background: #e8eefc; }
  .method { font: 12px monospace; font-weight: bold; width: 52px; }
  .path { font-family: monospace; }
  .examples { color: #667; font-size: 12px; }
  input, textarea, select { font: 12px monospace; width: 100%; box-sizing: border-box; }
  textarea { min-height: 90px; }
  label { display: block; margin-top: 6px; font-weight: 600; }
  button { margin-top: 8px; padding: 6px 14px; }
  pre { background: #f1f3f6; padding: 6px; white-space: pre-wrap; word-break: break-all; margin: 4px 0; }
  table { border-collapse: collapse; width: 100%; font-size: 12px; }
  td, th { border-bottom: 1px solid #eee; padding: 3px 4px; text-align: left; vertical-align: top; }
  .ok { color: #17803d; } .bad { color: #b42318; }
  .banner { background: #fff6d6; border: 1px solid #f0d67a; padding: 6px; border-radius: 4px; }
</style>
</head>
<body>
<header><h1>apitwin</h1><span id="summary">loading…</span></header>
<main>
  <section id="catalogue" aria-label="APIs and operations"><h2>APIs and operations</h2><div id="apis"></div></section>
  <div>
    <section id="try" aria-label="Try an operation">
      <h2>Try an operation</h2>
      <div id="try-empty">Pick an operation on the left.</div>
      <form id="try-form" hidden>
        <div><strong id="try-title"></strong></div>
        <label for="try-url">URL</label><input id="try-url" name="url">
        <label for="try-headers">Headers (one per line)</label><textarea id="try-headers" name="headers"></textarea>
        <label for="try-body">Body</label><textarea id="try-body" name="body"></textarea>
        <button id="try-send" type="submit">Send</button>
      </form>
      <div id="try-result"></div>
    </section>
    <section id="journal" aria-label="Request journal">
      <h2>Request journal <small>(live)</small></h2>
      <div id="journal-off" class="banner" hidden>The journal is off: start <code>apitwin serve --journal</code>.</div>
      <table><thead><tr><th>time</th><th>request</th><th>operation</th><th>status</th><th>violations</th></tr></thead>
      <tbody id="journal-rows"></tbody></table>
    </section>
  </div>
</main>
<script>
"use strict";
const ADMIN = "/__apitwin";
const $ = (id) => document.getElementById(id);
const text = (tag, value, cls) => { const e = document.createElement(tag); e.textContent = value;
  if (cls) e.className = cls; return e; };

function fillPath(op) {
  let path = op.prefix + op.path;
  const query = [];
  for (const p of op.parameters) {
    const value = p.example === null || p.example === undefined ? "" : String(p.example);
    if (p.in === "path") path = path.replace("{" + p.name + "}", encodeURIComponent(value || p.name));
    else if (p.in === "query" && p.required) query.push(encodeURIComponent(p.name) + "=" + encodeURIComponent(value));
  }
  return path + (query.length ? "?" + query.join("&") : "");
}

function select(op, row) {
  document.querySelectorAll(".op.selected").forEach((e) => e.classList.remove("selected"));
  row.classList.add("selected");
  $("try-empty").hidden = true;
  $("try-form").hidden = false;
  $("try-form").dataset.method = op.method;
  $("try-title").textContent = op.method + " " + op.path + (op.summary ? " — " + op.summary : "");
  $("try-url").value = fillPath(op);
  const headers = [];
  if (op.auth) headers.push(op.auth);
  if (op.requestBody) headers.push("Content-Type: " + op.requestBody.mediaType);
  for (const p of op.parameters)
    if (p.in === "header" && p.example !== null && p.example !== undefined) headers.push(p.name + ": " + p.example);
  $("try-headers").value = headers.join("\\n");
  const example = op.requestBody ? op.requestBody.example : null;
  $("try-body").value = example === null || example === undefined ? ""
    : (typeof example === "string" ? example : JSON.stringify(example, null, 2));
  $("try-result").textContent = "";
}

async function loadApis() {
  const apis = await (await fetch(ADMIN + "/apis")).json();
  const root = $("apis");
  let count = 0;
  for (const api of apis) {
    root.appendChild(text("h3", api.title + " (" + api.prefixes.join(", ") + ")"));
    for (const op of api.operations) {
      count += 1;
      const row = document.createElement("div");
      row.className = "op";
      row.dataset.operationId = op.operationId;
      row.appendChild(text("span", op.method, "method"));
      const body = document.createElement("div");
      body.appendChild(text("div", op.path, "path"));
      const names = [];
      for (const [status, media] of Object.entries(op.examples))
        for (const list of Object.values(media)) for (const n of list) names.push(status + " " + n);
      body.appendChild(text("div", (op.summary || op.operationId) + (names.length ? " · examples: "
        + names.join(", ") : ""), "examples"));
      row.appendChild(body);
      row.addEventListener("click", () => select(op, row));
      root.appendChild(row);
    }
  }
  $("summary").textContent = apis.length + " APIs, " + count + " operations";
}

$("try-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const headers = {};
  for (const line of $("try-headers").value.split("\\n")) {
    const at = line.indexOf(":");
    if (at > 0) headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  const method = $("try-form").dataset.method;
  const init = { method, headers };
  if ($("try-body").value && method !== "GET" && method !== "HEAD") init.body = $("try-body").value;
  const out = $("try-result");
  out.textContent = "";
  try {
    const response = await fetch($("try-url").value, init);
    const body = await response.text();
    out.appendChild(text("div", "HTTP " + response.status, response.ok ? "ok status" : "bad status"));
    const violations = response.headers.get("sl-violations");
    if (violations) out.appendChild(text("pre", violations, "bad violations"));
    let shown = body;
    try { shown = JSON.stringify(JSON.parse(body), null, 2); } catch (e) { /* not JSON */ }
    out.appendChild(text("pre", shown, "response-body"));
  } catch (error) {
    out.appendChild(text("div", "request failed: " + error, "bad"));
  }
});

async function poll() {
  try {
    const response = await fetch(ADMIN + "/requests?limit=50");
    if (response.status === 404) { $("journal-off").hidden = false; return; }
    const rows = $("journal-rows");
    rows.textContent = "";
    for (const entry of await response.json()) {
      const tr = document.createElement("tr");
      tr.className = "entry";
      tr.appendChild(text("td", new Date(entry.ts * 1000).toLocaleTimeString()));
      tr.appendChild(text("td", entry.method + " " + entry.path + (entry.query ? "?" + entry.query : "")));
      tr.appendChild(text("td", entry.operation));
      tr.appendChild(text("td", String(entry.status), entry.status < 400 ? "ok" : "bad"));
      tr.appendChild(text("td", entry.violations.map((v) => v.location + " " + v.pointer + ": "
        + v.message).join("; "), "bad"));
      rows.appendChild(tr);
    }
  } catch (error) { /* the server restarts: try again */ }
  setTimeout(poll, 1000);
}

loadApis();
poll();
</script>
</body>
</html>
"""
