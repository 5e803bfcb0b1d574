// The accounts page: the workspace's connected network accounts.

import { el, safeURL, fill } from "./dom.js";
import { request, errorBox } from "./api.js";
import { statusBadge } from "./calendar.js";
import { whoAmI, atLeast, health, heldByAccount, manageCell, renderConnect } from "./connect.js";

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const timeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const clockFmt = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

// readings says how engagement reads fare: the last good one, and the
// error of the reads that keep failing since.
function readings(a) {
  const last = a.last_metrics_at ? "last read " + timeFmt.format(new Date(a.last_metrics_at)) : "not read yet";
  if (!a.last_metrics_error) {
    return el("span", { class: "hint", text: last });
  }
  const n = a.metrics_failures > 1 ? " (" + a.metrics_failures + " reads in a row)" : "";
  return el("div", { class: "metrics-failing" },
    el("span", { class: "badge st-failed", text: "reads failing" + n }),
    el("div", { class: "hint", text: a.last_metrics_error }),
    el("div", { class: "hint", text: last }));
}

// pollButton asks for the account's readings now (POST
// /v1/accounts/{id}/poll) and says when they run, or how long to wait:
// on networks with engagement readings, or whose polls' votes are read
// back (Discord).
function pollButton(a) {
  const l = a.limits;
  if (a.status !== "connected" || !l || !(l.metrics || (l.polls && l.polls.results))) return null;
  const note = el("div", { class: "hint poll-status", role: "status" });
  const button = el("button", { type: "button", class: "secondary poll-now", text: "Poll now" });
  button.addEventListener("click", async () => {
    button.disabled = true;
    note.textContent = "Asking…";
    try {
      const res = await request("/v1/accounts/" + encodeURIComponent(a.id) + "/poll", { method: "POST" });
      note.textContent = "Reads at " + clockFmt.format(new Date(res.runs_at));
    } catch (err) {
      note.textContent = err.retryAfter ? "Asked less than 5 minutes ago: try again in " + Math.ceil(err.retryAfter / 60) + " min" : err.message;
    }
    button.disabled = false;
  });
  return el("div", { class: "poll" }, button, note);
}

// historyText says how the import of the account's earlier posts fares
// (GET /v1/accounts/{id}'s history).
function historyText(h) {
  if (!h) return "History: not imported";
  if (h.status === "running") return "History: importing… " + h.imported + " posts so far (" + h.read + " read)";
  if (h.status === "failed") return "History: stopped after " + h.imported + " posts: " + (h.error || "failed");
  return "History: " + h.imported + " posts imported" + (h.finished_at ? ", " + timeFmt.format(new Date(h.finished_at)) : "");
}

// historyBox shows the import and a button that asks for it again (POST
// /v1/accounts/{id}/history), on networks that list earlier posts.
function historyBox(a) {
  if (!a.limits || !a.limits.history) return null;
  const note = el("div", { class: "hint history-status", role: "status", text: historyText(a.history) });
  if (a.status !== "connected") return note;
  const button = el("button", { type: "button", class: "secondary import-history", text: "Import history" });
  button.disabled = !!a.history && a.history.status === "running";
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const res = await request("/v1/accounts/" + encodeURIComponent(a.id) + "/history", { method: "POST" });
      note.textContent = historyText(res.history);
    } catch (err) {
      note.textContent = err.retryAfter ? "Asked less than 10 minutes ago: try again in " + Math.ceil(err.retryAfter / 60) + " min" : err.message;
      button.disabled = false;
    }
  });
  return el("div", { class: "history" }, button, note);
}

// renderAccounts draws GET /v1/accounts as a table, each account's
// health and, for a manager, its controls and the connect form
// (connect.js). params.connected names an account just connected (the
// OAuth callback page links back here with it).
export async function renderAccounts(view, params = {}, go) {
  const out = el("div", {}, el("p", { class: "hint", text: "Loading…" }));
  const note = el("div", { id: "accounts-note", role: "status" });
  const connect = el("div", { id: "connect-wrap" });
  fill(view, el("h2", { text: "Accounts" }), note, out, connect);
  let res, nets, who, held;
  try {
    [res, nets, who, held] = await Promise.all([
      request("/v1/accounts"),
      request("/v1/networks").catch(() => ({ data: [] })),
      whoAmI(),
      heldByAccount().catch(() => ({})),
    ]);
  } catch (err) {
    fill(out, errorBox(err));
    return;
  }
  const list = res.data || [];
  const titles = {};
  for (const n of nets.data || []) titles[n.name] = n.title;
  const role = who && who.workspace ? who.workspace.role : "viewer";
  const manager = atLeast(role, "manager");
  const redraw = (msg) => (go ? go({ note: msg }) : renderAccounts(view, { note: msg }, go));
  if (params.connected) {
    const a = list.find((x) => x.id === params.connected);
    if (a) note.append(el("p", { class: "ok-note", id: "connected-note", text: "Connected @" + a.username + " on " + (titles[a.network] || a.network) + ": it posts from now on." }));
  } else if (params.note) {
    note.append(el("p", { class: "ok-note", text: params.note }));
  }
  if (manager) renderConnect(connect, nets.data || [], redraw);
  else connect.append(el("p", { class: "hint", id: "connect-role", text: "Connecting and disconnecting accounts needs the manager role; you are " + role + "." }));
  if (list.length === 0) {
    fill(out, el("p", { class: "empty-state", id: "no-accounts", text: "No connected accounts." }));
    return;
  }
  const heads = ["Network", "Account", "Status", "Engagement", "Connected"];
  if (manager) heads.push("Manage");
  fill(out, el("table", { id: "accounts", class: "report accounts" },
    el("thead", {}, el("tr", {}, heads.map((h) => el("th", { text: h })))),
    el("tbody", {}, list.map((a) => {
      const profile = safeURL(a.profile_url);
      const name = "@" + a.username + (a.display_name ? " (" + a.display_name + ")" : "");
      const manage = manager ? el("td", { class: "manage-cell" }) : null;
      if (manage) manageCell(manage, a, redraw);
      return el("tr", { dataset: { accountId: a.id, network: a.network } },
        el("td", { text: titles[a.network] || a.network }),
        el("td", {}, profile ? el("a", { href: profile, target: "_blank", rel: "noopener noreferrer", text: name }) : name,
          a.instance_url ? el("div", { class: "hint", text: a.instance_url }) : null),
        el("td", {}, statusBadge(a.status),
          el("ul", { class: "health" }, health(a, held[a.id] || 0).map((h) => el("li", { class: h.bad ? "bad" : "good", text: h.text })))),
        el("td", { class: "readings" }, readings(a), pollButton(a), historyBox(a)),
        el("td", { text: a.created_at ? dateFmt.format(new Date(a.created_at)) : "" }),
        manage);
    }))));
}
