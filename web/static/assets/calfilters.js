// The calendar's filters: account, network, tag, campaign and status,
// kept in the URL's hash (so a filtered calendar can be bookmarked or
// shared) and applied by the list API's own query parameters.

import { el, fill } from "./dom.js";
import { request } from "./api.js";

// FILTERS maps each hash parameter to the API's query parameter.
export const FILTERS = { account: "account_id", network: "network", tag: "tag", campaign: "campaign_id", status: "status" };

// pickFilters returns the filters set in the hash's params.
export function pickFilters(params) {
  const out = {};
  for (const k of Object.keys(FILTERS)) if (params[k]) out[k] = params[k];
  return out;
}

// apiFilters turns hash filters into the list API's query parameters.
export function apiFilters(filters) {
  const out = {};
  for (const [k, v] of Object.entries(filters)) out[FILTERS[k]] = v;
  return out;
}

// loadChoices reads what the filters offer, afresh each time (the
// workspace may have been switched), one request after the other (the
// calendar's own requests come first). A list that cannot be read is
// empty: the calendar itself says what went wrong.
async function loadChoices() {
  const read = (path) => request(path, { quiet: true }).then((r) => (Array.isArray(r) ? r : r.data || [])).catch(() => []);
  const accounts = await read("/v1/accounts");
  const networks = await read("/v1/networks");
  const campaigns = await read("/v1/campaigns");
  return { accounts, networks, campaigns };
}

function select(id, label, value, onChange) {
  const sel = el("select", { id, onchange: (ev) => onChange(ev.target.value) },
    el("option", { value: "", text: "All" }),
    value ? el("option", { value, selected: true, text: "…" }) : null);
  return [el("div", { class: "filter" }, el("label", { for: id, text: label }), sel), sel];
}

// setOptions fills a select with [value, text] pairs, keeping its value;
// a value from a link that is no longer a choice still shows.
function setOptions(sel, value, options) {
  const known = options.some(([v]) => v === value);
  fill(sel, el("option", { value: "", text: "All" }),
    value && !known ? el("option", { value, selected: true, text: "(no longer available)" }) : null,
    options.map(([v, text]) => el("option", { value: v, text, selected: v === value })));
}

// filterBar returns the filter form for filters, whose changes call
// apply(newFilters); statuses are [value, label] pairs. Its populate()
// reads the accounts, networks and campaigns to choose from; the form is
// aria-busy until then.
export function filterBar(filters, statuses, apply) {
  const set = (k) => (v) => apply({ ...filters, [k]: v || undefined });
  const [accBox, accSel] = select("filter-account", "Account", filters.account, set("account"));
  const [netBox, netSel] = select("filter-network", "Network", filters.network, set("network"));
  const [cmpBox, cmpSel] = select("filter-campaign", "Campaign", filters.campaign, set("campaign"));
  const [stBox, stSel] = select("filter-status", "Status", filters.status, set("status"));
  setOptions(stSel, filters.status, statuses);
  const tag = el("input", { id: "filter-tag", type: "search", value: filters.tag || "", placeholder: "any tag", autocomplete: "off" });
  const active = Object.keys(filters).length;
  const form = el("form", { class: "filters", id: "cal-filters", role: "search", "aria-label": "Filter the calendar", "aria-busy": "true",
    onsubmit: (ev) => { ev.preventDefault(); set("tag")(tag.value.trim()); } },
  accBox, netBox, cmpBox, stBox,
  el("div", { class: "filter" }, el("label", { for: "filter-tag", text: "Tag" }), tag),
  el("div", { class: "filter filter-actions" },
    el("button", { type: "submit", class: "secondary", text: "Apply" }),
    active ? el("button", { type: "button", class: "secondary", id: "filter-clear", text: "Clear filters", onclick: () => apply({}) }) : null));
  form.populate = async () => {
    const { accounts, networks, campaigns } = await loadChoices();
    const title = new Map(networks.map((n) => [n.name, n.title || n.name]));
    setOptions(accSel, filters.account, accounts.map((a) => [a.id, "@" + a.username + " (" + (title.get(a.network) || a.network) + ")"]));
    setOptions(netSel, filters.network, networks.map((n) => [n.name, n.title || n.name]));
    setOptions(cmpSel, filters.campaign, campaigns.map((c) => [c.id, c.name || c.theme || "Untitled campaign"]));
    form.removeAttribute("aria-busy");
  };
  return form;
}
