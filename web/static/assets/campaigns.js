// The campaign pages: the list of campaigns (themed weeks, challenges)
// and one campaign with its posts and how it did against the span before
// it. Where the server does not know campaigns (GET /v1/campaigns answers
// 404) the page says there are none yet.

import { el, cssToken, fmtNumber, fmtChange, fill } from "./dom.js";
import { request, query, timeZone, errorBox, csvButton, networkTitles } from "./api.js";
import { statusBadge, openPost } from "./calendar.js";
import { kindLabel, CAMPAIGN_STATES, renderCampaignNew, themedWeekForm, cloneForm, challengeSections } from "./campaignbuild.js";
import { setStatus } from "./ui.js";
import { utmSection } from "./utm.js";

const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

const nameOf = (c) => c.name || c.title || c.theme || "Untitled campaign";

// when formats a date-time from the API, leaving other text as is.
function when(v) {
  if (typeof v !== "string" || !/^\d{4}-\d{2}-\d{2}T/.test(v)) return v;
  const d = new Date(v);
  return isNaN(d) ? v : dateTimeFmt.format(d);
}

function noCampaigns(extra) {
  return el("div", { class: "empty-state", id: "no-campaigns" },
    el("p", { text: "No campaigns yet." }),
    el("p", { class: "hint", text: extra || "Campaigns group the posts of a themed week or a weekly challenge; they show up here once created." }));
}

// renderCampaigns draws the list, or one campaign when params.id is set.
export async function renderCampaigns(view, params) {
  if (params.id === "new") return renderCampaignNew(view, params.kind);
  if (params.id) return renderCampaign(view, params.id);
  const out = el("div", { id: "campaigns" }, el("p", { class: "hint", text: "Loading…" }));
  fill(view, el("div", { class: "toolbar" }, el("h2", { text: "Campaigns" }),
    el("a", { class: "button-link", id: "new-themed-week", href: "#/campaigns/new?kind=themed_week", text: "New themed week" }),
    el("a", { class: "button-link", id: "new-challenge", href: "#/campaigns/new?kind=weekly_challenge", text: "New weekly challenge" })), out);
  let res;
  try {
    res = await request("/v1/campaigns");
  } catch (err) {
    fill(out, err.status === 404
      ? noCampaigns("This server does not manage campaigns yet; they arrive with a later version of rythme.")
      : errorBox(err));
    return;
  }
  const list = Array.isArray(res) ? res : res.data || [];
  if (list.length === 0) {
    fill(out, noCampaigns());
    return;
  }
  fill(out, el("table", { id: "campaign-list", class: "report" },
    el("thead", {}, el("tr", {}, ["Campaign", "Theme", "First day", "Kind", "Status"].map((h) => el("th", { text: h })))),
    el("tbody", {}, list.map((c) => el("tr", { dataset: { campaignId: c.id } },
      el("td", {}, el("a", { href: "#/campaigns/" + encodeURIComponent(c.id), text: nameOf(c) })),
      el("td", { text: c.theme || "—" }),
      el("td", { text: c.first_day || "—" }),
      el("td", { text: kindLabel(c.kind) }),
      el("td", {}, c.status ? statusBadge(c.status, CAMPAIGN_STATES[c.status]) : "—"))))));
}

async function renderCampaign(view, id) {
  const out = el("div", { id: "campaign", "aria-busy": "true" }, el("p", { class: "hint", text: "Loading…" }));
  fill(view, el("p", {}, el("a", { href: "#/campaigns", text: "‹ All campaigns" })), out);
  let c;
  try {
    c = await request("/v1/campaigns/" + encodeURIComponent(id));
  } catch (err) {
    fill(out, err.status === 404
      ? noCampaigns("There is no such campaign in this workspace (or this server does not manage campaigns yet).")
      : errorBox(err));
    out.removeAttribute("aria-busy");
    return;
  }
  if (c && c.data && !c.id) c = c.data;
  const details = [
    el("dt", { text: "Kind" }), el("dd", { id: "campaign-kind", text: kindLabel(c.kind) }),
    c.theme ? [el("dt", { text: "Theme" }), el("dd", { text: c.theme })] : null,
    c.first_day ? [el("dt", { text: "First day" }), el("dd", { text: c.first_day })] : null,
    c.timezone ? [el("dt", { text: "Time zone" }), el("dd", { text: c.timezone })] : null,
    el("dt", { text: "State" }), el("dd", { text: CAMPAIGN_STATES[c.status] || "Active" }),
  ];
  const posts = (Array.isArray(c.posts) ? c.posts.filter((p) => p && typeof p === "object") : [])
    .sort((a, b) => String(a.scheduled_at).localeCompare(String(b.scheduled_at)));
  const report = el("div", { id: "campaign-report" });
  const redraw = () => renderCampaign(view, id);
  const challenge = c.kind === "weekly_challenge";
  const titles = await networkTitles();
  const accounts = challenge ? [] : await request("/v1/accounts")
    .then((r) => (r.data || []).map((a) => ({ ...a, networkTitle: titles[a.network] || a.network }))).catch(() => []);
  fill(out,
    el("h2", { id: "campaign-name", text: nameOf(c) }),
    c.description ? el("p", { class: "content", text: c.description }) : null,
    el("dl", { class: "meta" }, details),
    el("p", {}, el("a", { class: "button-link", href: "#/compare?" + new URLSearchParams({ a: "all", b: "campaign:" + c.id }), text: "Compare this campaign with all posts" }),
      " ", el("a", { class: "button-link secondary-link", href: "#/calendar?" + new URLSearchParams({ view: "month", date: c.first_day || "", campaign: c.id }), text: "See it on the calendar" })),
    challenge ? await challengeSections(c, redraw) : null,
    el("h3", { text: challenge ? "Picked and submitted posts" : "Posts" }),
    posts.length
      ? el("ul", { class: "campaign-posts" }, posts.map((p) => el("li", {},
        el("button", { type: "button", class: "post st-" + cssToken(p.status), dataset: { postId: p.id, status: p.status || "" }, onclick: () => openPost(p.id) },
          el("span", { class: "time", text: p.scheduled_at ? when(p.scheduled_at) : "" }),
          el("span", { class: "text", text: (p.content || "").slice(0, 120) }),
          el("span", { class: "targets" }, (p.targets || []).map((t) =>
            el("span", { class: "badge st-" + cssToken(t.status), dataset: { network: t.network, status: t.status }, text: (titles[t.network] || t.network) + " · " + statusBadge(t.status).textContent })))))))
      : el("p", { class: "hint", text: "No posts in this campaign yet." }),
    !challenge && c.plan && c.status !== "cancelled" ? el("section", { "aria-labelledby": "plan-title" },
      el("h3", { id: "plan-title", text: "Edit the plan" }),
      el("p", { class: "hint", text: "Saving replaces every day of the plan; posts already out stay as they are." }),
      themedWeekForm({ ...c.plan, first_day: c.first_day, zone: c.timezone }, accounts, async (plan) => {
        await request("/v1/campaigns/" + encodeURIComponent(c.id), { method: "PATCH", body: plan });
        setStatus("The plan is saved.");
        redraw();
      }, "Save the plan")) : null,
    !challenge ? cloneForm(c) : null,
    await utmSection(c),
    report);
  out.removeAttribute("aria-busy");
  renderCampaignReport(report, c.id);
}

// renderCampaignReport shows the campaign's totals against the span of
// the same length right before it (GET /v1/reports/campaigns/{id}).
async function renderCampaignReport(box, id) {
  const path = "/v1/reports/campaigns/" + encodeURIComponent(id) + query({ tz: timeZone() });
  let r;
  try {
    r = await request(path);
  } catch (err) {
    if (err.status !== 404) fill(box, errorBox(err));
    return;
  }
  const totals = (r.rows || []).filter((row) => !row.day);
  const titles = await networkTitles();
  const pct = (v) => (v === null || v === undefined ? "—" : v.toFixed(2) + " %");
  fill(box,
    el("h3", { text: "Against the " + (r.days || "") + " days before" }),
    totals.length === 0
      ? el("p", { class: "hint", text: "No published posts with engagement yet." })
      : el("table", { class: "report", id: "campaign-totals" },
        el("thead", {}, el("tr", {}, ["Network", "Posts", "Before", "Change", "Engagement", "Before", "Change", "Rate", "Before"].map((h, i) => el("th", { class: i ? "num" : "", text: h })))),
        el("tbody", {}, totals.map((row) => el("tr", { dataset: { network: row.network } },
          el("td", { text: row.network === "all" ? "All networks" : titles[row.network] || row.network }),
          el("td", { class: "num", text: fmtNumber(row.campaign?.posts) }),
          el("td", { class: "num", text: fmtNumber(row.before?.posts) }),
          el("td", { class: "num", text: fmtChange(row.posts_change_pct) }),
          el("td", { class: "num", text: fmtNumber(row.campaign?.engagement) }),
          el("td", { class: "num", text: fmtNumber(row.before?.engagement) }),
          el("td", { class: "num", text: fmtChange(row.engagement_change_pct) }),
          el("td", { class: "num", text: pct(row.campaign?.rate_pct) }),
          el("td", { class: "num", text: pct(row.before?.rate_pct) }))))),
    pollTotals(totals, titles, pct),
    el("div", { class: "actions" }, csvButton(path, "campaign-" + id + ".csv")));
}

// pollTotals is the campaign's polls against the span before (the total
// rows), when either side had a poll whose votes were read: how many, the
// voters per poll and the turnout (voters ÷ reach or impressions).
function pollTotals(totals, titles, pct) {
  if (!totals.some((row) => row.campaign?.polls || row.before?.polls)) return null;
  return [el("h4", { text: "Polls" }), el("table", { class: "report", id: "campaign-polls" },
    el("thead", {}, el("tr", {}, ["Network", "Polls", "Before", "Votes per poll", "Before", "Turnout", "Before"].map((h, i) => el("th", { class: i ? "num" : "", text: h })))),
    el("tbody", {}, totals.map((row) => el("tr", { dataset: { network: row.network } },
      el("td", { text: row.network === "all" ? "All networks" : titles[row.network] || row.network }),
      el("td", { class: "num", dataset: { field: "polls" }, text: fmtNumber(row.campaign?.polls ?? 0) }),
      el("td", { class: "num", text: fmtNumber(row.before?.polls ?? 0) }),
      el("td", { class: "num", dataset: { field: "poll_votes_per_poll" }, text: fmtNumber(row.campaign?.poll_votes_per_poll) }),
      el("td", { class: "num", text: fmtNumber(row.before?.poll_votes_per_poll) }),
      el("td", { class: "num", dataset: { field: "poll_turnout_pct" }, text: pct(row.campaign?.poll_turnout_pct) }),
      el("td", { class: "num", text: pct(row.before?.poll_turnout_pct) })))))];
}
