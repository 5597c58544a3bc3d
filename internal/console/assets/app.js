// jakguard operator console. Plain JavaScript, no library: every text from
// the server or a pasted request is put into the page with textContent or
// as DOM nodes built here (the Markdown renderer below makes nodes, never
// HTML strings), so nothing untrusted is parsed as HTML.
"use strict";

const TOKEN_KEY = "jakguard.operatorToken";
const $ = (sel) => document.querySelector(sel);

// el makes an element with attributes and children (strings become text).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function showMessage(text) {
  const m = $("#message");
  m.textContent = text || "";
  m.hidden = !text;
}

// api fetches a console endpoint with the operator token, if any. On 401
// it shows the token field.
async function api(path, opts) {
  opts = opts || {};
  const headers = Object.assign({}, opts.headers || {});
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers["Authorization"] = "Bearer " + token;
  const resp = await fetch(path, Object.assign({}, opts, { headers, cache: "no-store" }));
  if (resp.status === 401) {
    $("#token-form").hidden = false;
    throw new Error("This server needs an operator token: enter it above.");
  }
  return resp;
}

async function apiJSON(path, opts) {
  const resp = await api(path, opts);
  const body = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new Error(body.error || ("HTTP " + resp.status));
  return body;
}

const pct = (r, acted) => acted ? (r * 100).toFixed(1) + " %" : "–";

// ---- Alerts ----
let lastAnalytics = null;

function alertsQuery() {
  const q = new URLSearchParams();
  if ($("#alerts-since").value) q.set("since", $("#alerts-since").value);
  if ($("#alerts-service").value) q.set("service", $("#alerts-service").value);
  return q;
}

async function loadAlerts() {
  // Nothing of an earlier period or service stays on the page while this
  // one loads, nor when it fails: stale numbers would be read as these.
  const tbody = $("#alerts-table tbody"), charts = $("#alerts-charts");
  tbody.replaceChildren(el("tr", {}, el("td", { colspan: "6", class: "muted" }, "Loading…")));
  charts.replaceChildren();
  $("#alerts-summary").textContent = "";
  lastAnalytics = null;
  let a;
  try {
    a = await apiJSON("/console/api/findings?" + alertsQuery());
  } catch (e) {
    tbody.replaceChildren(el("tr", {}, el("td", { colspan: "6", class: "error" }, "Not loaded: " + e.message)));
    throw e;
  }
  lastAnalytics = a;
  tbody.replaceChildren();
  for (const f of a.findings) {
    const acted = f.accepted + f.overridden;
    const reasons = (f.topReasons || []).map((r) => el("span", { class: "tag" }, (r.display || r.code) + " ×" + r.count));
    tbody.append(el("tr", { "data-code": f.code },
      el("td", {}, f.code), el("td", { class: "num" }, f.shown), el("td", { class: "num" }, f.accepted),
      el("td", { class: "num" }, f.overridden), el("td", { class: "num" }, pct(f.overrideRate, acted)),
      el("td", {}, reasons.length ? reasons : "–")));
  }
  if (!a.findings.length) tbody.append(el("tr", {}, el("td", { colspan: "6", class: "muted" }, "No cards in this period.")));
  $("#alerts-summary").textContent = (a.service ? "Service " + a.service + ". " : "All services. ") +
    (a.since ? "Since " + a.since.slice(0, 16).replace("T", " ") + " UTC. " : "Everything recorded. ") +
    "Feedback on unknown cards: " + a.unattributed + ".";
  // Every chart on one axis of weeks, from the period's first week (or the
  // first with data) to this week, weeks without cards included: a week
  // left out would draw a gap in time as no gap at all.
  const axis = weekAxis(a);
  for (const s of a.weekly) charts.append(el("div", { class: "chart", "data-code": s.code }, el("h3", {}, s.code), chart(onAxis(s.weeks, axis))));
  if (!a.weekly.length) charts.append(el("p", { class: "muted" }, "No cards or feedback in this period: nothing to chart."));
}

const WEEK = 7 * 24 * 3600 * 1000;

// mondayOf is the start (Monday 00:00 UTC) of the week holding ms.
function mondayOf(ms) {
  const d = new Date(ms);
  const day = (d.getUTCDay() + 6) % 7;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day);
}

// weekAxis lists the week starts (ms) the charts share.
function weekAxis(a) {
  const data = a.weekly.flatMap((s) => s.weeks.map((w) => Date.parse(w.week)));
  if (!data.length) return [];
  const first = a.since ? mondayOf(Date.parse(a.since)) : Math.min(...data);
  const last = Math.max(mondayOf(Date.now()), ...data);
  const out = [];
  for (let t = Math.min(first, ...data); t <= last && out.length < 1000; t += WEEK) out.push(t);
  return out;
}

// onAxis gives a finding's weeks on the shared axis, zero where it has none.
function onAxis(weeks, axis) {
  const by = new Map(weeks.map((w) => [Date.parse(w.week), w]));
  return axis.map((t) => by.get(t) || { week: new Date(t).toISOString(), shown: 0, accepted: 0, overridden: 0, overrideRate: 0 });
}

// chart draws one finding's weeks: bars of cards shown and a line of the
// override rate, as SVG built node by node.
function chart(weeks) {
  const NS = "http://www.w3.org/2000/svg";
  const W = 300, H = 140, L = 28, R = 28, T = 8, B = 22;
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const node = (tag, attrs, text) => {
    const n = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
    if (text !== undefined) n.textContent = text;
    svg.append(n);
    return n;
  };
  const maxShown = Math.max(1, ...weeks.map((w) => w.shown));
  const n = Math.max(weeks.length, 1), step = (W - L - R) / n;
  const y = (v) => H - B - v * (H - T - B);
  node("line", { class: "axis", x1: L, y1: H - B, x2: W - R, y2: H - B });
  node("text", { x: 2, y: T + 8 }, String(maxShown));
  node("text", { x: W - R + 3, y: T + 8 }, "100%");
  node("text", { x: W - R + 3, y: H - B }, "0%");
  const pts = [];
  weeks.forEach((w, i) => {
    const x = L + i * step;
    const h = (w.shown / maxShown) * (H - T - B);
    const bw = Math.min(step * 0.7, 30);
    node("rect", { class: "bar", x: x + (step - bw) / 2, y: H - B - h, width: bw, height: Math.max(h, 0) }).append(Object.assign(document.createElementNS(NS, "title"), { textContent: w.week.slice(0, 10) + ": " + w.shown + " shown" }));
    if (w.accepted + w.overridden > 0) {
      const px = x + step / 2, py = y(w.overrideRate);
      pts.push(px.toFixed(1) + "," + py.toFixed(1));
      node("circle", { class: "dot", cx: px, cy: py, r: 3, "data-week": w.week.slice(0, 10) });
    }
    if (i === 0 || i === weeks.length - 1 || weeks.length <= 6) node("text", { x: x + 2, y: H - 6 }, w.week.slice(5, 10));
  });
  if (pts.length > 1) node("polyline", { class: "rate", points: pts.join(" ") });
  return svg;
}

async function downloadCSV() {
  const q = alertsQuery();
  q.set("format", "csv");
  const resp = await api("/console/api/findings?" + q);
  if (!resp.ok) throw new Error("CSV: HTTP " + resp.status);
  const url = URL.createObjectURL(await resp.blob());
  const a = el("a", { href: url, download: "jakguard-findings.csv" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ---- Audit ----
// searchAudit posts the search (the patient id in the body, never in a URL
// that proxies log) and shows the calls. Earlier results go first: a
// failed search shows its error, not the previous search's calls.
async function searchAudit() {
  const out = $("#audit-results");
  out.replaceChildren(el("p", { class: "muted" }, "Searching…"));
  const q = {};
  if ($("#audit-since").value) q.since = $("#audit-since").value;
  if ($("#audit-hook").value.trim()) q.hookInstance = $("#audit-hook").value.trim();
  if ($("#audit-patient").value.trim()) q.patient = $("#audit-patient").value.trim();
  let res;
  try {
    res = await apiJSON("/console/api/audit", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(q) });
  } catch (e) {
    out.replaceChildren(el("p", { class: "error" }, "Not searched: " + e.message));
    throw e;
  }
  const { calls, limit } = res;
  const period = $("#audit-since").selectedOptions[0].textContent;
  let head = calls.length + " call(s), newest first.";
  if (!calls.length) head = "No call matches this search in the period (" + period + "). The audit trail keeps calls for the configured retention only.";
  else if (limit && calls.length >= limit) head = "The newest " + calls.length + " calls only: there may be more in the period (" + period + "). Narrow the search.";
  out.replaceChildren(el("p", { class: calls.length >= limit ? "warning" : "muted", id: "audit-count" }, head));
  for (const c of calls) {
    const ok = c.status >= 200 && c.status < 300;
    const sources = Object.entries(c.sources || {}).map(([k, v]) => el("span", { class: "tag" }, k + ": " + v));
    out.append(el("div", { class: "call", "data-hook-instance": c.hookInstance || "" },
      el("div", { class: "head" },
        el("strong", {}, new Date(c.time).toLocaleString(undefined, { timeZoneName: "short" })), el("span", {}, c.service),
        el("span", { class: ok ? "status-ok" : "status-err" }, String(c.status)),
        el("span", {}, c.latencyMs.toFixed(1) + " ms"),
        el("span", { class: "muted" }, "hookInstance " + (c.hookInstance || "–"))),
      el("div", {}, "Findings: ", c.findings.length ? c.findings.map((f) => el("span", { class: "tag" }, f)) : "none"),
      c.summaries.length ? el("ul", { class: "summaries" }, c.summaries.map((s) => el("li", {}, s))) : null,
      el("div", {}, "Sources: ", sources.length ? sources : "–"),
      el("div", { class: "muted" }, "Client " + ((c.client && c.client.iss) || "unauthenticated") +
        (c.client && c.client.tenant ? " (tenant " + c.client.tenant + ")" : "") +
        " · knowledge " + c.kbRevision + " · config " + c.configHash +
        " · patient hash " + (c.patientHash ? c.patientHash.slice(0, 12) + "…" : "–"))));
  }
}

// ---- Preview ----
async function loadRequests() {
  const { requests } = await apiJSON("/console/api/requests");
  const sel = $("#preview-request");
  for (const r of requests) sel.append(el("option", { value: r.name, "data-service": r.service }, r.name));
}

async function pickRequest() {
  const opt = $("#preview-request").selectedOptions[0];
  if (!opt || !opt.value) return;
  $("#preview-service").value = opt.dataset.service;
  const resp = await api("/console/api/requests/" + encodeURIComponent(opt.value));
  $("#preview-body").value = await resp.text();
}

async function runPreview() {
  const out = $("#preview-cards");
  out.replaceChildren();
  const resp = await api("/console/api/preview/" + encodeURIComponent($("#preview-service").value), {
    method: "POST", headers: { "Content-Type": "application/json" }, body: $("#preview-body").value,
  });
  const body = await resp.json().catch(() => null);
  if (!resp.ok || !body || !Array.isArray(body.cards)) {
    const msg = body && body.issue ? body.issue.map((i) => i.diagnostics).join("; ") : (body && body.error) || "";
    out.append(el("pre", { class: "outcome" }, "HTTP " + resp.status + (msg ? ": " + msg : "")));
    return;
  }
  if (!body.cards.length) out.append(el("p", { class: "muted" }, "No cards."));
  for (const c of body.cards) out.append(renderCard(c));
}

// renderCard shows a card as an EHR does: indicator colour, summary,
// Markdown detail, source link, suggestion buttons, override reasons.
function renderCard(c) {
  const level = ["info", "warning", "critical"].includes(c.indicator) ? c.indicator : "info";
  const src = c.source || {};
  return el("article", { class: "card " + level },
    el("div", { class: "indicator" }, level),
    el("div", { class: "summary" }, c.summary || ""),
    c.detail ? el("div", { class: "detail" }, markdown(c.detail)) : null,
    el("div", { class: "source" }, "Source: ", safeURL(src.url) ? el("a", { href: src.url, target: "_blank", rel: "noopener noreferrer" }, src.label || src.url) : (src.label || "")),
    (c.suggestions || []).length ? el("div", { class: "suggestions" },
      c.suggestions.map((s) => el("button", { type: "button", class: "suggestion", title: (s.actions || []).map((a) => a.description || a.type).join("; ") }, s.label))) : null,
    (c.links || []).length ? el("div", { class: "source" }, c.links.map((l) => safeURL(l.url) ? el("a", { href: l.url, target: "_blank", rel: "noopener noreferrer" }, l.label) : l.label)) : null,
    (c.overrideReasons || []).length ? el("div", { class: "overrides" }, "Override reasons: ",
      c.overrideReasons.map((r) => el("span", { class: "tag" }, r.display || r.code))) : null);
}

function safeURL(u) {
  try { const p = new URL(u); return p.protocol === "https:" || p.protocol === "http:"; } catch (e) { return false; }
}

// markdown renders the subset cards use (paragraphs, "- " lists, **bold**,
// *italic*, `code`, [text](http...)) as DOM nodes; anything else is text.
function markdown(src) {
  const frag = document.createDocumentFragment();
  let list = null;
  for (const block of String(src).split(/\n{2,}/)) {
    const lines = block.split("\n");
    if (lines.every((l) => /^\s*[-*] /.test(l))) {
      list = el("ul", {});
      for (const l of lines) list.append(el("li", {}, inline(l.replace(/^\s*[-*] /, ""))));
      frag.append(list);
    } else {
      const p = el("p", {});
      lines.forEach((l, i) => { if (i) p.append(el("br", {})); p.append(...inline(l)); });
      frag.append(p);
    }
  }
  return frag;
}

function inline(text) {
  const out = [];
  const re = /\*\*([^*]+)\*\*|\*([^*]+)\*|`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let last = 0, m;
  while ((m = re.exec(text)) !== null) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[1] !== undefined) out.push(el("strong", {}, m[1]));
    else if (m[2] !== undefined) out.push(el("em", {}, m[2]));
    else if (m[3] !== undefined) out.push(el("code", {}, m[3]));
    else out.push(safeURL(m[5]) ? el("a", { href: m[5], target: "_blank", rel: "noopener noreferrer" }, m[4]) : m[4]);
    last = re.lastIndex;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

// ---- Rules ----
async function loadRules() {
  const cat = await apiJSON("/console/api/rules");
  $("#rules-summary").textContent = cat.rules.length + " rules, knowledge base " + cat.kbRevision +
    ". Verified: every code of the rule's value sets is graded A or B. “site” marks a site overlay or rules-config change.";
  const tbody = $("#rules-table tbody");
  tbody.replaceChildren();
  for (const r of cat.rules) {
    const applies = [r.initiation ? "start" : null, r.continuation ? "course" : null].filter(Boolean).join(", ") +
      (r.courseLimit ? " (" + r.courseLimit + ")" : "") + (r.drug ? " · " + r.drug : "");
    const sets = r.valueSets.map((id) => {
      const vs = cat.valueSets[id] || { codes: [] };
      return el("details", {}, el("summary", {}, id + " (" + vs.codes.length + ")" + (vs.overlay ? " site" : "")),
        el("ul", {}, vs.codes.map((c) => el("li", {}, c.code + " " + (c.display || "") + (c.grade ? " [" + c.grade + "]" : "")))));
    });
    tbody.append(el("tr", { "data-code": r.code },
      el("td", {}, r.code, r.siteOverlay || r.limitsChanged ? el("span", { class: "tag" }, "site") : null),
      el("td", {}, r.hook), el("td", {}, r.level), el("td", {}, applies),
      el("td", {}, r.limits || "–"), el("td", {}, sets.length ? sets : "–"),
      el("td", {}, r.sources.map((s) => el("div", {}, safeURL(s.url) ? el("a", { href: s.url, target: "_blank", rel: "noopener noreferrer" }, s.label) : s.label))),
      el("td", { class: r.verified ? "ok" : "no" }, r.verified ? "yes" : "no")));
  }
}

// ---- Tabs and start-up ----
const loaders = { alerts: loadAlerts, audit: null, preview: loadRequests, rules: loadRules };
const loaded = {};

async function showTab(name) {
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b.dataset.tab === name);
  for (const s of document.querySelectorAll("main > section")) s.hidden = s.id !== name;
  document.body.dataset.tab = name;
  if (loaders[name] && !loaded[name]) {
    await guard(loaders[name])();
    loaded[name] = !$("#message").textContent;
  }
}

// guard runs an action and shows its error instead of throwing.
function guard(fn) {
  return async (ev) => {
    if (ev && ev.preventDefault) ev.preventDefault();
    showMessage("");
    document.body.dataset.busy = "1";
    try { await fn(ev); } catch (e) { showMessage(e.message); } finally { delete document.body.dataset.busy; }
  };
}

document.addEventListener("DOMContentLoaded", () => {
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => showTab(b.dataset.tab));
  $("#token-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("#token").value.trim());
    $("#token").value = "";
    $("#token-form").hidden = true;
    for (const k of Object.keys(loaded)) delete loaded[k];
    showTab(document.body.dataset.tab || "alerts");
  });
  $("#alerts-filter").addEventListener("submit", guard(loadAlerts));
  $("#alerts-csv").addEventListener("click", guard(downloadCSV));
  $("#audit-search").addEventListener("submit", guard(searchAudit));
  $("#preview-request").addEventListener("change", guard(pickRequest));
  $("#preview-form").addEventListener("submit", guard(runPreview));
  const tab = (location.hash || "").slice(1);
  showTab(loaders.hasOwnProperty(tab) ? tab : "alerts");
});
