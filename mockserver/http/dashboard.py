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

from .dashboard_journal_script import JOURNAL_SCRIPT
from .dashboard_script import CATALOGUE_SCRIPT

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

#: the whole script of the page, in one <script> element (its hash is in DASHBOARD_CSP)
DASHBOARD_SCRIPT = CATALOGUE_SCRIPT + JOURNAL_SCRIPT

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
