// rythme's dashboard: a member signs in with email and password (the
// session is an HttpOnly cookie), or anyone with an API token (kept in
// this tab's sessionStorage); then it routes on the URL's hash to the
// calendar, the campaigns, the comparison, the leaderboard, the best times
// and the accounts. Links "#invite=…" and "#reset=…" open the invitation
// and password reset forms. Everything is rendered as DOM nodes with
// textContent, so no API data can inject markup.

import { el, fill } from "./dom.js";
import { request, send, getToken, setToken, clearToken, onUnauthorized, errorBox } from "./api.js";
import { renderCalendar } from "./calendar.js";
import { renderCompare, renderLeaderboard, renderBestTimes } from "./reports.js";
import { renderCampaigns } from "./campaigns.js";
import { renderAccounts } from "./accounts.js";
import { renderCompose } from "./compose.js";
import { renderReview } from "./review.js";
import { renderSeries } from "./series.js";
import { renderSettings } from "./settings.js";
import { renderInbox } from "./inbox.js";

const $ = (sel) => document.querySelector(sel);

const ROUTES = {
  calendar: renderCalendar,
  campaigns: renderCampaigns,
  compare: renderCompare,
  leaderboard: renderLeaderboard,
  "best-times": renderBestTimes,
  accounts: renderAccounts,
  compose: renderCompose,
  review: renderReview,
  series: renderSeries,
  settings: renderSettings,
  inbox: renderInbox,
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

// me is the signed-in member as GET /v1/me answers (null: none, or a
// token is used); checked is set once the session was asked about.
let me = null;
let checked = false;

function showSignedIn(signedIn) {
  $("#signin").hidden = signedIn;
  $("#invite").hidden = true;
  $("#reset").hidden = true;
  $("#app").hidden = !signedIn;
  $("#nav").hidden = !signedIn;
  $("#signout").hidden = !signedIn;
  const member = signedIn && me && me.member;
  $("#who").hidden = !member;
  $("#who").textContent = member ? me.member.name : "";
  const list = member ? me.workspaces || [] : [];
  $("#workspace-switch").hidden = list.length < 2;
  const sel = $("#workspace-select");
  fill(sel, ...list.map((w) => el("option", { value: w.id, text: w.name, selected: me.workspace && me.workspace.id === w.id })));
}

function message(id, msg) {
  const p = $(id);
  p.textContent = msg || "";
  p.hidden = !msg;
}

const signInError = (msg) => message("#signin-error", msg);

async function signOut(msg) {
  if (me && me.member) {
    try {
      await send("DELETE", "/v1/session");
    } catch {
      // the session is gone already
    }
  }
  me = null;
  clearToken();
  const dlg = $("#post-dialog");
  if (dlg.open) dlg.close();
  fill($("#view"));
  showSignedIn(false);
  signInError(msg);
  $("#email").focus();
}

// linkSecret returns the secret of an "#invite=…" or "#reset=…" link.
function linkSecret(kind) {
  const m = new RegExp("^#" + kind + "=([A-Za-z0-9_-]+)$").exec(location.hash);
  return m ? m[1] : "";
}

// showLink shows the invitation or reset form of a link, if the URL is one.
function showLink() {
  for (const kind of ["invite", "reset"]) {
    if (linkSecret(kind)) {
      $("#signin").hidden = true;
      $("#app").hidden = true;
      $("#" + kind).hidden = false;
      $("#" + kind + "-form input[type=password]").focus();
      return true;
    }
  }
  return false;
}

// render draws the page the hash names, into a fresh container so that a
// slow answer for a page left since cannot overwrite the current one.
async function render() {
  if (showLink()) return;
  if (!getToken() && !checked) {
    checked = true;
    try {
      const who = await send("GET", "/v1/me");
      if (who.member) me = who;
    } catch {
      me = null; // not signed in
    }
  }
  if (!getToken() && !me) {
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

// signedInAs keeps the member an answer names and shows the calendar.
function signedInAs(who) {
  me = who;
  checked = true;
  clearToken();
  location.hash = "#/calendar";
  render();
}

document.addEventListener("DOMContentLoaded", () => {
  onUnauthorized(() =>
    signOut(me ? "Your session has ended; sign in again." : "The server refused the token (revoked or expired); sign in again."),
  );
  $("#member-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    message("#member-error", "");
    try {
      const who = await send("POST", "/v1/session", { email: $("#email").value.trim(), password: $("#password").value });
      $("#password").value = "";
      signedInAs(who);
    } catch (err) {
      message("#member-error", err.status === 401 ? "The email or the password is wrong." : err.message);
    }
  });
  $("#invite-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    fill($("#invite-error"));
    try {
      const who = await send("POST", "/v1/invitations/accept", {
        token: linkSecret("invite"), name: $("#invite-name").value.trim(), password: $("#invite-password").value,
      });
      $("#invite-password").value = "";
      signedInAs(who);
    } catch (err) {
      $("#invite-error").append(errorBox(err.status === 404 ? new Error("This invitation was used, revoked or has expired: ask for a new one.") : err));
    }
  });
  $("#reset-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    fill($("#reset-error"));
    try {
      await send("POST", "/v1/password-reset/confirm", { token: linkSecret("reset"), password: $("#reset-password").value });
      $("#reset-password").value = "";
      location.hash = "";
      showSignedIn(false);
      message("#member-error", "Your password is set: sign in with it.");
    } catch (err) {
      $("#reset-error").append(errorBox(err.status === 404 ? new Error("This link was used or has expired: ask for a new one.") : err));
    }
  });
  $("#workspace-select").addEventListener("change", async (ev) => {
    try {
      me = await send("PATCH", "/v1/session", { workspace_id: ev.target.value });
    } catch (err) {
      fill($("#status"), errorBox(err));
      return;
    }
    render();
  });
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
    me = null;
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
