// rythme's small dashboard: reads the /v1 API with the token kept in
// sessionStorage. Everything is rendered through textContent, so post
// content cannot inject markup.
"use strict";

const KEY = "rythme.token";
const $ = (sel) => document.querySelector(sel);

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

async function api(path) {
  const res = await fetch(path, {
    headers: { Authorization: "Bearer " + sessionStorage.getItem(KEY), Accept: "application/json" },
  });
  const body = await res.json().catch(() => ({}));
  if (res.status === 401) {
    signOut("The token was refused; sign in again.");
    throw new Error("unauthorized");
  }
  if (!res.ok) throw new Error((body.error && body.error.message) || "HTTP " + res.status);
  return body;
}

function show(signedIn) {
  $("#signin").hidden = signedIn;
  $("#dashboard").hidden = !signedIn;
  $("#signout").hidden = !signedIn;
}

function setStatus(msg, isError) {
  const s = $("#status");
  s.textContent = msg || "";
  s.className = isError ? "error" : "";
}

function signOut(msg) {
  sessionStorage.removeItem(KEY);
  show(false);
  if (msg) alert(msg);
}

function renderPosts(posts) {
  const tbody = $("#posts tbody");
  tbody.replaceChildren();
  $("#no-posts").hidden = posts.length > 0;
  for (const p of posts) {
    const tr = el("tr");
    tr.append(el("td", new Date(p.scheduled_at).toLocaleString()));
    const content = p.content.length > 140 ? p.content.slice(0, 140) + "…" : p.content;
    tr.append(el("td", content));
    const st = el("td");
    st.append(el("span", p.status, "badge " + p.status));
    tr.append(st);
    const targets = el("td");
    for (const t of p.targets) {
      const b = el("span", t.network + ": " + t.status, "badge " + t.status);
      if (t.last_error) b.title = t.last_error;
      targets.append(b);
    }
    tr.append(targets);
    tbody.append(tr);
  }
}

function renderAccounts(accounts) {
  const tbody = $("#accounts tbody");
  tbody.replaceChildren();
  $("#no-accounts").hidden = accounts.length > 0;
  for (const a of accounts) {
    const tr = el("tr");
    tr.append(el("td", a.network));
    tr.append(el("td", "@" + a.username + (a.display_name ? " (" + a.display_name + ")" : "")));
    const st = el("td");
    st.append(el("span", a.status, "badge " + a.status));
    tr.append(st);
    tbody.append(tr);
  }
}

async function load() {
  setStatus("Loading…");
  try {
    const from = encodeURIComponent(new Date(Date.now() - 24 * 3600 * 1000).toISOString());
    const [posts, accounts] = await Promise.all([
      api("/v1/posts?limit=100&from=" + from),
      api("/v1/accounts"),
    ]);
    renderPosts(posts.data || []);
    renderAccounts(accounts.data || []);
    setStatus("");
  } catch (err) {
    if (err.message !== "unauthorized") setStatus(err.message, true);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("#signin-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const tok = $("#token").value.trim();
    if (!tok) return;
    sessionStorage.setItem(KEY, tok);
    $("#token").value = "";
    show(true);
    load();
  });
  $("#signout").addEventListener("submit", (ev) => {
    ev.preventDefault();
    signOut();
  });
  if (sessionStorage.getItem(KEY)) {
    show(true);
    load();
  } else {
    show(false);
  }
});
