// Building campaigns from the browser: a themed week (a theme, and for
// each of its seven days the posts of a plan: time, format, text) made
// with POST /v1/campaigns, its plan edited (PATCH /v1/campaigns/{id}) or
// cloned to another week (POST …/clone); a weekly challenge made, its
// weeks set (PUT …/weeks), its submissions listed and picked (POST
// …/submissions/{post}/pick). Kinds, formats and states are shown in
// words, never as the API's enums.

import { el, fill, ymd, parseYMD, addDays } from "./dom.js";
import { request, timeZone, errorBox, networkTitles } from "./api.js";
import { statusBadge, openPost } from "./calendar.js";
import { setStatus } from "./ui.js";

export const KINDS = { themed_week: "Themed week", weekly_challenge: "Weekly challenge" };
export const CAMPAIGN_STATES = { active: "Active", cancelled: "Cancelled" };
const WEEK_STATES = { upcoming: "Upcoming", open: "Open now", closed: "Closed" };
const FORMATS = [["post", "Post"], ["article", "Article"], ["image", "Image"], ["carousel", "Carousel"],
  ["video", "Video"], ["infographic", "Infographic"], ["live_qa", "Live Q&A"]];
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long" });

// kindLabel is a campaign kind in words.
export const kindLabel = (k) => KINDS[k] || "Campaign";

// fieldWords turns an API field path into words: "days[2].items[0].content"
// is "Day 3, post 1, text".
export function fieldWords(path) {
  const words = { content: "text", time: "time", format: "format", targets: "accounts", first_day: "first day",
    zone: "time zone", name: "name", theme: "theme", week: "week", weeks: "weeks" };
  return String(path || "").split(".").map((part) => {
    const m = /^([a-z_]+)(?:\[(\d+)\])?/.exec(part);
    if (!m) return part;
    const n = m[2] !== undefined ? " " + (Number(m[2]) + 1) : "";
    if (m[1] === "days") return "Day" + n;
    if (m[1] === "items") return "post" + n;
    if (m[1] === "weeks") return "week" + n;
    if (m[1] === "targets") return "account" + n;
    return (words[m[1]] || m[1].replace(/_/g, " ")) + n;
  }).join(", ");
}

// problemBox is errorBox with the fields said in words.
function problemBox(err) {
  const e = Object.assign(Object.create(Object.getPrototypeOf(err)), err);
  e.message = err.message;
  e.fields = (err.fields || []).map((f) => ({ field: fieldWords(f.field), message: f.message }));
  if (e.fields.length === 1 && /: /.test(e.message)) e.message = "This plan cannot be saved as it is:";
  return errorBox(e);
}

async function accountsList() {
  const [r, titles] = await Promise.all([request("/v1/accounts").catch(() => ({ data: [] })), networkTitles()]);
  return (r.data || []).filter((a) => a.status !== "disconnected").map((a) => ({ ...a, networkTitle: titles[a.network] || a.network }));
}

// accountChecks is a fieldset of the accounts, those in chosen ticked.
function accountChecks(id, legend, accounts, chosen) {
  return el("fieldset", { id },
    el("legend", { text: legend }),
    accounts.length ? accounts.map((a) => el("label", { class: "check" },
      el("input", { type: "checkbox", name: "account", value: a.id, checked: chosen.has(a.id) }),
      "@" + a.username + " on " + (a.networkTitle || a.network))) : el("p", { class: "hint", text: "No account is connected yet." }));
}

const checked = (box) => [...box.querySelectorAll("input[name=account]:checked")].map((i) => i.value);

// renderCampaignNew draws the form for a new campaign of kind.
export async function renderCampaignNew(view, kind) {
  const accounts = await accountsList();
  const back = el("p", {}, el("a", { href: "#/campaigns", text: "‹ All campaigns" }));
  if (kind === "weekly_challenge") {
    fill(view, back, el("h2", { text: "New weekly challenge" }), challengeForm(accounts));
    return;
  }
  const monday = addDays(new Date(), 7 - ((new Date().getDay() + 6) % 7));
  fill(view, back, el("h2", { text: "New themed week" }),
    themedWeekForm({ name: "", theme: "", first_day: ymd(monday), zone: timeZone(), days: [] }, accounts, async (plan) => {
      const c = await request("/v1/campaigns", { method: "POST", body: plan });
      setStatus("Themed week created: " + plan.name + ".", true);
      location.hash = "#/campaigns/" + encodeURIComponent(c.id);
    }, "Create the themed week"));
}

// themedWeekForm edits a themed week's plan; save(plan) sends it.
export function themedWeekForm(plan, accounts, save, label) {
  const used = new Set();
  for (const d of plan.days || []) for (const it of d.items || []) for (const t of it.targets || []) used.add(t);
  const chosen = used.size ? used : new Set(accounts.map((a) => a.id));
  const name = el("input", { id: "tw-name", value: plan.name || "", required: true, autocomplete: "off" });
  const theme = el("input", { id: "tw-theme", value: plan.theme || "", autocomplete: "off" });
  const first = el("input", { id: "tw-first-day", type: "date", value: plan.first_day || "", required: true });
  const zone = el("input", { id: "tw-zone", value: plan.zone || timeZone(), autocomplete: "off" });
  const accs = accountChecks("tw-accounts", "Accounts every post goes to", accounts, chosen);
  const days = el("div", { id: "tw-days" });
  const problem = el("div", { id: "tw-problem" });
  const byOffset = new Map((plan.days || []).map((d) => [d.offset, d.items || []]));

  function item(dayBox, it) {
    const n = dayBox.querySelectorAll(".plan-item").length;
    const uid = dayBox.dataset.offset + "-" + n + "-" + Math.random().toString(36).slice(2, 7);
    const fmt = el("select", { id: "tw-format-" + uid, name: "format" },
      FORMATS.map(([v, t]) => el("option", { value: v, text: t, selected: (it.format || "post") === v })));
    const time = el("input", { id: "tw-time-" + uid, name: "time", type: "time", value: it.time || "09:00", required: true });
    const text = el("textarea", { id: "tw-content-" + uid, name: "content", rows: "3" });
    text.value = it.content || "";
    const row = el("div", { class: "plan-item" },
      el("div", { class: "inline-form" },
        el("div", {}, el("label", { for: time.id, text: "Time" }), time),
        el("div", {}, el("label", { for: fmt.id, text: "Format" }), fmt),
        el("button", { type: "button", class: "secondary", text: "Remove this post", onclick: () => row.remove() })),
      el("label", { for: text.id, text: "Text" }), text);
    return row;
  }

  function drawDays() {
    const start = parseYMD(first.value);
    const kept = new Map();
    for (const box of days.querySelectorAll(".plan-day")) kept.set(Number(box.dataset.offset), [...box.querySelectorAll(".plan-item")]);
    fill(days);
    for (let off = 0; off < 7; off++) {
      const title = start ? dayFmt.format(addDays(start, off)) : "Day " + (off + 1);
      const box = el("section", { class: "plan-day", dataset: { offset: String(off) }, "aria-label": title });
      const list = el("div", { class: "plan-items" });
      box.append(el("h3", { text: title }), list,
        el("button", { type: "button", class: "secondary", id: "tw-add-" + off, text: "Add a post on " + title,
          onclick: () => { const r = item(box, {}); list.append(r); r.querySelector("textarea").focus(); } }));
      if (kept.has(off)) list.append(...kept.get(off));
      else for (const it of byOffset.get(off) || []) list.append(item(box, it));
      days.append(box);
    }
  }
  first.addEventListener("change", drawDays);
  drawDays();

  async function submit(ev) {
    ev.preventDefault();
    fill(problem);
    const targets = checked(accs);
    const out = { name: name.value.trim(), theme: theme.value.trim(), first_day: first.value, zone: zone.value.trim(), days: [] };
    for (const box of days.querySelectorAll(".plan-day")) {
      const items = [...box.querySelectorAll(".plan-item")].map((r) => ({
        time: r.querySelector("[name=time]").value, format: r.querySelector("[name=format]").value,
        content: r.querySelector("[name=content]").value, targets,
      }));
      if (items.length) out.days.push({ offset: Number(box.dataset.offset), items });
    }
    if (!out.days.length) {
      fill(problem, errorBox(new Error("Add at least one post to one of the days.")));
      return;
    }
    try {
      await save(out);
    } catch (err) {
      fill(problem, problemBox(err));
    }
  }

  return el("form", { id: "themed-week-form", class: "builder", onsubmit: submit },
    el("div", { class: "utm-row" },
      el("div", {}, el("label", { for: "tw-name", text: "Name" }), name),
      el("div", {}, el("label", { for: "tw-theme", text: "Theme" }), theme),
      el("div", {}, el("label", { for: "tw-first-day", text: "First day" }), first),
      el("div", {}, el("label", { for: "tw-zone", text: "Time zone" }), zone)),
    accs, days, problem,
    el("div", { class: "compose-actions" }, el("button", { type: "submit", id: "tw-save", text: label })));
}

// cloneForm copies a themed week to another first day.
export function cloneForm(c) {
  const start = parseYMD(c.first_day) || new Date();
  const day = el("input", { id: "clone-day", type: "date", value: ymd(addDays(start, 7)), required: true });
  const name = el("input", { id: "clone-name", value: c.name + " (copy)", autocomplete: "off" });
  const problem = el("div", { id: "clone-problem" });
  return el("section", { "aria-labelledby": "clone-title" },
    el("h3", { id: "clone-title", text: "Run it again another week" }),
    el("form", { class: "inline-form", onsubmit: async (ev) => {
      ev.preventDefault();
      fill(problem);
      try {
        const copy = await request("/v1/campaigns/" + encodeURIComponent(c.id) + "/clone", { method: "POST", body: { first_day: day.value, name: name.value.trim() } });
        setStatus("Cloned: " + (copy.name || name.value) + ".", true);
        location.hash = "#/campaigns/" + encodeURIComponent(copy.id);
      } catch (err) {
        fill(problem, problemBox(err));
      }
    } },
    el("div", {}, el("label", { for: "clone-day", text: "First day" }), day),
    el("div", {}, el("label", { for: "clone-name", text: "Name" }), name),
    el("button", { type: "submit", id: "clone-go", text: "Clone" })),
    problem);
}

// isoWeek is the ISO week of d, "2026-W49".
function isoWeek(d) {
  const t = new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()));
  const dow = (t.getUTCDay() + 6) % 7;
  t.setUTCDate(t.getUTCDate() - dow + 3);
  const year = t.getUTCFullYear();
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const week = 1 + Math.round(((t - jan4) / 86400000 - 3 + ((jan4.getUTCDay() + 6) % 7)) / 7);
  return year + "-W" + String(week).padStart(2, "0");
}

// weekRows edits a list of {week, theme}.
function weekRows(weeks) {
  const box = el("div", { id: "weeks-rows" });
  const add = (w) => {
    const uid = Math.random().toString(36).slice(2, 8);
    const week = el("input", { id: "wk-week-" + uid, name: "week", value: w.week || "", placeholder: "2026-W49", autocomplete: "off", pattern: "\\d{4}-W\\d{2}" });
    const theme = el("input", { id: "wk-theme-" + uid, name: "theme", value: w.theme || "", autocomplete: "off" });
    const row = el("div", { class: "inline-form week-row" },
      el("div", {}, el("label", { for: week.id, text: "Week (year-Wnumber)" }), week),
      el("div", {}, el("label", { for: theme.id, text: "Theme of the week" }), theme),
      el("button", { type: "button", class: "secondary", text: "Remove", onclick: () => row.remove() }));
    box.append(row);
  };
  for (const w of weeks) add(w);
  const next = () => {
    const rows = box.querySelectorAll("[name=week]");
    const last = rows.length ? rows[rows.length - 1].value : "";
    const m = /^(\d{4})-W(\d{2})$/.exec(last);
    let d = addDays(new Date(), 7);
    if (m) {
      const jan4 = new Date(Number(m[1]), 0, 4);
      d = addDays(jan4, (Number(m[2]) - 1) * 7 + 7 - ((jan4.getDay() + 6) % 7));
    }
    add({ week: isoWeek(d), theme: "" });
  };
  const values = () => [...box.querySelectorAll(".week-row")].map((r) => ({
    week: r.querySelector("[name=week]").value.trim(), theme: r.querySelector("[name=theme]").value.trim() }));
  return { box, next, values };
}

function challengeForm(accounts) {
  const name = el("input", { id: "ch-name", required: true, autocomplete: "off" });
  const zone = el("input", { id: "ch-zone", value: timeZone(), autocomplete: "off" });
  const accs = accountChecks("ch-accounts", "Accounts the picked posts go to", accounts, new Set(accounts.map((a) => a.id)));
  const rows = weekRows([{ week: isoWeek(new Date()), theme: "" }]);
  const problem = el("div", { id: "ch-problem" });
  return el("form", { id: "challenge-form", class: "builder", onsubmit: async (ev) => {
    ev.preventDefault();
    fill(problem);
    try {
      const c = await request("/v1/campaigns", { method: "POST", body: {
        kind: "weekly_challenge", name: name.value.trim(), zone: zone.value.trim(), weeks: rows.values(), targets: checked(accs) } });
      setStatus("Weekly challenge created: " + name.value.trim() + ".", true);
      location.hash = "#/campaigns/" + encodeURIComponent(c.id);
    } catch (err) {
      fill(problem, problemBox(err));
    }
  } },
  el("div", { class: "utm-row" },
    el("div", {}, el("label", { for: "ch-name", text: "Name" }), name),
    el("div", {}, el("label", { for: "ch-zone", text: "Time zone" }), zone)),
  accs,
  el("fieldset", {}, el("legend", { text: "Weeks" }), rows.box,
    el("button", { type: "button", class: "secondary", id: "ch-add-week", text: "Add a week", onclick: rows.next })),
  problem,
  el("div", { class: "compose-actions" }, el("button", { type: "submit", id: "ch-save", text: "Create the challenge" })));
}

// challengeSections are a challenge's weeks (with a form to change them)
// and its submissions, each with a button to pick it.
export async function challengeSections(c, redraw) {
  const weeks = c.weeks || [];
  const table = el("table", { class: "report", id: "challenge-weeks" },
    el("thead", {}, el("tr", {}, ["Week", "Theme", "State", "Submissions", "Picked"].map((h, i) => el("th", { class: i > 2 ? "num" : "", text: h })))),
    el("tbody", {}, weeks.map((w) => el("tr", { dataset: { week: w.week } },
      el("td", { text: weekWords(w) }), el("td", { text: w.theme }),
      el("td", { text: WEEK_STATES[w.state] || "—" }),
      el("td", { class: "num", text: String(w.submissions) }), el("td", { class: "num", text: String(w.picked) })))));
  const rows = weekRows(weeks.map((w) => ({ week: w.week, theme: w.theme })));
  const problem = el("div", { id: "weeks-problem" });
  const weeksForm = el("form", { id: "weeks-form", onsubmit: async (ev) => {
    ev.preventDefault();
    fill(problem);
    try {
      await request("/v1/campaigns/" + encodeURIComponent(c.id) + "/weeks", { method: "PUT", body: { weeks: rows.values() } });
    } catch (err) {
      fill(problem, problemBox(err));
      return;
    }
    setStatus("The weeks are saved.");
    redraw();
  } },
  rows.box,
  el("div", { class: "compose-actions" },
    el("button", { type: "button", class: "secondary", id: "weeks-add", text: "Add a week", onclick: rows.next }),
    el("button", { type: "submit", id: "weeks-save", text: "Save the weeks" })),
  problem);

  let subs = [];
  try {
    subs = (await request("/v1/campaigns/" + encodeURIComponent(c.id) + "/submissions")).data || [];
  } catch (err) {
    return [el("h3", { text: "Weeks" }), table, weeksForm, el("h3", { text: "Submissions" }), errorBox(err)];
  }
  const themeOf = new Map(weeks.map((w) => [w.week, w.theme]));
  const pickProblem = el("div", { id: "pick-problem" });
  const list = subs.length ? el("ul", { class: "review-list", id: "submissions" }, subs.map((p) => {
    const picked = p.status !== "draft" && p.status !== "pending_review";
    const whenSel = el("select", { id: "pick-when-" + p.id, "aria-label": "When to publish it" },
      el("option", { value: "", text: "when the author asked" }),
      el("option", { value: "next_slot", text: "in the next free slot" }),
      el("option", { value: "now", text: "now" }));
    return el("li", { class: "review-item", dataset: { postId: p.id, status: p.status } },
      el("div", { class: "review-head" },
        el("strong", { text: p.author || "A member" }),
        el("span", { class: "hint", text: p.challenge_week ? weekWords({ week: p.challenge_week }) + (themeOf.get(p.challenge_week) ? " · " + themeOf.get(p.challenge_week) : "") : "" }),
        statusBadge(p.status)),
      el("p", { class: "content", text: p.content }),
      el("div", { class: "inline-form" },
        el("button", { type: "button", class: "secondary", text: "Open", "aria-label": "Open the post by " + (p.author || "a member"), onclick: () => openPost(p.id) }),
        picked ? el("span", { class: "ok-note", text: "Picked" }) : [whenSel,
          el("button", { type: "button", class: "pick-go", text: "Pick this one", onclick: async () => {
            fill(pickProblem);
            try {
              const body = whenSel.value ? { scheduled_at: whenSel.value } : {};
              await request("/v1/campaigns/" + encodeURIComponent(c.id) + "/submissions/" + encodeURIComponent(p.id) + "/pick", { method: "POST", body });
            } catch (err) {
              fill(pickProblem, errorBox(err));
              return;
            }
            setStatus("Picked: " + (p.author || "the post") + "'s post will be published.");
            redraw();
          } })]));
  })) : el("p", { class: "hint", id: "no-submissions", text: "No submission yet: members submit to the week open now (POST /v1/campaigns/{id}/submissions, or from their tools)." });
  return [el("h3", { text: "Weeks" }), table, el("h3", { text: "Change the weeks" }), weeksForm,
    el("h3", { text: "Submissions" }), pickProblem, list];
}

// weekWords is "Week 49 of 2026".
function weekWords(w) {
  const m = /^(\d{4})-W(\d{2})$/.exec(w.week || "");
  return m ? "Week " + Number(m[2]) + " of " + m[1] : w.week;
}
