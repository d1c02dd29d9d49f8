/**
 * The dashboard's browser script, as text. Plain ES2020 without template literals, so that it
 * can live in this string unchanged (the job statuses are filled in from the one list); it talks
 * only to the admin JSON API next to the page.
 * @module
 */

import { JOB_STATUSES } from "../../src/admin/api.ts";

/** The script run by the dashboard page. */
export const CLIENT_JS: string = String.raw`
"use strict";
(function () {
  var BASE = window.EVERYWHEN.base;
  var API = BASE + "/api";
  var state = { filter: "", offset: 0, limit: 25, hours: 6, open: {}, busy: false, again: false,
    jobs: [], now: Date.now(), skew: 0 };
  var $ = function (id) { return document.getElementById(id); };
  var esc = function (v) {
    return String(v).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
  };
  var STATUSES = ${JSON.stringify(JOB_STATUSES)};

  function api(path, init) {
    init = init || {};
    init.credentials = "same-origin";
    init.headers = Object.assign({ accept: "application/json" }, init.headers || {});
    return fetch(API + path, init).then(function (r) {
      if (r.status === 401) { location.reload(); throw new Error("Signed out"); }
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body && body.error ? body.error.message : "HTTP " + r.status);
        return body;
      });
    });
  }

  function toast(text, bad) {
    var t = $("toast");
    t.textContent = text;
    t.className = "toast show" + (bad ? " bad" : "");
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { t.className = "toast"; }, 2600);
  }

  function serverNow() { return Date.now() + state.skew; }

  function rel(iso) {
    if (!iso) return "—";
    var d = Date.parse(iso) - serverNow();
    var a = Math.abs(d), s;
    if (a < 1000) return "now";
    if (a < 60000) s = Math.round(a / 1000) + "s";
    else if (a < 3600000) s = Math.round(a / 60000) + " min";
    else if (a < 86400000) s = (a / 3600000).toFixed(a < 36000000 ? 1 : 0) + " h";
    else s = Math.round(a / 86400000) + " d";
    return d > 0 ? "in " + s : s + " ago";
  }

  function dur(ms) {
    if (ms === null || ms === undefined) return "—";
    if (ms < 1000) return ms + " ms";
    if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + " s";
    var m = Math.floor(ms / 60000);
    return m + " min " + Math.round((ms % 60000) / 1000) + " s";
  }

  // "2030-01-01T09:00:00+09:00" -> "Jan 1, 09:00"
  function wall(local) {
    var m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d))?/.exec(local || "");
    if (!m) return "—";
    var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    var secs = m[6] && m[6] !== "00" ? ":" + m[6] : "";
    return months[Number(m[2]) - 1] + " " + Number(m[3]) + ", " + m[4] + ":" + m[5] + secs;
  }

  // Every instant is shown in one zone, the browser's, named on the page.
  var ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  var inZone = new Intl.DateTimeFormat("en-US", { timeZone: ZONE, year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });

  // "2030-01-01T00:00:00Z" -> "Jan 1, 09:00" in ZONE (Asia/Tokyo)
  function at(iso) {
    if (!iso) return "—";
    var p = {};
    inZone.formatToParts(new Date(iso)).forEach(function (x) { p[x.type] = x.value; });
    return wall(p.year + "-" + p.month + "-" + p.day + "T" + p.hour + ":" + p.minute + ":" + p.second);
  }

  // "nightly@2030-01-01T02:00:00.000Z" (or "nightly@run:<time>:<n>" from Run now): the time never
  // breaks, the id may wrap before it.
  function jobId(id) {
    var m = /^(.+)(@(?:run:)?)(\d{4}-\d\d-\d\dT[\d:.]+Z)(.*)$/.exec(id);
    if (!m) return '<span class="jid any">' + esc(id) + "</span>";
    return '<span class="jid">' + esc(m[1]) + "<wbr>" + esc(m[2]) + '<span class="fire">' + esc(m[3]) +
      "</span><wbr>" + esc(m[4]) + "</span>";
  }

  var features = { retry: false, purge: false };
  var FINAL = ["succeeded", "failed", "cancelled"];

  function pill(status) {
    return '<span class="pill s-' + esc(status) + '">' + esc(status) + "</span>";
  }

  function progressOf(p) {
    if (p === null || p === undefined) return { pct: null, label: "" };
    var pct = null, label = "";
    if (typeof p === "number") pct = p <= 1 ? p * 100 : p;
    else if (typeof p === "object" && !Array.isArray(p)) {
      if (typeof p.percent === "number") pct = p.percent;
      else if (typeof p.done === "number" && typeof p.total === "number" && p.total > 0) {
        pct = (p.done / p.total) * 100;
        label = p.done + " / " + p.total;
      }
      if (typeof p.message === "string") label = p.message + (label ? " · " + label : "");
      if (pct === null && !label) label = JSON.stringify(p);
    } else label = typeof p === "string" ? p : JSON.stringify(p);
    if (pct !== null) pct = Math.max(0, Math.min(100, pct));
    return { pct: pct, label: label };
  }

  function renderStatus(st) {
    $("sched-state").textContent = st.scheduler.state + (st.scheduler.paused ? " (paused)" : "") +
      (st.scheduler.lock ? " (locked)" : "");
    $("sched-tz").textContent = st.scheduler.timezone;
    $("sched-store").textContent = st.scheduler.store;
    $("view-tz").textContent = ZONE;
    var select = $("enq-task"), tasks = st.scheduler.tasks.slice().sort();
    if (select.getAttribute("data-tasks") !== tasks.join("\n")) {
      var chosen = select.value;
      select.innerHTML = tasks.map(function (t) {
        return '<option' + (t === chosen ? " selected" : "") + ">" + esc(t) + "</option>";
      }).join("");
      select.setAttribute("data-tasks", tasks.join("\n"));
    }
    state.skew = Date.parse(st.now) - Date.now();
    var cards = [["", state.scheduleCount, "schedules"], ["", st.jobs.pending, "pending"],
      ["run", st.jobs.running, "running"], ["ok", st.jobs.succeeded, "succeeded"],
      ["bad", st.jobs.failed, "failed"], ["", st.jobs.cancelled, "cancelled"]];
    $("stats").innerHTML = cards.map(function (c) {
      return '<div class="stat ' + c[0] + '" data-stat="' + c[2] + '"><div class="n">' +
        esc(c[1] === undefined ? "–" : c[1]) + '</div><div class="l">' + c[2] + "</div></div>";
    }).join("");
  }

  function renderSchedules(list) {
    state.scheduleCount = list.length;
    $("sched-count").textContent = list.length + (list.length === 1 ? " schedule" : " schedules");
    if (list.length === 0) {
      $("schedules").innerHTML = '<tr><td colspan="6" class="empty">No schedules yet.</td></tr>';
      return;
    }
    $("schedules").innerHTML = list.map(function (s) {
      var next = s.nextRuns[0];
      var own = s.timezone === ZONE ? "" : '<div class="muted small">' + esc(wall(next && next.local)) +
        " " + esc(s.timezone) + "</div>";
      var nextCell = s.state === "active" && next
        ? '<div>' + esc(at(next.at)) + ' <span class="muted small">' + esc(rel(next.at)) +
          "</span></div>" + own + (s.nextRuns[1] ? '<div class="muted small">then ' +
            esc(s.nextRuns.slice(1, 3).map(function (r) { return at(r.at); }).join(", ")) +
            "</div>" : "")
        : '<span class="muted">' + (s.state === "paused" ? "paused" : "no more runs") + "</span>";
      var toggle = s.paused
        ? '<button data-action="resume">Resume</button>'
        : '<button data-action="pause"' + (s.state === "finished" ? " disabled" : "") +
          ">Pause</button>";
      return '<tr data-schedule="' + esc(s.id) + '" data-state="' + esc(s.state) + '">' +
        '<td><div class="id">' + esc(s.id) + '</div><div class="muted small">' + esc(s.task) +
        "</div></td>" +
        '<td><span class="mono">' + esc(s.summary) + '</span><span class="tz">' +
        esc(s.timezone) + "</span></td>" +
        "<td>" + nextCell + "</td>" +
        '<td class="hide-sm muted">' + (s.lastRunAt ? esc(at(s.lastRunAt)) + '<div class="small">' +
          esc(rel(s.lastRunAt)) + "</div>" : "—") + "</td>" +
        "<td>" + pill(s.state) + "</td>" +
        '<td><div class="actions">' + toggle +
        '<button data-action="run" class="primary">Run now</button></div></td></tr>';
    }).join("");
  }

  function renderRunning(jobs) {
    $("running-count").textContent = jobs.length ? jobs.length + " running" : "";
    if (jobs.length === 0) {
      $("running").innerHTML = '<div class="empty">Nothing is running.</div>';
      return;
    }
    $("running").innerHTML = '<div class="running">' + jobs.map(function (j) {
      var p = progressOf(j.progress);
      var started = j.startedAt ? Date.parse(j.startedAt) : serverNow();
      var bar = p.pct === null ? "" : '<div class="bar"><i style="width:' + p.pct.toFixed(1) +
        '%"></i></div>';
      return '<div class="job-card" data-running="' + esc(j.id) + '"><div class="top"><span><b>' +
        esc(j.task) + '</b> <span class="mono muted small">' + jobId(j.id) + '</span></span><span class="muted small" style="white-space:nowrap">' +
        esc(dur(serverNow() - started)) +
        "</span></div>" + bar + '<div class="small muted" style="margin-top:6px">' +
        esc((p.pct === null ? "" : Math.round(p.pct) + "% ") + p.label) +
        (j.attempts > 1 ? " · attempt " + j.attempts : "") + "</div></div>";
    }).join("") + "</div>";
  }

  function outcome(j) {
    if (j.error) return '<div class="err" title="' + esc(j.error.name + ": " + j.error.message) +
      '">' + esc(j.error.name + ": " + j.error.message) + "</div>";
    if (j.status === "succeeded") {
      var text = JSON.stringify(j.result);
      if (text.length > 200) text = text.slice(0, 199) + "…";
      return '<div class="res mono small muted" title="' + esc(text) + '">' + esc(text) + "</div>";
    }
    if (j.status === "running") {
      var p = progressOf(j.progress);
      return p.pct === null ? '<span class="muted small">' + esc(p.label) + "</span>"
        : '<div class="bar"><i style="width:' + p.pct.toFixed(1) + '%"></i></div>';
    }
    if (j.status === "pending") return '<span class="muted small">runs ' + esc(rel(j.runAt)) + "</span>";
    return "";
  }

  function detail(j) {
    var block = function (title, value) {
      return '<div><div class="small muted">' + title + "</div><pre>" +
        esc(typeof value === "string" ? value : JSON.stringify(value, null, 2)) + "</pre></div>";
    };
    return '<tr class="detail" data-detail="' + esc(j.id) + '"><td colspan="9"><div class="small muted">' +
      "id <span class=mono>" + jobId(j.id) + "</span> · created " + esc(at(j.createdAt)) +
      " · scheduled " + esc(at(j.scheduledAt)) + " (" + esc(j.scheduledAt) + ")</div>" + '<div class="grid">' +
      block("Payload", j.payload) +
      (j.error ? block("Error", j.error.stack || j.error.name + ": " + j.error.message)
        : block("Result", j.result)) +
      block("Progress", j.progress) + "</div></td></tr>";
  }

  // Cancel while a job may still run; Retry once it failed or was cancelled, where the API has it.
  function jobActions(j) {
    if (FINAL.indexOf(j.status) < 0) return '<button data-job-action="cancel">Cancel</button>';
    if (features.retry && (j.status === "failed" || j.status === "cancelled")) {
      return '<button data-job-action="retry">Retry</button>';
    }
    return "";
  }

  function renderJobs(page) {
    state.jobs = page.jobs;
    state.total = page.total;
    var from = page.total === 0 ? 0 : page.offset + 1;
    $("jobs-count").textContent = page.total + (page.total === 1 ? " job" : " jobs");
    $("pager").innerHTML = '<span>' + from + "–" + (page.offset + page.jobs.length) + " of " +
      page.total + '</span><button data-page="-1"' + (page.offset === 0 ? " disabled" : "") +
      '>Previous</button><button data-page="1"' +
      (page.offset + page.jobs.length >= page.total ? " disabled" : "") + ">Next</button>";
    if (page.jobs.length === 0) {
      $("jobs").innerHTML = '<tr><td colspan="9" class="empty">No jobs' +
        (state.filter ? " with status " + esc(state.filter) : "") + ".</td></tr>";
      return;
    }
    $("jobs").innerHTML = page.jobs.map(function (j) {
      var attempts = j.attempts + (j.maxAttempts ? " / " + j.maxAttempts : "");
      var row = '<tr data-job="' + esc(j.id) + '" data-status="' + esc(j.status) +
        '" style="cursor:pointer"><td>' + pill(j.status) + "</td>" +
        '<td class="mono small" title="' + esc(j.id) + '">' + jobId(j.id) +
        '</td><td class="nowrap">' + esc(j.task) + '</td><td class="hide-md muted">' + esc(j.scheduleId || "—") +
        '</td><td class="muted" style="white-space:nowrap" data-l="started">' + (j.startedAt ? esc(at(j.startedAt)) +
          '<div class="small">' + esc(rel(j.startedAt)) + "</div>" : "—") + "</td>" +
        '<td class="mono small" data-l="took">' + esc(j.status === "running" && j.startedAt
          ? dur(serverNow() - Date.parse(j.startedAt)) : dur(j.durationMs)) + "</td>" +
        '<td class="mono small" data-l="attempts">' + esc(attempts) + "</td><td>" + outcome(j) + "</td>" +
        '<td><div class="actions">' + jobActions(j) + "</div></td></tr>";
      return row + (state.open[j.id] ? detail(j) : "");
    }).join("");
  }

  function renderTimeline(tl) {
    var from = Date.parse(tl.from), to = Date.parse(tl.to);
    var lanes = tl.lanes;
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    $("tl-sub").textContent = "next " + state.hours + " h · axis in your zone (" + zone + ")";
    if (lanes.length === 0) {
      $("timeline").innerHTML = '<div class="empty" style="padding:8px 0">Nothing scheduled in this window.</div>';
      return;
    }
    // Drawn at the box's width (a narrow screen gets a narrow chart, not a shrunken one).
    var W = Math.max(300, $("timeline").clientWidth - 4), L = W < 600 ? 110 : 170, R = 14, H = 28, top = 22;
    var h = top + lanes.length * H + 6;
    var x = function (t) { return L + ((t - from) / (to - from)) * (W - L - R); };
    var out = ['<svg viewBox="0 0 ' + W + " " + h + '" height="' + h + '">'];
    var step = [600000, 1800000, 3600000, 7200000, 10800000, 21600000, 43200000, 86400000]
      .find(function (s) { return (to - from) / s <= Math.min(8, (W - L - R) / 56); }) || 86400000;
    for (var t = Math.ceil(from / step) * step; t <= to; t += step) {
      var d = new Date(t);
      var label = step >= 86400000 ? d.toLocaleDateString([], { month: "short", day: "numeric" })
        : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
      out.push('<line x1="' + x(t) + '" x2="' + x(t) + '" y1="16" y2="' + h + '" stroke="#eef0f4"/>');
      out.push('<text class="tick" x="' + x(t) + '" y="12" text-anchor="middle">' + esc(label) + "</text>");
    }
    lanes.forEach(function (lane, i) {
      var y = top + i * H + H / 2;
      out.push('<rect x="' + L + '" y="' + (y - 9) + '" width="' + (W - L - R) + '" height="18" rx="4" fill="' +
        (i % 2 ? "#fbfcfd" : "#f6f7fb") + '"/>');
      out.push('<text class="lane-label" x="0" y="' + (y + 4) + '">' + esc(lane.scheduleId.slice(0, L < 170 ? 14 : 22)) + "</text>");
      if (lane.fires.length === 0 && lane.next) {
        out.push('<text class="tick" x="' + (W - R - 6) + '" y="' + (y + 4) + '" text-anchor="end">next ' +
          esc(at(lane.next.at) + (W < 600 ? "" : " (" + wall(lane.next.local) + " " + lane.timezone + ")")) +
          " →</text>");
      }
      if (lane.more && lane.fires.length > 0) {
        // Too many fires to list: a band stands for the rest of the window.
        var last = x(Date.parse(lane.fires[lane.fires.length - 1].at));
        out.push('<rect x="' + last + '" y="' + (y - 7) + '" width="' + Math.max(0, W - R - last) +
          '" height="14" fill="#6366f1" opacity=".3"><title>' + esc(lane.scheduleId) +
          " fires more often than shown</title></rect>");
      }
      var dense = lane.fires.length > 60;
      lane.fires.forEach(function (f) {
        var cx = x(Date.parse(f.at));
        if (cx < L || cx > W - R) return;
        out.push(dense
          ? '<rect x="' + (cx - 0.75) + '" y="' + (y - 7) + '" width="1.5" height="14" fill="#6366f1" opacity=".55"><title>' +
            esc(lane.scheduleId + " · " + f.local + " (" + lane.timezone + ")") + "</title></rect>"
          : '<circle cx="' + cx + '" cy="' + y + '" r="5" fill="#4f46e5" stroke="#fff" stroke-width="1.5"><title>' +
            esc(lane.scheduleId + " · " + f.local + " (" + lane.timezone + ")") + "</title></circle>");
      });
    });
    var nx = x(serverNow());
    out.push('<line x1="' + nx + '" x2="' + nx + '" y1="16" y2="' + h + '" stroke="#ef4444" stroke-width="1.5"/>');
    out.push("</svg>");
    $("timeline").innerHTML = out.join("");
  }

  function renderControls() {
    $("tl-range").innerHTML = [1, 6, 24, 168].map(function (hrs) {
      return '<button class="chip' + (state.hours === hrs ? " on" : "") + '" data-hours="' + hrs + '">' +
        (hrs === 168 ? "7 d" : hrs + " h") + "</button>";
    }).join("");
    $("filters").innerHTML = [""].concat(STATUSES).map(function (s) {
      return '<button class="chip' + (state.filter === s ? " on" : "") + '" data-filter="' + s + '">' +
        (s || "all") + "</button>";
    }).join("") + (features.purge ? '<button data-purge="1"' +
      (state.filter && FINAL.indexOf(state.filter) < 0 ? " disabled" : "") + ">Purge…</button>" : "");
  }

  function refresh() {
    if (state.busy) { state.again = true; return; }
    state.busy = true;
    var q = "?limit=" + state.limit + "&offset=" + state.offset + (state.filter ? "&status=" + state.filter : "");
    Promise.all([api("/schedules?runs=3"), api("/status"), api("/jobs" + q),
      api("/jobs?status=running&limit=50"), api("/timeline?hours=" + state.hours)])
      .then(function (r) {
        renderSchedules(r[0].schedules);
        renderStatus(r[1]);
        renderJobs(r[2]);
        renderRunning(r[3].jobs);
        renderTimeline(r[4]);
        document.body.setAttribute("data-loaded", "true");
      })
      .catch(function (e) { toast(e.message, true); })
      .finally(function () {
        state.busy = false;
        if (state.again) { state.again = false; soon(); }
      });
  }

  var pending = null;
  function soon() {
    if (pending) return;
    pending = setTimeout(function () { pending = null; refresh(); }, 200);
  }

  document.addEventListener("click", function (ev) {
    var b = ev.target.closest("button");
    if (b && b.dataset.action) {
      var id = b.closest("tr").dataset.schedule;
      b.disabled = true;
      api("/schedules/" + encodeURIComponent(id) + "/" + b.dataset.action, {
        method: "POST",
      }).then(function () {
        toast(b.dataset.action === "run" ? "Started a run of " + id
          : (b.dataset.action === "pause" ? "Paused " : "Resumed ") + id);
        refresh();
      }).catch(function (e) { toast(e.message, true); b.disabled = false; });
      return;
    }
    if (b && b.dataset.jobAction) {
      var job = b.closest("tr").dataset.job, verb = b.dataset.jobAction;
      b.disabled = true;
      api("/jobs/" + encodeURIComponent(job) + "/" + verb, { method: "POST" }).then(function (r) {
        var done = verb === "cancel" ? r.cancelled : r.result;
        toast(done === false ? job + " was not " + verb + (verb === "cancel" ? "led" : "d") + " (" +
          (r.job ? r.job.status : "unchanged") + ")" : (verb === "cancel" ? "Cancelled " : "Retried ") + job);
        refresh();
      }).catch(function (e) { toast(e.message, true); b.disabled = false; });
      return;
    }
    if (b && b.dataset.purge) {
      var which = state.filter ? [state.filter] : FINAL;
      if (!confirm("Delete every " + which.join(", ") + " job? This cannot be undone.")) return;
      api("/jobs/purge", {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify(state.filter ? { status: state.filter } : {}),
      }).then(function (r) {
        var n = typeof r.result === "number" ? r.result : r.purged;
        toast("Purged " + n + (n === 1 ? " job" : " jobs"));
        refresh();
      }).catch(function (e) { toast(e.message, true); });
      return;
    }
    if (b && b.dataset.hours) { state.hours = Number(b.dataset.hours); renderControls(); refresh(); return; }
    if (b && b.dataset.filter !== undefined) {
      state.filter = b.dataset.filter; state.offset = 0; renderControls(); refresh(); return;
    }
    if (b && b.dataset.page) {
      state.offset = Math.max(0, state.offset + Number(b.dataset.page) * state.limit);
      refresh();
      return;
    }
    var row = ev.target.closest("tr[data-job]");
    if (row) {
      state.open[row.dataset.job] = !state.open[row.dataset.job];
      renderJobs({ jobs: state.jobs, total: state.total, offset: state.offset });
      refresh();
    }
  });

  function live(on, text) {
    $("live").className = "live " + (on ? "on" : "poll");
    $("live-text").textContent = text;
  }

  if (window.EventSource) {
    var es = new EventSource(API + "/events");
    es.onopen = function () { live(true, "live"); };
    es.onerror = function () { live(false, "polling"); };
    ["schedule:added", "schedule:updated", "schedule:removed", "schedule:paused", "schedule:resumed",
      "job:created", "job:started", "job:progress", "job:succeeded", "job:failed", "job:retrying",
      "job:cancelled", "job:missed", "scheduler:paused", "scheduler:resumed", "scheduler:stopped"]
      .forEach(function (type) { es.addEventListener(type, soon); });
  } else live(false, "polling");

  $("enqueue").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var msg = $("enq-msg"), text = $("enq-payload").value.trim(), payload;
    try {
      payload = text === "" ? null : JSON.parse(text);
    } catch (e) {
      msg.textContent = "The payload is not valid JSON: " + e.message;
      return;
    }
    msg.textContent = "";
    api("/jobs", {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ task: $("enq-task").value, payload: payload }),
    }).then(function (r) { toast("Enqueued " + r.job.id); refresh(); })
      .catch(function (e) { msg.textContent = e.message; });
  });

  // Offer Retry and Purge only where this server's API has them.
  function detect() {
    return api("/routes").then(function (r) {
      var has = function (route) {
        return r.routes.some(function (x) { return x.method + " " + x.path === route; });
      };
      features.retry = has("POST /api/jobs/:id/retry");
      features.purge = has("POST /api/jobs/purge");
    }).catch(function () { /* an older server: cancel only */ });
  }

  renderControls();
  detect().then(function () { renderControls(); refresh(); });
  setInterval(refresh, 5000);
})();
`;
