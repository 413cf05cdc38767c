"""The dashboard page's script, second part: the live journal, one request in detail, and the stateful view."""

from __future__ import annotations

__all__ = ["JOURNAL_SCRIPT"]

JOURNAL_SCRIPT = r"""
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

/** Where entry `entry` went: this mock, or (a callback or webhook the mock sent) the URL in its path. */
function originOf(entry) {
  return /^https?:\/\//.test(entry.path) ? "" : location.origin;
}

/** A curl command replaying journal entry `entry` against this mock; redacted values replaced when we can. */
function curlOf(entry) {
  const op = catalogue.find((o) => o.api === entry.api && o.operationId === entry.operation);
  const notes = [];
  let query = entry.query || "";
  if (query.includes("%5Bredacted%5D") && op && op.authQuery) {
    const name = op.authQuery.split("=")[0];
    query = query.split("&").map((part) => part.startsWith(name + "=") ? op.authQuery : part).join("&");
  }
  const url = originOf(entry) + entry.path + (query ? "?" + query : "");
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
  return pretty(part.body_text) + (part.body_truncated ? "\n… (cut: " + part.body_size + " bytes in all)" : "");
}

let openedId = null;

async function openDetail(id) {
  const response = await adminFetch(ADMIN + "/requests/" + id);
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
  $("detail-title").textContent = entry.method + " " + originOf(entry) + entry.path
    + (entry.query ? "?" + entry.query : "");
  $("detail-meta").textContent = (entry.api || "no API") + " · " + (entry.operation || "no operation") + " · "
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
  tr.appendChild(text("td", entry.operation || "(no operation)"));
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
    const response = await adminFetch(ADMIN + "/requests?limit=100");
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
  const response = await adminFetch(ADMIN + "/state/collections");
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
  await adminFetch(ADMIN + "/state/collections" + target, { method: "DELETE" });
  await loadState();
}

$("state-refresh").addEventListener("click", loadState);
$("state-reset-all").addEventListener("click", () => resetState(null, ""));

window.apitwin = { catalogue, buildRequest, sendRequest, curlOf };
loadApis();
poll();
loadState();
"""
