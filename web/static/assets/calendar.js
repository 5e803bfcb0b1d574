// The calendar: a month grid and a week view of the posts, in the
// browser's time zone, each post with its targets' networks and statuses.

import { el, safeURL, cssToken, ymd, parseYMD, addDays, hhmm, fill } from "./dom.js";
import { listAllPosts, request, errorBox, networkTitles } from "./api.js";
import { postReadings } from "./readings.js";
import { postExtras } from "./postextras.js";
import { enableReschedule } from "./reschedule.js";
import { filterBar, pickFilters, apiFilters } from "./calfilters.js";
import { selectToggle, enableSelect } from "./calselect.js";

// STATUSES are the target and post statuses the calendar knows, with the
// legend's wording; unknown ones still render, in grey.
export const STATUSES = [
  ["scheduled", "Scheduled"],
  ["publishing", "Publishing"],
  ["published", "Published"],
  ["failed", "Failed"],
  ["unconfirmed", "Unconfirmed"],
  ["held", "Held"],
  ["cancelled", "Cancelled"],
  ["draft", "Draft"],
  ["pending_review", "Pending review"],
];

const monthFmt = new Intl.DateTimeFormat(undefined, { month: "long", year: "numeric" });
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" });
const longFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });
const weekdayFmt = new Intl.DateTimeFormat(undefined, { weekday: "short" });

const LABELS = new Map(STATUSES);

// statusLabel is a status in words ("Pending review"), never the API's
// enum; an unknown one is made readable.
export function statusLabel(status) {
  const s = String(status || "");
  return LABELS.get(s) || (s.charAt(0).toUpperCase() + s.slice(1)).replace(/_/g, " ");
}

// titles holds the networks' titles once renderCalendar has asked for them.
let titles = {};
const netTitle = (name) => titles[name] || name;

// statusBadge is a coloured badge for a status, in words.
export function statusBadge(status, text) {
  return el("span", { class: "badge st-" + cssToken(status), dataset: { status }, text: text || statusLabel(status) });
}

// mondayOf returns the Monday starting d's week, at local midnight.
const mondayOf = (d) => addDays(d, -((d.getDay() + 6) % 7));

function legend() {
  return el("div", { class: "legend status-legend", "aria-label": "Status colours" },
    STATUSES.map(([s, label]) => el("span", { class: "legend-item" }, el("span", { class: "swatch st-" + s }), label)));
}

// postChip is one post in a day: its time, the start of its content and a
// badge per target (network, coloured by the target's status).
function postChip(p, long, open) {
  const when = new Date(p.scheduled_at);
  const max = long ? 140 : 48;
  const text = p.content.length > max ? p.content.slice(0, max) + "…" : p.content;
  const status = p.status || "scheduled";
  return el("button", {
    type: "button",
    class: "post st-" + cssToken(status),
    dataset: { postId: p.id, status, scheduledAt: p.scheduled_at, seriesId: p.series_id || undefined },
    title: statusLabel(status) + (p.series_id ? " — recurring" : "") + " — " + p.content.slice(0, 200),
    onclick: () => open(p.id),
  },
  el("span", { class: "time", text: hhmm(when) }),
  p.series_id ? el("span", { class: "recurring", title: "An occurrence of a recurring post", text: "↻" }) : null,
  el("span", { class: "text", text: text || "(no text)" }),
  el("span", { class: "targets" }, (p.targets || []).map((t) =>
    el("span", {
      class: "badge st-" + cssToken(t.status),
      dataset: { network: t.network, status: t.status },
      title: netTitle(t.network) + ": " + statusLabel(t.status),
      text: long ? netTitle(t.network) + " · " + statusLabel(t.status) : netTitle(t.network),
    }))));
}

function byDay(posts) {
  const m = new Map();
  for (const p of posts) {
    const k = ymd(new Date(p.scheduled_at));
    if (!m.has(k)) m.set(k, []);
    m.get(k).push(p);
  }
  for (const list of m.values()) list.sort((a, b) => a.scheduled_at.localeCompare(b.scheduled_at));
  return m;
}

// renderCalendar draws the calendar for params {view, date} and the
// filters (account, network, tag, campaign, status) into view;
// go(params) navigates.
export async function renderCalendar(view, params, goTo) {
  const shown = location.hash; // what this drawing is of (data-hash, for tests and tools)
  const filters = pickFilters(params);
  const go = (p) => goTo({ ...filters, ...p });
  const mode = params.view === "week" ? "week" : "month";
  const anchor = parseYMD(params.date) || parseYMD(ymd(new Date()));
  let start, end, title, prev, next;
  if (mode === "month") {
    const first = new Date(anchor.getFullYear(), anchor.getMonth(), 1);
    const after = new Date(anchor.getFullYear(), anchor.getMonth() + 1, 1);
    start = mondayOf(first);
    end = mondayOf(addDays(after, 6));
    title = monthFmt.format(first);
    prev = new Date(first.getFullYear(), first.getMonth() - 1, 1);
    next = after;
  } else {
    start = mondayOf(anchor);
    end = addDays(start, 7);
    title = "Week of " + dayFmt.format(start);
    prev = addDays(start, -7);
    next = end;
  }
  const bar = el("div", { class: "toolbar" },
    el("h2", { id: "cal-title", text: title }),
    el("div", { class: "buttons" },
      el("button", { type: "button", class: "secondary", id: "cal-prev", text: "‹ Prev", onclick: () => go({ view: mode, date: ymd(prev) }) }),
      el("button", { type: "button", class: "secondary", id: "cal-today", text: "Today", onclick: () => go({ view: mode, date: ymd(new Date()) }) }),
      el("button", { type: "button", class: "secondary", id: "cal-next", text: "Next ›", onclick: () => go({ view: mode, date: ymd(next) }) })),
    el("div", { class: "buttons segmented" },
      el("button", { type: "button", id: "cal-month", class: mode === "month" ? "active" : "secondary", text: "Month", "aria-pressed": String(mode === "month"), onclick: () => go({ view: "month", date: ymd(anchor) }) }),
      el("button", { type: "button", id: "cal-week", class: mode === "week" ? "active" : "secondary", text: "Week", "aria-pressed": String(mode === "week"), onclick: () => go({ view: "week", date: ymd(anchor) }) })),
    selectToggle(() => go({ view: mode, date: ymd(anchor) })),
    el("a", { class: "button-link", id: "cal-new", href: "#/compose?date=" + ymd(anchor), text: "New post" }));
  const body = el("div", { class: "cal-body", "aria-busy": "true" }, el("p", { class: "hint", text: "Loading…" }));
  const filterForm = filterBar(filters, STATUSES, (f) => goTo({ view: mode, date: ymd(anchor), ...f }));
  fill(view, bar, filterForm, legend(), body);

  let posts;
  try {
    [posts, titles] = await Promise.all([listAllPosts(start, end, apiFilters(filters)), networkTitles()]);
  } catch (err) {
    fill(body, errorBox(err));
    body.removeAttribute("aria-busy");
    filterForm.populate();
    return;
  }
  filterForm.populate();
  const days = byDay(posts);
  const today = ymd(new Date());
  const grid = el("div", { class: "cal-grid " + mode, id: "calendar", dataset: { view: mode, from: ymd(start), to: ymd(end), hash: shown } });
  if (mode === "month") {
    for (let i = 0; i < 7; i++) grid.append(el("div", { class: "weekday", text: weekdayFmt.format(addDays(start, i)) }));
  }
  for (let d = start; d < end; d = addDays(d, 1)) {
    const key = ymd(d);
    const cls = ["day"];
    if (mode === "month" && d.getMonth() !== anchor.getMonth()) cls.push("other-month");
    if (key === today) cls.push("today");
    const cell = el("div", { class: cls.join(" "), dataset: { date: key } },
      el("div", { class: "date", text: mode === "month" ? String(d.getDate()) : dayFmt.format(d) }));
    for (const p of days.get(key) || []) cell.append(postChip(p, mode === "week", openPost));
    grid.append(cell);
  }
  fill(body, grid, el("p", { class: "hint", id: "cal-count", text: posts.length + (posts.length === 1 ? " post" : " posts") +
    (Object.keys(filters).length ? " matching the filters" : "") + " · times in " + Intl.DateTimeFormat().resolvedOptions().timeZone }));
  body.removeAttribute("aria-busy");
  enableReschedule(grid, (when) => go({ view: mode, date: ymd(grid.querySelector(`.day[data-date="${ymd(when)}"]`) ? anchor : when) }));
  enableSelect(grid, posts, () => go({ view: mode, date: ymd(anchor) }));
}

let accountNames = null;

async function accountName(id) {
  if (!accountNames) {
    accountNames = new Map();
    try {
      const res = await request("/v1/accounts");
      for (const a of res.data || []) accountNames.set(a.id, "@" + a.username);
    } catch {
      // Names are a nicety: the id is shown instead.
    }
  }
  return accountNames.get(id) || id;
}

// openPost shows one post, fetched afresh, in the post dialog.
export async function openPost(id) {
  const dlg = document.getElementById("post-dialog");
  const body = document.getElementById("post-dialog-body");
  fill(body, el("p", { class: "hint", text: "Loading…" }));
  body.dataset.postId = id;
  if (!dlg.open) dlg.showModal();
  let p;
  try {
    p = await request("/v1/posts/" + encodeURIComponent(id));
  } catch (err) {
    fill(body, errorBox(err));
    return;
  }
  const rows = [];
  titles = await networkTitles();
  for (const t of p.targets || []) {
    const link = t.url ? safeLink(t.url, "View on " + netTitle(t.network)) : null;
    rows.push(el("tr", { dataset: { targetId: t.id, network: t.network, status: t.status } },
      el("td", { text: netTitle(t.network) }),
      el("td", { text: await accountName(t.account_id) }),
      el("td", {}, statusBadge(t.status)),
      el("td", {},
        link,
        t.last_error ? el("div", { class: "error last-error", text: t.last_error }) : null,
        t.content ? el("div", { class: "hint", text: "Variant: " + t.content }) : null),
      el("td", { class: "num", text: String(t.attempts ?? 0) })));
  }
  const meta = el("dl", { class: "meta" },
    el("dt", { text: "Scheduled" }), el("dd", { text: longFmt.format(new Date(p.scheduled_at)) + (p.timezone ? " (planned in " + p.timezone + ")" : "") }),
    p.author ? [el("dt", { text: "Author" }), el("dd", { text: p.author })] : null,
    p.tags && p.tags.length ? [el("dt", { text: "Tags" }), el("dd", {}, p.tags.map((t) => el("span", { class: "tag", text: t })))] : null,
    p.series_id ? [el("dt", { text: "Recurring" }), el("dd", { id: "post-series" },
      el("a", { href: "#/series/" + encodeURIComponent(p.series_id), id: "post-series-link", text: "See the series",
        onclick: () => document.getElementById("post-dialog").close() }),
      p.detached ? " (this one edited on its own)" : "")] : null,
    p.challenge_week ? [el("dt", { text: "Challenge week" }), el("dd", { id: "post-challenge-week", text: p.challenge_week })] : null);
  fill(body,
    el("p", {}, statusBadge(p.status || "scheduled")),
    el("p", { class: "content", id: "post-content", text: p.content }),
    (p.thread || []).length ? el("ol", { class: "thread" }, p.thread.map((t) => el("li", { class: "content", text: t }))) : null,
    meta,
    el("h3", { text: "Targets" }),
    el("table", { id: "post-targets" },
      el("thead", {}, el("tr", {}, ["Network", "Account", "Status", "Post / last error", "Attempts"].map((h) => el("th", { text: h })))),
      el("tbody", {}, rows)),
    await postExtras(p));
  if ((p.targets || []).some((t) => t.published_at)) {
    const readings = await postReadings(p.id, accountName);
    if (dlg.open && body.dataset.postId === id) body.append(readings); // not another post's dialog since
  }
}

function safeLink(url, text) {
  const href = safeURL(url);
  return href ? el("a", { href, target: "_blank", rel: "noopener noreferrer", class: "target-url", text: text || href, title: href }) : null;
}
