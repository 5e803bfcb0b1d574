// rythme's dashboard: signs in with an API token (kept in this tab's
// sessionStorage), then routes on the URL's hash to the calendar, the
// campaigns, the comparison, the leaderboard, the best times and the
// accounts. Everything is rendered as DOM nodes with textContent, so no
// API data can inject markup.

import { el, fill } from "./dom.js";
import { request, getToken, setToken, clearToken, onUnauthorized, errorBox } from "./api.js";
import { renderCalendar } from "./calendar.js";
import { renderCompare, renderLeaderboard, renderBestTimes } from "./reports.js";
import { renderCampaigns } from "./campaigns.js";
import { renderAccounts } from "./accounts.js";

const $ = (sel) => document.querySelector(sel);

const ROUTES = {
  calendar: renderCalendar,
  campaigns: renderCampaigns,
  compare: renderCompare,
  leaderboard: renderLeaderboard,
  "best-times": renderBestTimes,
  accounts: renderAccounts,
};

// parseHash reads "#/route/id?k=v" into {route, id, params}.
function parseHash() {
  const h = location.hash.replace(/^#\/?/, "");
  const q = h.indexOf("?");
  const path = q < 0 ? h : h.slice(0, q);
  const params = Object.fromEntries(new URLSearchParams(q < 0 ? "" : h.slice(q + 1)));
  const [route, ...rest] = path.split("/");
  if (rest.length) params.id = decodeURIComponent(rest.join("/"));
  return { route: route || "calendar", params };
}

function go(route, params) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== ""));
  const s = q.toString();
  const hash = "#/" + route + (s ? "?" + s : "");
  if (location.hash === hash) render();
  else location.hash = hash;
}

function showSignedIn(signedIn) {
  $("#signin").hidden = signedIn;
  $("#app").hidden = !signedIn;
  $("#nav").hidden = !signedIn;
  $("#signout").hidden = !signedIn;
}

function signInError(msg) {
  const p = $("#signin-error");
  p.textContent = msg || "";
  p.hidden = !msg;
}

function signOut(msg) {
  clearToken();
  const dlg = $("#post-dialog");
  if (dlg.open) dlg.close();
  fill($("#view"));
  showSignedIn(false);
  signInError(msg);
  $("#token").focus();
}

// render draws the page the hash names, into a fresh container so that a
// slow answer for a page left since cannot overwrite the current one.
async function render() {
  if (!getToken()) {
    showSignedIn(false);
    return;
  }
  showSignedIn(true);
  const { route, params } = parseHash();
  for (const a of document.querySelectorAll("#nav a")) {
    if (a.dataset.route === route) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const view = el("div", { class: "page", dataset: { route } });
  fill($("#view"), view);
  const fn = ROUTES[route];
  if (!fn) {
    view.append(el("h2", { text: "Page not found" }), el("p", {}, el("a", { href: "#/calendar", text: "Back to the calendar" })));
    return;
  }
  try {
    await fn(view, params, (p) => go(route, p));
  } catch (err) {
    view.append(errorBox(err));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  onUnauthorized(() => signOut("The server refused the token (revoked or expired); sign in again."));
  $("#signin-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const tok = $("#token").value.trim();
    if (!tok) return;
    signInError("");
    try {
      await request("/v1/accounts", { token: tok });
    } catch (err) {
      signInError(err.status === 401 ? "This token was refused: check it and try again." : err.message);
      return;
    }
    setToken(tok);
    $("#token").value = "";
    render();
  });
  $("#signout").addEventListener("submit", (ev) => {
    ev.preventDefault();
    signOut();
  });
  window.addEventListener("hashchange", render);
  render();
});
