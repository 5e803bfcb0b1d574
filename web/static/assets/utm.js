// A campaign's UTM parameters (PUT /v1/campaigns/{id}/utm): templates for
// every network and, where a network needs others, its own. They are
// added to the links of the campaign's posts when the posts are made or
// changed, so a post's preview and dialog show the links as published.

import { el, fill } from "./dom.js";
import { request, errorBox } from "./api.js";
import { setStatus } from "./ui.js";

const FIELDS = [["source", "Source"], ["medium", "Medium"], ["campaign", "Campaign"], ["term", "Term"], ["content", "Content"]];

// example shows what a link becomes on network with the templates u.
function example(u, network, c) {
  const vars = { network, campaign: c.name || "", theme: c.theme || "" };
  const q = FIELDS.map(([k]) => [k, (u[k] || "").replace(/\{(network|campaign|theme)\}/g, (_, v) => vars[v])])
    .filter(([, v]) => v).map(([k, v]) => "utm_" + k + "=" + encodeURIComponent(v).replace(/%20/g, "+"));
  return "https://example.com/page" + (q.length ? "?" + q.join("&") : "");
}

function row(prefix, u, legend, onInput) {
  return el("fieldset", { class: "utm-set", dataset: { prefix } },
    el("legend", { text: legend }),
    el("div", { class: "utm-row" }, FIELDS.map(([k, label]) => {
      const id = "utm-" + prefix + "-" + k;
      return el("div", {}, el("label", { for: id, text: label }),
        el("input", { id, name: k, value: u[k] || "", autocomplete: "off", spellcheck: "false", oninput: onInput }));
    })));
}

const read = (set) => Object.fromEntries([...set.querySelectorAll("input")].map((i) => [i.name, i.value.trim()]).filter(([, v]) => v));

// utmSection is the campaign page's UTM form for campaign c.
export async function utmSection(c) {
  if (c.status === "cancelled") return null;
  const networks = await request("/v1/networks").then((r) => r.data || []).catch(() => []);
  const title = new Map(networks.map((n) => [n.name, n.title || n.name]));
  const utm = c.utm || { default: {}, networks: {} };
  const sets = el("div", { id: "utm-sets" });
  const preview = el("p", { class: "hint", id: "utm-example" });
  const problem = el("div", { id: "utm-problem" });
  const firstNet = () => (sets.querySelector("[data-prefix]:not([data-prefix=default])")?.dataset.prefix) || (networks[0] && networks[0].name) || "mastodon";
  const redrawExample = () => {
    const def = read(sets.querySelector("[data-prefix=default]"));
    const net = firstNet();
    const own = sets.querySelector(`[data-prefix="${CSS.escape(net)}"]`);
    fill(preview, "Example on " + (title.get(net) || net) + ": ", el("code", { class: "utm-example-link", text: example({ ...def, ...(own ? read(own) : {}) }, net, c) }));
  };
  sets.append(row("default", utm.default || {}, "Every network", redrawExample));
  for (const [n, u] of Object.entries(utm.networks || {})) sets.append(row(n, u, title.get(n) || n, redrawExample));
  const pick = el("select", { id: "utm-add-network" }, networks.map((n) => el("option", { value: n.name, text: n.title || n.name })));
  redrawExample();
  const save = async (ev) => {
    ev.preventDefault();
    fill(problem);
    const body = { default: read(sets.querySelector("[data-prefix=default]")), networks: {} };
    for (const set of sets.querySelectorAll("[data-prefix]:not([data-prefix=default])")) body.networks[set.dataset.prefix] = read(set);
    let out;
    try {
      out = await request("/v1/campaigns/" + encodeURIComponent(c.id) + "/utm", { method: "PUT", body });
    } catch (err) {
      fill(problem, errorBox(err));
      return;
    }
    const failed = out.data.filter((d) => !d.ok);
    setStatus("UTM parameters saved; links updated in " + out.succeeded + (out.succeeded === 1 ? " post" : " posts") + (failed.length ? "; " + failed.length + " could not take them." : "."));
    if (failed.length) {
      fill(problem, el("div", { class: "error-box", role: "alert" },
        el("p", { class: "error", text: "These posts keep their links as they were:" }),
        el("ul", { id: "utm-failures" }, failed.map((d) => el("li", { dataset: { postId: d.id },
          text: (d.error.fields || []).map((f) => f.message).join("; ") || d.error.message })))));
    }
  };
  return el("section", { id: "utm", "aria-labelledby": "utm-title" },
    el("h3", { id: "utm-title", text: "UTM parameters of its links" }),
    el("p", { class: "hint", text: "Added to every web link of this campaign's posts not yet out, and to those it makes from now on. Write {network}, {campaign} or {theme} to have them filled in. A link that already has UTM parameters is kept as it is." }),
    el("form", { id: "utm-form", onsubmit: save },
      sets, preview,
      el("div", { class: "inline-form" },
        el("div", {}, el("label", { for: "utm-add-network", text: "Other parameters on" }), pick),
        el("button", { type: "button", class: "secondary", id: "utm-add", text: "Add", onclick: () => {
          const n = pick.value;
          if (!n || sets.querySelector(`[data-prefix="${CSS.escape(n)}"]`)) return;
          sets.append(row(n, {}, title.get(n) || n, redrawExample));
          sets.querySelector(`#utm-${CSS.escape(n)}-source`).focus();
          redrawExample();
        } })),
      problem,
      el("div", { class: "compose-actions" }, el("button", { type: "submit", id: "utm-save", text: "Save the UTM parameters" }))));
}
