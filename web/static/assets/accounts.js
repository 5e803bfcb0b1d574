// The accounts page: the workspace's connected network accounts.

import { el, safeURL, fill } from "./dom.js";
import { request, errorBox } from "./api.js";
import { statusBadge } from "./calendar.js";

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const timeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

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

// renderAccounts draws GET /v1/accounts as a table.
export async function renderAccounts(view) {
  const out = el("div", {}, el("p", { class: "hint", text: "Loading…" }));
  fill(view, el("h2", { text: "Accounts" }), out);
  let res;
  try {
    res = await request("/v1/accounts");
  } catch (err) {
    fill(out, errorBox(err));
    return;
  }
  const list = res.data || [];
  if (list.length === 0) {
    fill(out, el("p", { class: "empty-state", id: "no-accounts", text: "No connected accounts." }));
    return;
  }
  fill(out, el("table", { id: "accounts", class: "report" },
    el("thead", {}, el("tr", {}, ["Network", "Account", "Status", "Engagement", "Connected"].map((h) => el("th", { text: h })))),
    el("tbody", {}, list.map((a) => {
      const profile = safeURL(a.profile_url);
      const name = "@" + a.username + (a.display_name ? " (" + a.display_name + ")" : "");
      return el("tr", { dataset: { accountId: a.id, network: a.network } },
        el("td", { text: a.network }),
        el("td", {}, profile ? el("a", { href: profile, target: "_blank", rel: "noopener noreferrer", text: name }) : name,
          a.instance_url ? el("div", { class: "hint", text: a.instance_url }) : null),
        el("td", {}, statusBadge(a.status), a.status_reason ? el("div", { class: "hint", text: a.status_reason }) : null),
        el("td", { class: "readings" }, readings(a)),
        el("td", { text: a.created_at ? dateFmt.format(new Date(a.created_at)) : "" }));
    }))));
}
