// A post's readings in its dialog: per target, a chart of its likes,
// comments and shares over time, and every reading in a table with the
// field of the network each figure came from (GET /v1/posts/{id}/metrics).

import { el, fmtNumber } from "./dom.js";
import { request, errorBox, networkTitles } from "./api.js";
import { lineChart } from "./charts.js";

const timeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const shortFmt = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

// FIGURES are the columns of a reading, as the API names them.
const FIGURES = [
  ["likes", "Likes"], ["comments", "Comments"], ["shares", "Shares"], ["saves", "Saves"],
  ["reach", "Reach"], ["impressions", "Impressions"], ["clicks", "Clicks"], ["video_views", "Video views"],
];
// CHARTED are the figures drawn, with their series class.
const CHARTED = [["likes", "a"], ["comments", "b"], ["shares", "c"]];

// pollResults shows the last reading's poll: votes and share per option
// (a meter each: the page's policy allows no inline style), and the
// turnout.
function pollResults(readings) {
  const last = [...readings].reverse().find((r) => r.poll);
  if (!last) return null;
  const p = last.poll;
  const pct = (x) => Math.round(x * 100) + " %";
  return el("div", { class: "poll-results" },
    el("h5", { text: p.closed ? "Poll (closed)" : "Poll (open)" }),
    el("table", { class: "report poll-table" },
      el("thead", {}, el("tr", {}, el("th", { text: "Option" }), el("th", { class: "num", text: "Votes" }),
        el("th", { class: "num", text: "Share" }))),
      el("tbody", {}, p.options.map((o) => el("tr", { dataset: { option: o.title } },
        el("td", {}, el("span", { text: o.title }),
          el("meter", { class: "poll-bar", min: 0, max: 1, value: o.share, "aria-hidden": "true" })),
        el("td", { class: "num", dataset: { votes: o.votes }, text: fmtNumber(o.votes) }),
        el("td", { class: "num", text: pct(o.share) }))))),
    el("p", { class: "hint poll-turnout", dataset: { turnout: p.turnout },
      text: "Turnout: " + fmtNumber(p.turnout) + (p.voters === null ? " (votes; the network does not say how many voted)" : " voters") +
        " · read " + timeFmt.format(new Date(last.at)) }));
}

function targetReadings(t, name, titles) {
  const readings = t.readings || [];
  const title = (titles[t.network] || t.network) + " · " + name;
  if (readings.length === 0) {
    return el("div", { class: "target-readings", dataset: { targetId: t.target_id } },
      el("h4", { text: title }), el("p", { class: "hint empty", text: "No readings yet." }));
  }
  const given = FIGURES.filter(([k]) => readings.some((r) => r[k] !== null && r[k] !== undefined));
  const series = CHARTED.filter(([k]) => given.some(([g]) => g === k)).map(([k, cls]) => ({
    label: FIGURES.find(([f]) => f === k)[1], cls,
    points: readings.map((r) => ({ x: r.at, y: r[k] })),
  }));
  const sources = t.sources || {};
  return el("div", { class: "target-readings", dataset: { targetId: t.target_id } },
    el("h4", { text: title }),
    pollResults(readings),
    series.length ? lineChart(series, { title: "Engagement over time", format: fmtNumber, xFormat: (x) => shortFmt.format(new Date(x)) }) : null,
    el("table", { class: "report readings-table" },
      el("thead", {}, el("tr", {}, el("th", { text: "Read at" }),
        given.map(([k, label]) => el("th", { class: "num", title: sources[k] ? "from " + sources[k] : "", text: label })))),
      el("tbody", {}, readings.map((r) => el("tr", { dataset: { at: r.at } },
        el("td", { text: timeFmt.format(new Date(r.at)) + (r.deleted ? " (deleted)" : "") }),
        given.map(([k]) => el("td", { class: "num", dataset: { figure: k, value: r[k] ?? "" }, text: fmtNumber(r[k]) })))))),
    Object.keys(sources).length ? el("p", { class: "hint sources", text: "Read from " +
      given.filter(([k]) => sources[k]).map(([k, label]) => label + ": " + sources[k]).join(" · ") }) : null);
}

// postReadings returns the post's readings section; name gives an account's
// display name from its id.
export async function postReadings(postID, name) {
  const box = el("section", { id: "post-readings" }, el("h3", { text: "Readings" }));
  let res;
  try {
    res = await request("/v1/posts/" + encodeURIComponent(postID) + "/metrics");
  } catch (err) {
    box.append(errorBox(err));
    return box;
  }
  const published = (res.data || []).filter((t) => t.published_at);
  if (published.length === 0) {
    box.append(el("p", { class: "hint", text: "Readings start 15 minutes after publication." }));
    return box;
  }
  const titles = await networkTitles();
  for (const t of published) box.append(targetReadings(t, await name(t.account_id), titles));
  if (res.truncated) box.append(el("p", { class: "hint", text: "Only the first 1000 readings are shown." }));
  return box;
}
