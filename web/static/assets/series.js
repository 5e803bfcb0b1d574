// A recurring series' own page (#/series/{id}): its rule in words, in the
// series' time zone; its occurrences, the past ones with their status and
// the next ones; and a form to edit it (PATCH /v1/series/{id}: the future
// occurrences not edited on their own follow) or end it (DELETE).

import { el, fill } from "./dom.js";
import { request, query, errorBox } from "./api.js";
import { statusBadge, openPost } from "./calendar.js";
import { setStatus } from "./ui.js";

const SERIES_STATUS = { active: "Active", finished: "Every occurrence is planned", ended: "Ended" };

// when formats an instant on the wall clock of zone.
function when(at, zone) {
  try {
    return new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short", timeZone: zone }).format(new Date(at));
  } catch {
    return new Date(at).toLocaleString();
  }
}

// pastPosts reads every occurrence scheduled before now.
async function pastPosts(id) {
  const out = [];
  let cursor = "";
  for (let i = 0; i < 20; i++) {
    const page = await request("/v1/posts" + query({ series_id: id, to: new Date().toISOString(), limit: 200, cursor }));
    out.push(...(page.data || []));
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return out.reverse(); // the latest first
}

// occurrence is one line of an occurrence list: its time, its status and
// a button to open its post, when it has one.
function occurrence(at, zone, post, extra) {
  return el("li", { dataset: { postId: post ? post.id : "", at } },
    el("span", { class: "occ-when", text: when(at, zone) }),
    post ? statusBadge(post.status || "scheduled") : el("span", { class: "hint", text: "planned closer to the day" }),
    extra,
    post ? el("button", { type: "button", class: "secondary small", text: "Open", "aria-label": "Open the post of " + when(at, zone), onclick: () => openPost(post.id) }) : null);
}

// renderSeries draws the series params.id into view.
export async function renderSeries(view, params) {
  const out = el("div", { id: "series", "aria-busy": "true" }, el("p", { class: "hint", text: "Loading…" }));
  fill(view, el("p", {}, el("a", { href: "#/calendar", text: "‹ Calendar" })), out);
  if (!params.id) {
    fill(out, el("h2", { id: "series-title", text: "Recurring post" }), el("p", { text: "Open a recurring post from the calendar to see its series." }));
    out.removeAttribute("aria-busy");
    return;
  }
  let se, past, accounts;
  try {
    [se, past, accounts] = await Promise.all([
      request("/v1/series/" + encodeURIComponent(params.id)),
      pastPosts(params.id),
      request("/v1/accounts").then((r) => r.data || []).catch(() => []),
    ]);
  } catch (err) {
    fill(out, err.status === 404 ? el("p", { class: "error", text: "This recurring post does not exist in this workspace (it may have been removed)." }) : errorBox(err));
    out.removeAttribute("aria-busy");
    return;
  }
  const zone = se.timezone || "UTC";
  const accName = new Map(accounts.map((a) => [a.id, "@" + a.username]));
  const posts = new Map((se.posts || []).map((p) => [p.id, p]));
  const t = se.template || {};
  const ended = se.status === "ended";
  fill(out,
    el("h2", { id: "series-title", text: "Recurring post" }),
    el("p", { class: "rule", id: "series-rule" }, el("strong", { text: se.rule_text || "Repeats" }),
      el("span", { class: "hint", text: " · times in " + zone })),
    el("p", {}, el("span", { class: "badge", id: "series-status", dataset: { status: se.status }, text: SERIES_STATUS[se.status] || "Active" }),
      " " + (se.occurrences_total === 1 ? "1 occurrence in all" : (se.occurrences_total || 0) + " occurrences in all")),
    el("p", { class: "content", id: "series-content", text: t.content || "" }),
    el("dl", { class: "meta" },
      el("dt", { text: "Accounts" }),
      el("dd", { text: (t.targets || []).map((x) => (accName.get(x.account_id) || "an account") + " on " + x.network).join(", ") || "—" }),
      (t.tags || []).length ? [el("dt", { text: "Tags" }), el("dd", {}, t.tags.map((x) => el("span", { class: "tag", text: x })))] : null,
      t.author ? [el("dt", { text: "Author" }), el("dd", { text: t.author })] : null),
    el("h3", { text: "Next occurrences" }),
    ended || !(se.upcoming || []).length
      ? el("p", { class: "hint", id: "series-no-next", text: ended ? "This series has ended: nothing more will be made." : "No occurrence is left." })
      : el("ol", { class: "occurrences", id: "series-next" }, se.upcoming.map((o) =>
        occurrence(o.at, zone, o.post_id ? posts.get(o.post_id) || { id: o.post_id, status: "scheduled" } : null,
          o.resolution && o.resolution !== "exact" ? el("span", { class: "hint", text: o.resolution === "gap_shifted" ? "moved an hour later by the clock change" : "the first of the two times the clock shows" }) : null))),
    el("h3", { text: "Past occurrences" }),
    past.length
      ? el("ol", { class: "occurrences", id: "series-past" }, past.map((p) => occurrence(p.scheduled_at, zone, p,
        p.detached ? el("span", { class: "hint", text: "edited on its own" }) : null)))
      : el("p", { class: "hint", id: "series-no-past", text: "None yet." }),
    ended ? null : editForm(se, () => renderSeries(view, params)));
  out.removeAttribute("aria-busy");
}

// editForm changes the text, tags and rule of the series, or ends it.
function editForm(se, redraw) {
  const t = se.template || {};
  const problem = el("div", { id: "series-problem" });
  const content = el("textarea", { id: "series-edit-content", rows: "4" });
  content.value = t.content || "";
  const tags = el("input", { id: "series-edit-tags", value: (t.tags || []).join(", "), autocomplete: "off" });
  const rule = el("input", { id: "series-edit-rule", value: se.recurrence || "", autocomplete: "off", spellcheck: "false" });
  const save = async (ev) => {
    ev.preventDefault();
    fill(problem);
    const body = {};
    if (content.value !== (t.content || "")) body.content = content.value;
    const newTags = tags.value.split(",").map((x) => x.trim()).filter(Boolean);
    if (newTags.join(",") !== (t.tags || []).join(",")) body.tags = newTags;
    if (rule.value.trim() !== (se.recurrence || "")) body.recurrence = rule.value.trim();
    if (!Object.keys(body).length) {
      fill(problem, el("p", { class: "hint", text: "Nothing has changed." }));
      return;
    }
    try {
      await request("/v1/series/" + encodeURIComponent(se.id), { method: "PATCH", body });
    } catch (err) {
      fill(problem, errorBox(err));
      return;
    }
    setStatus("The series is saved; its future occurrences follow.");
    redraw();
  };
  const confirm = el("span", { class: "bulk-confirm" });
  const endBtn = el("button", { type: "button", id: "series-end", class: "danger", text: "End this series", onclick: () => {
    fill(confirm,
      el("span", { text: "End it? Its future occurrences are cancelled, except those edited on their own. " }),
      el("button", { type: "button", id: "series-end-yes", class: "danger", text: "Yes, end it", onclick: async () => {
        try {
          await request("/v1/series/" + encodeURIComponent(se.id), { method: "DELETE" });
        } catch (err) {
          fill(problem, errorBox(err));
          return;
        }
        setStatus("The series has ended.");
        redraw();
      } }),
      el("button", { type: "button", class: "secondary", text: "Keep it", onclick: () => { fill(confirm, endBtn); endBtn.focus(); } }));
    confirm.querySelector("#series-end-yes").focus();
  } });
  return el("section", { id: "series-edit", "aria-labelledby": "series-edit-title" },
    el("h3", { id: "series-edit-title", text: "Change the series" }),
    el("p", { class: "hint", text: "Changes apply to the occurrences still to come, except those edited on their own." }),
    el("form", { onsubmit: save },
      el("label", { for: "series-edit-content", text: "Text" }), content,
      el("label", { for: "series-edit-tags", text: "Tags (separated by commas)" }), tags,
      el("label", { for: "series-edit-rule", text: "Repeat rule (iCalendar RRULE, such as FREQ=WEEKLY;BYDAY=TU,TH;COUNT=10)" }), rule,
      el("div", { class: "compose-actions" }, el("button", { type: "submit", id: "series-save", text: "Save the series" }))),
    el("div", { class: "compose-actions" }, fill(confirm, endBtn)),
    problem);
}
