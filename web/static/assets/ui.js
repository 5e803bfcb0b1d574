// The UI library of the pages that edit (compose, review): Preact with
// htm, vendored from npm (see vendor/README.md). htm turns tagged
// templates into Preact elements at run time, so there is no build step,
// and Preact sets text as text: API data never becomes markup.

import { h, render, Component } from "./vendor/preact-11.2.0/preact.js";
import htm from "./vendor/htm-3.1.1/htm.js";

export const html = htm.bind(h);
export { render, Component };

// mount renders a component into container (the page's fresh view): it
// replaces whatever the container held.
export function mount(container, vnode) {
  render(vnode, container);
}

// fieldMessages groups an ApiError's field errors by field name.
export function fieldMessages(err) {
  const out = {};
  for (const f of (err && err.fields) || []) {
    const k = f.field || "";
    (out[k] = out[k] || []).push(f.message);
  }
  return out;
}

// FieldError shows the API's messages for one field, linked to its input
// by id (aria-describedby).
export function FieldError({ id, messages }) {
  if (!messages || !messages.length) return null;
  return html`<p class="field-error error" id=${id}>${messages.join(" · ")}</p>`;
}

// setStatus says something in the page's live region until the next
// page; navigating is true when the caller is about to change pages
// itself (the message is for the page it goes to).
export function setStatus(msg, navigating = false) {
  const s = document.getElementById("status");
  if (!s) return;
  s.textContent = msg;
  const clear = () => window.addEventListener("hashchange", () => { if (s.textContent === msg) s.textContent = ""; }, { once: true });
  if (navigating) window.addEventListener("hashchange", clear, { once: true });
  else clear();
}
