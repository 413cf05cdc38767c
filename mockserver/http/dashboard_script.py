"""The dashboard page's script, first part: admin-API access, the request form and the searchable catalogue."""

from __future__ import annotations

__all__ = ["CATALOGUE_SCRIPT"]

CATALOGUE_SCRIPT = r"""
"use strict";
const ADMIN = "/__apitwin";
// with --admin-token, the page is opened as /__apitwin/?token=...: the token is kept for this tab
// (sessionStorage), taken out of the address bar, and sent with every call to the admin API
const TOKEN = (() => {
  const params = new URLSearchParams(location.search);
  const given = params.get("token");
  if (given) {
    sessionStorage.setItem("apitwin-admin-token", given);
    params.delete("token");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + (rest ? "?" + rest : "") + location.hash);
  }
  return given || sessionStorage.getItem("apitwin-admin-token") || "";
})();
const adminFetch = (url, init) => {
  const options = Object.assign({}, init || {});
  if (TOKEN) options.headers = Object.assign({}, options.headers || {}, { "X-Apitwin-Admin-Token": TOKEN });
  return fetch(url, options);
};
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
  const apis = await (await adminFetch(ADMIN + "/apis")).json();
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
"""
