// The report pages: comparison of two cohorts (table and charts), the
// contributors' leaderboard beside the community's, and the best times to
// post.

import { el, ymd, addDays, fmtNumber, fmtRate, fmtChange, fill, safeURL } from "./dom.js";
import { request, query, timeZone, errorBox, csvButton, networkTitles } from "./api.js";
import { lineChart, barChart, heatGrid } from "./charts.js";

// INDICATORS gives each known indicator its label and format; the API's
// label wins when it sends one.
const INDICATORS = {
  posts: ["Posts", fmtNumber],
  publications: ["Publications", fmtNumber],
  engagement_rate_pct: ["Average engagement rate", fmtRate],
  pooled_engagement_rate_pct: ["Pooled engagement rate", fmtRate],
  comments_per_post: ["Comments per post", fmtNumber],
  organic_reach_per_post: ["Organic reach per post", fmtNumber],
  organic_reach: ["Organic reach", fmtNumber],
  likes: ["Likes", fmtNumber],
  shares: ["Shares", fmtNumber],
  audience_growth: ["Audience growth", (v) => (v === null || v === undefined ? "—" : (v > 0 ? "+" : "") + fmtNumber(v))],
  polls: ["Polls", fmtNumber],
  poll_votes_per_poll: ["Poll votes per poll", fmtNumber],
  poll_turnout_pct: ["Poll turnout", fmtRate],
};

// plural writes "1 post", "3 posts".
const plural = (n, word) => fmtNumber(n) + " " + word + (n === 1 ? "" : "s");

// counted writes "1 post, 2 publications": a post is one row of the
// calendar, a publication that post on one account (docs/metrics.md).
const counted = (posts, publications) => plural(posts ?? 0, "post") + ", " + plural(publications ?? 0, "publication");

const indicator = (row) => {
  const [label, format] = INDICATORS[row.indicator] || [row.indicator, fmtNumber];
  return { label: row.label || label, format };
};

const DENOMINATORS = {
  reach: "Engagement rate = engagement ÷ reach.",
  impressions: "Engagement rate = engagement ÷ impressions (the networks gave no reach).",
  mixed: "Engagement rate = engagement ÷ reach where the network gives it, ÷ impressions elsewhere.",
  none: "No network gave reach or impressions: there is no engagement rate.",
};

// unavailable tells the user a report endpoint is missing on this server.
function unavailable(what) {
  return el("div", { class: "empty-state unavailable" },
    el("p", { text: what + " is not available on this server yet." }),
    el("p", { class: "hint", text: "This rythme version does not answer the report; upgrade the server to use this page." }));
}

// fetchReport fetches a report and renders errors into box; it returns
// null when the report could not be had.
async function fetchReport(path, box, what) {
  try {
    return await request(path);
  } catch (err) {
    fill(box, err.status === 404 ? unavailable(what) : errorBox(err));
    return null;
  }
}

function defaultCohorts() {
  const now = new Date();
  const first = new Date(now.getFullYear(), now.getMonth(), 1);
  const prevFirst = new Date(now.getFullYear(), now.getMonth() - 1, 1);
  const last = (d) => ymd(addDays(new Date(d.getFullYear(), d.getMonth() + 1, 1), -1));
  return { a: `period:${ymd(prevFirst)}..${last(prevFirst)}`, b: `period:${ymd(first)}..${last(first)}` };
}

// renderCompare draws the comparison page for params {a, b}.
export async function renderCompare(view, params, go) {
  const def = defaultCohorts();
  const a = el("input", { id: "cohort-a", name: "a", value: params.a || def.a, required: true, spellcheck: "false" });
  const b = el("input", { id: "cohort-b", name: "b", value: params.b || def.b, required: true, spellcheck: "false" });
  const form = el("form", { id: "compare-form", class: "cohorts" },
    el("div", {}, el("label", { for: "cohort-a", text: "Cohort A" }), a),
    el("div", {}, el("label", { for: "cohort-b", text: "Cohort B" }), b),
    el("div", {}, el("button", { type: "submit", text: "Compare" })));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    go({ a: a.value.trim(), b: b.value.trim() });
  });
  const out = el("div", { id: "compare-result" });
  fill(view,
    el("h2", { text: "Compare" }),
    form,
    el("p", { class: "hint", text: "A cohort is criteria joined with +: period:2026-10-01..2026-10-31, campaign:<id>, tag:launch, network:x, author:Ada — or all." }),
    out);
  if (!params.a || !params.b) {
    out.append(el("p", { class: "hint", text: "Choose two cohorts and press Compare." }));
    return;
  }
  out.append(el("p", { class: "hint", text: "Loading…" }));
  const path = "/v1/reports/compare" + query({ a: params.a, b: params.b, tz: timeZone() });
  const r = await fetchReport(path, out, "The comparison");
  if (!r) return;
  const labels = { a: "A · " + (r.a?.spec || params.a), b: "B · " + (r.b?.spec || params.b) };
  const defs = new Map((r.definitions || []).map((d) => [d.indicator, d.definition]));
  const rows = (r.rows || []).map((row) => ({ ...row, ...indicator(row), definition: defs.get(row.indicator) || "" }));
  const table = el("table", { id: "compare-table", class: "report" },
    el("thead", {}, el("tr", {}, el("th", { text: "Indicator" }), el("th", { class: "num", text: "A" }), el("th", { class: "num", text: "B" }), el("th", { class: "num", text: "Change" }))),
    el("tbody", {}, rows.map((row) => el("tr", { dataset: { indicator: row.indicator } },
      el("th", { scope: "row", title: row.definition, text: row.label }),
      el("td", { class: "num a", dataset: { value: row.a ?? "" }, text: row.format(row.a) }),
      el("td", { class: "num b", dataset: { value: row.b ?? "" }, text: row.format(row.b) }),
      el("td", { class: "num change " + (row.change_pct > 0 ? "up" : row.change_pct < 0 ? "down" : ""), dataset: { value: row.change_pct ?? "" }, text: fmtChange(row.change_pct) })))));
  const series = r.series || {};
  const pts = (list) => (list || []).map((p) => ({ x: p.date, y: p.engagement_rate_pct ?? null }));
  fill(out,
    el("div", { class: "cohort-summary" },
      el("p", { id: "cohort-a-summary" }, el("span", { class: "swatch a" }), `A: ${r.a?.spec ?? params.a} — ${counted(r.a?.posts, r.a?.publications)}`),
      el("p", { id: "cohort-b-summary" }, el("span", { class: "swatch b" }), `B: ${r.b?.spec ?? params.b} — ${counted(r.b?.posts, r.b?.publications)}`)),
    r.denominator ? el("p", { class: "hint", id: "denominator", text: DENOMINATORS[r.denominator] || "Denominator: " + r.denominator }) : null,
    el("div", { class: "actions" }, csvButton(path, "compare.csv"),
      ["a", "b"].map((side) => el("span", { class: "readings-csv", dataset: { side } }, csvButton(
        "/v1/reports/readings" + query({ cohort: params[side], tz: timeZone() }), "readings-" + side + ".csv",
        "Readings of " + side.toUpperCase() + " (CSV)")))),
    table,
    el("div", { class: "charts" },
      lineChart([
        { label: labels.a, cls: "a", points: pts(series.a) },
        { label: labels.b, cls: "b", points: pts(series.b) },
      ], { title: "Engagement rate over time", format: fmtRate }),
      barChart(rows.filter((row) => row.a !== null || row.b !== null), { title: "A vs B per indicator", labels })));
}

// renderLeaderboard draws, for params {from, to}, the authors'
// leaderboard and beside it the community's: the outside people who wrote
// most to the team's accounts.
export async function renderLeaderboard(view, params, go) {
  const today = new Date();
  const from = el("input", { id: "lb-from", type: "date", value: params.from || ymd(addDays(today, -30)), required: true });
  const to = el("input", { id: "lb-to", type: "date", value: params.to || ymd(today), required: true });
  const form = el("form", { id: "leaderboard-form", class: "range" },
    el("div", {}, el("label", { for: "lb-from", text: "From" }), from),
    el("div", {}, el("label", { for: "lb-to", text: "To" }), to),
    el("div", {}, el("button", { type: "submit", text: "Show" })));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    go({ from: from.value, to: to.value });
  });
  const out = el("div", { id: "leaderboard-result" }, el("p", { class: "hint", text: "Loading…" }));
  const community = el("div", { id: "community-result" }, el("p", { class: "hint", text: "Loading…" }));
  fill(view, el("h2", { text: "Leaderboard" }), form,
    el("div", { class: "boards" },
      el("section", { "aria-labelledby": "authors-title" }, el("h3", { id: "authors-title", text: "The team's authors" }), out),
      el("section", { "aria-labelledby": "community-title" }, el("h3", { id: "community-title", text: "The community" }), community)));
  const span = { from: from.value, to: to.value, tz: timeZone() };
  await Promise.all([renderAuthors(out, span), renderCommunity(community, span)]);
}

// renderAuthors fills box with the authors ranked by the engagement their
// posts earned.
async function renderAuthors(out, span) {
  const path = "/v1/reports/leaderboard" + query(span);
  const r = await fetchReport(path, out, "The leaderboard");
  if (!r) return;
  const rows = r.rows || [];
  if (rows.length === 0) {
    fill(out, el("p", { class: "empty-state", text: "No published posts with engagement in this span." }));
    return;
  }
  fill(out,
    el("div", { class: "actions" }, csvButton(path, "leaderboard.csv")),
    el("table", { id: "leaderboard", class: "report" },
      el("thead", {}, el("tr", {}, ["Rank", "Author", "Posts", "Publications", "Engagement", "Engagement rate"].map((h, i) => el("th", { class: i === 1 ? "" : "num", text: h })))),
      el("tbody", {}, rows.map((row) => el("tr", { dataset: { rank: row.rank } },
        el("td", { class: "num rank", text: String(row.rank) }),
        el("td", { class: "author", text: row.author || "(no author)" }),
        el("td", { class: "num", text: fmtNumber(row.posts) }),
        el("td", { class: "num", text: fmtNumber(row.publications) }),
        el("td", { class: "num", text: fmtNumber(row.engagement) }),
        el("td", { class: "num", text: fmtRate(row.engagement_rate_pct) }))))));
}

// renderCommunity fills box with the outside people who wrote most to the
// team's accounts (GET /v1/reports/community), and what is counted.
async function renderCommunity(out, span) {
  const path = "/v1/reports/community" + query(span);
  const [r, titles] = await Promise.all([fetchReport(path, out, "The community leaderboard"), networkTitles()]);
  if (!r) return;
  const rows = r.rows || [];
  const definition = el("p", { class: "hint", id: "community-definition", text: r.definition || "" });
  if (rows.length === 0) {
    fill(out, el("p", { class: "empty-state", text: "Nobody outside the team commented or mentioned its accounts in this span." }), definition);
    return;
  }
  const person = (row) => {
    const href = safeURL(row.profile_url);
    const name = row.display_name || row.handle;
    return [href ? el("a", { href, rel: "noopener noreferrer", target: "_blank", text: name }) : el("span", { text: name }),
      el("div", { class: "who hint" }, el("span", { class: "handle", text: row.handle }), " · ",
        el("span", { class: "network", text: titles[row.network] || row.network }))];
  };
  fill(out,
    el("div", { class: "actions" }, csvButton(path, "community.csv")),
    el("table", { id: "community", class: "report" },
      el("thead", {}, el("tr", {}, ["Rank", "Person", "Comments", "Mentions", "Total"].map((h, i) =>
        el("th", { class: i === 1 ? "" : "num", text: h })))),
      el("tbody", {}, rows.map((row) => el("tr", { dataset: { rank: row.rank } },
        el("td", { class: "num rank", text: String(row.rank) }),
        el("td", { class: "person" }, person(row)),
        el("td", { class: "num", title: "Comments and replies", text: fmtNumber(row.comments + row.replies) }),
        el("td", { class: "num", text: fmtNumber(row.mentions) }),
        el("td", { class: "num total", text: fmtNumber(row.contributions) }))))),
    definition);
}

// renderBestTimes draws the weekday × hour heat grid.
export async function renderBestTimes(view) {
  const out = el("div", { id: "best-times-result" }, el("p", { class: "hint", text: "Loading…" }));
  fill(view, el("h2", { text: "Best times to post" }), out);
  const path = "/v1/reports/best-times" + query({ tz: timeZone() });
  const r = await fetchReport(path, out, "Best times");
  if (!r) return;
  const cells = r.cells || [];
  const top = cells.filter((c) => c.posts > 0 && c.engagement_rate_pct !== null && c.engagement_rate_pct !== undefined)
    .sort((x, y) => y.engagement_rate_pct - x.engagement_rate_pct).slice(0, 3);
  const days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  fill(out,
    el("p", { class: "hint", text: "Average engagement rate of the publications (a post on one account) made in each hour, in " + (r.zone || timeZone()) + ". Darker is better." }),
    r.basis ? el("p", { class: "hint", id: "best-times-basis", text: DENOMINATORS[r.basis] || "Denominator: " + r.basis }) : null,
    el("div", { class: "actions" }, csvButton(path, "best-times.csv")),
    heatGrid(cells, { title: "Engagement rate by weekday and hour", format: fmtRate }),
    top.length
      ? el("ol", { id: "best-slots" }, top.map((c) => el("li", { text: `${days[c.weekday]} ${String(c.hour).padStart(2, "0")}:00 — ${fmtRate(c.engagement_rate_pct)} over ${counted(c.posts, c.publications)}` })))
      : el("p", { class: "empty-state", text: "Not enough published posts with engagement yet." }));
}
