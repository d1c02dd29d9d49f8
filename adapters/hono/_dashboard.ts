/**
 * The dashboard and sign-in pages: one HTML document each, with inline CSS and a small
 * script (no build step, no external assets). The script reads the JSON API, listens to
 * `api/events` for live updates and polls as a fallback.
 * @module
 */

import { CLIENT_JS } from "./_client.ts";

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** A JSON value safe to embed in a `<script>` element. */
const scriptJson = (value: unknown): string =>
  JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028|\u2029/g, "");

const ICON =
  `<svg width="14" height="14" viewBox="0 0 24 24" fill="none" stroke="#fff" stroke-width="2.4" stroke-linecap="round" aria-hidden="true"><circle cx="12" cy="13" r="8"/><path d="M12 9v4l2.5 2.5M9 2h6"/></svg>`;

const CSS = `
:root{--bg:#f6f7f9;--card:#fff;--ink:#0f172a;--muted:#64748b;--line:#e5e7eb;--accent:#4f46e5;
--ok:#15803d;--ok-bg:#dcfce7;--bad:#b91c1c;--bad-bg:#fee2e2;--run:#1d4ed8;--run-bg:#dbeafe;
--wait:#475569;--wait-bg:#eef2f6;--warn:#b45309;--warn-bg:#fef3c7;
--sans:ui-sans-serif,system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 var(--sans);
-webkit-font-smoothing:antialiased}
header{background:#0f172a;color:#e2e8f0;padding:8px 24px;min-height:56px;display:flex;
flex-wrap:wrap;align-items:center;gap:8px 16px;position:sticky;top:0;z-index:2}
header h1{font-size:16px;font-weight:650;margin:0;letter-spacing:.2px;display:flex;
align-items:center;gap:10px;color:#fff}
header .mark{width:22px;height:22px;border-radius:6px;background:linear-gradient(135deg,#818cf8,#4f46e5);
display:inline-grid;place-items:center;font-size:13px}
header .spacer{flex:1}
header .meta{font-size:12.5px;color:#94a3b8;display:flex;flex-wrap:wrap;gap:4px 14px;align-items:center}
header .meta b{color:#e2e8f0;font-weight:600}
.live{display:inline-flex;align-items:center;gap:6px}
.dot{width:8px;height:8px;border-radius:50%;background:#94a3b8}
.live.on .dot{background:#22c55e;box-shadow:0 0 0 3px rgba(34,197,94,.25)}
.live.poll .dot{background:#f59e0b}
header form{margin:0}
header button{background:transparent;color:#cbd5e1;border:1px solid #334155}
main{max-width:1320px;margin:0 auto;padding:20px 24px 48px}
.zone-note{margin:0 0 12px;color:var(--muted);font-size:12.5px}.zone-note b{color:var(--ink)}
.stats{display:grid;grid-template-columns:repeat(6,1fr);gap:12px;margin-bottom:18px}
.stat{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px}
.stat .n{font-size:22px;font-weight:650;font-variant-numeric:tabular-nums}
.stat .l{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.5px}
.stat.ok .n{color:var(--ok)}.stat.bad .n{color:var(--bad)}.stat.run .n{color:var(--run)}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;margin-bottom:18px;
overflow:hidden}
section>h2{font-size:14px;font-weight:650;margin:0;padding:12px 16px;border-bottom:1px solid var(--line);
display:flex;flex-wrap:wrap;align-items:center;gap:8px 12px}
section>h2 .sub{font-weight:400;color:var(--muted);font-size:12.5px}
section>h2 .tools{margin-left:auto;display:flex;flex-wrap:wrap;gap:6px}
.scroll{overflow-x:auto}
table{width:100%;border-collapse:collapse}
th{text-align:left;font-size:11.5px;text-transform:uppercase;letter-spacing:.5px;color:var(--muted);
font-weight:600;padding:8px 12px;background:#fafbfc;border-bottom:1px solid var(--line)}
td{padding:9px 12px;border-bottom:1px solid #f0f2f5;vertical-align:middle}
th:first-child,td:first-child{padding-left:16px}th:last-child,td:last-child{padding-right:16px}
tr:last-child td{border-bottom:0}
tbody tr:hover td{background:#fafbff}
.mono{font-family:var(--mono);font-size:12.5px}
.muted{color:var(--muted)}.small{font-size:12px}
.id{font-weight:600;overflow-wrap:anywhere}
.jid{overflow-wrap:break-word}.jid .fire{white-space:nowrap}.jid.any{overflow-wrap:anywhere}
.pill{display:inline-block;padding:2px 9px;border-radius:999px;font-size:12px;font-weight:600;
line-height:18px;white-space:nowrap}
.s-succeeded,.s-active{color:var(--ok);background:var(--ok-bg)}
.s-failed{color:var(--bad);background:var(--bad-bg)}
.s-running{color:var(--run);background:var(--run-bg)}
.s-pending,.s-finished{color:var(--wait);background:var(--wait-bg)}
.s-cancelled,.s-paused{color:var(--warn);background:var(--warn-bg)}
.tz{display:inline-block;margin-left:6px;padding:0 6px;border-radius:4px;background:#eef2ff;
color:#4338ca;font-size:11px;font-weight:600}
button,.chip{font:inherit;font-size:12.5px;font-weight:550;border-radius:7px;padding:5px 11px;
border:1px solid var(--line);background:#fff;color:var(--ink);cursor:pointer}
button:hover{border-color:#c7cbd4;background:#f8fafc}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}
button.primary:hover{background:#4338ca}
button:disabled{opacity:.5;cursor:default}
.chip.on{background:#0f172a;color:#fff;border-color:#0f172a}
.actions{display:flex;gap:6px;justify-content:flex-end}
.enqueue{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-end;padding:12px 16px}
.enqueue label{display:flex;flex-direction:column;gap:4px;flex:0 1 auto}
.enqueue label.grow{flex:1 1 260px}
.enqueue select,.enqueue textarea{font:12.5px var(--mono);padding:6px 8px;border:1px solid #cbd5e1;
border-radius:7px;background:#fff;color:var(--ink)}
.enqueue textarea{min-height:34px;resize:vertical}
.enqueue .form-msg{flex-basis:100%;font-size:12.5px;color:var(--bad);min-height:0}
.enqueue .form-msg:empty{display:none}
.err,.res{max-width:260px;overflow:hidden;display:-webkit-box;-webkit-line-clamp:2;
-webkit-box-orient:vertical;overflow-wrap:anywhere}.err{color:var(--bad)}
.nowrap{white-space:nowrap}
.bar{height:8px;background:#e8edf5;border-radius:99px;overflow:hidden;min-width:120px}
.bar>i{display:block;height:100%;background:linear-gradient(90deg,#3b82f6,#6366f1);border-radius:99px;
transition:width .4s ease}
.running{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(300px,100%),1fr));gap:12px;
padding:14px 16px}
.job-card{border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.job-card .top{display:flex;justify-content:space-between;gap:8px;margin-bottom:8px}
.empty{padding:18px 16px;color:var(--muted)}
.timeline{padding:10px 16px 14px}
.timeline svg{width:100%;display:block}
.timeline .lane-label{font:600 12px var(--sans);fill:#0f172a}
.timeline .tick{font:11px var(--sans);fill:#64748b}
.detail td{background:#fbfcfe}
.detail pre{margin:6px 0 0;padding:10px;background:#0f172a;color:#e2e8f0;border-radius:8px;
font:12px/1.5 var(--mono);max-height:260px;overflow:auto;white-space:pre-wrap}
.detail .grid{display:grid;grid-template-columns:repeat(3,1fr);gap:14px}
.pager{display:flex;gap:8px;align-items:center;justify-content:flex-end;padding:10px 16px;
border-top:1px solid var(--line);color:var(--muted);font-size:12.5px}
.toast{position:absolute;top:8px;right:16px;max-width:min(520px,calc(100% - 32px));max-height:40px;
overflow:hidden;background:#334155;color:#fff;padding:3px 12px;border-radius:8px;font-size:13px;
line-height:17px;opacity:0;visibility:hidden;transition:opacity .2s;display:-webkit-box;
-webkit-line-clamp:2;-webkit-box-orient:vertical;pointer-events:none}
.toast.show{opacity:1;visibility:visible}
.toast.bad{background:var(--bad)}
@media (max-width:1180px){.hide-md{display:none}}
@media (max-width:900px){.stats{grid-template-columns:repeat(3,1fr)}.hide-sm{display:none}}
@media (max-width:640px){header{padding:8px 12px}header .meta .hide-xs{display:none}
main{padding:12px 12px 32px}.detail .grid{grid-template-columns:1fr}
section>h2 .tools{margin-left:0}
.scroll table,.scroll tbody{display:block}.scroll thead{display:none}
.scroll tr{display:flex;flex-wrap:wrap;align-items:center;gap:6px 12px;padding:10px 12px;
border-bottom:1px solid #f0f2f5}
.scroll td{display:block;padding:0;border:0}.scroll td.hide-sm,.scroll td.hide-md{display:none}.scroll td:last-child{margin-left:auto}
.scroll td[data-l]::before{content:attr(data-l) " ";font:11px var(--sans);color:var(--muted)}
.scroll tr.detail{display:block}.scroll tr.detail td{margin:0}.err,.res{max-width:100%}
.enqueue label{flex-basis:100%}}
`;

/**
 * Finds the router's public path from the page's own URL: `up` path segments above it (0: the
 * router's root, with or without a trailing slash). So every URL the page uses is right under any
 * mount: a route, a prefix-stripping mount or a proxy that strips a prefix. The server's `base`
 * stays when the URL is too short. Each `form[data-to]` then posts to the router's route `data-to`.
 */
const BASE_JS = `(function () {
  var at = window.EVERYWHEN, path = location.pathname, parts = path.split("/"), base = null;
  if (at.up === 0) base = path.replace(/\\/+$/, "");
  else if (parts.length > at.up) base = parts.slice(0, parts.length - at.up).join("/");
  if (base !== null && (base === "" || base.charAt(0) === "/")) at.base = base;
  document.querySelectorAll("form[data-to]").forEach(function (f) {
    f.action = location.origin + at.base + f.getAttribute("data-to");
  });
})();`;

/** The path is not embedded (it may name another host), only how many segments it has. */
const baseScript = (base: string, within: string): string => {
  const up = within === "/" ? 0 : within.split("/").length - 1;
  return `<script>window.EVERYWHEN = ${scriptJson({ base, up })};\n${BASE_JS}</script>`;
};

/** A form posting to the router's route `to`; the script corrects its action under any mount. */
const formTo = (base: string, to: string, attributes: string): string =>
  `<form method="post" action="${escapeHtml(base + to)}" data-to="${to}"${attributes}>`;

/**
 * @param base The router's mount path as the server sees it, without a trailing slash.
 * @param options Page title and whether a sign-out button is shown.
 * @returns The dashboard document (served at the router's root).
 */
export function dashboardPage(
  base: string,
  options: { title: string; signOut: boolean },
): string {
  const title = escapeHtml(options.title);
  const signOut = options.signOut
    ? `${formTo(base, "/logout", "")}<button>Sign out</button></form>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title><style>${CSS}</style></head>
<body>
<header><h1><span class="mark">${ICON}</span>${title}</h1><span class="spacer"></span>
<div class="meta"><span>scheduler <b id="sched-state">…</b></span>
<span class="hide-xs">zone <b id="sched-tz">…</b></span>
<span class="hide-xs">store <b id="sched-store">…</b></span>
<span class="live" id="live"><span class="dot"></span><span id="live-text">connecting</span></span></div>
${signOut}<div class="toast" id="toast" role="status"></div></header>
<main>
<p class="zone-note">Times are shown in <b id="view-tz">…</b>, your browser's zone; a schedule's
own zone is named next to its times.</p>
<div class="stats" id="stats"></div>
<section><h2>Upcoming fires <span class="sub" id="tl-sub"></span>
<span class="tools" id="tl-range"></span></h2><div class="timeline" id="timeline"></div></section>
<section><h2>Schedules <span class="sub" id="sched-count"></span></h2><div class="scroll">
<table><thead><tr><th>Schedule</th><th>Trigger</th><th>Next run</th><th class="hide-sm">Last run</th>
<th>State</th><th style="text-align:right">Actions</th></tr></thead>
<tbody id="schedules"></tbody></table></div></section>
<section id="running-section"><h2>Running now <span class="sub" id="running-count"></span></h2>
<div id="running"></div></section>
<section id="enqueue-section"><h2>Enqueue a job <span class="sub">a registered task, with a JSON payload</span></h2>
<form class="enqueue" id="enqueue"><label class="small muted">Task
<select id="enq-task" name="task" required></select></label>
<label class="small muted grow">Payload (JSON)
<textarea id="enq-payload" name="payload" rows="1" spellcheck="false">null</textarea></label>
<button class="primary" type="submit">Enqueue</button><div class="form-msg" id="enq-msg" role="alert"></div></form></section>
<section><h2>Recent jobs <span class="sub" id="jobs-count"></span><span class="tools" id="filters"></span></h2>
<div class="scroll"><table><thead><tr><th>Status</th><th>Job</th><th>Task</th><th class="hide-md">Schedule</th>
<th>Started</th><th>Duration</th><th>Attempts</th><th>Result / error</th>
<th style="text-align:right">Actions</th></tr></thead>
<tbody id="jobs"></tbody></table></div><div class="pager" id="pager"></div></section>
</main>
${baseScript(base, "/")}
<script>${CLIENT_JS}</script>
</body></html>`;
}

/**
 * @param base The router's mount path as the server sees it, without a trailing slash.
 * @param within The request's path inside the router, e.g. `/api/jobs` for a deep link.
 * @param error A message to show, or `null`.
 * @returns The sign-in document.
 */
export function loginPage(base: string, within: string, error: string | null): string {
  const message = error === null ? "" : `<p class="msg">${escapeHtml(error)}</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<title>Sign in · everywhen</title><style>${CSS}
body{display:grid;place-items:center;min-height:100vh;padding:12px}
.login{width:min(360px,100%);background:#fff;border:1px solid var(--line);border-radius:12px;padding:28px}
.login h1{font-size:18px;margin:0 0 4px;display:flex;gap:10px;align-items:center}
.login p{color:var(--muted);margin:0 0 18px}
.login input{width:100%;font:14px var(--mono);padding:9px 11px;border:1px solid #cbd5e1;border-radius:8px;
margin:6px 0 14px}
.login button{width:100%;padding:9px}
.login .msg{color:var(--bad);margin:0 0 12px}
.mark{width:24px;height:24px;border-radius:6px;background:linear-gradient(135deg,#818cf8,#4f46e5);
display:inline-grid;place-items:center;font-size:13px;color:#fff}
</style></head><body>
${formTo(base, "/login", ' class="login"')}
<h1><span class="mark">${ICON}</span>everywhen admin</h1><p>Sign in with the admin token.</p>${message}
<label for="token" class="small muted">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button class="primary" type="submit">Sign in</button></form>
${baseScript(base, within)}</body></html>`;
}
