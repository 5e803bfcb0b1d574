// Several posts at once on the calendar: "Select posts" shows a checkbox
// beside each post that can still change (Shift-click a post, or
// Shift-click a checkbox to take every post between it and the last one
// ticked); the bar that appears reschedules them (by days or hours, or to
// a day, each keeping its time) or cancels them, in one call to
// POST /v1/posts/bulk. Each post's outcome is shown: the ones the API
// refused stay where they were, with its reason.

import { el, fill, ymd } from "./dom.js";
import { request, timeZone, errorBox } from "./api.js";
import { setStatus } from "./ui.js";

// Posts a bulk action may change; the API has the last word.
const CHANGEABLE = new Set(["scheduled", "draft", "pending_review", "rejected", "held", "failed"]);

// Module state survives the calendar's redraws within a page.
const state = { on: false, picked: new Set(), last: null, result: null };

const plural = (n, one, many) => n + " " + (n === 1 ? one : many);

// selectToggle is the toolbar's button that turns selecting on and off.
export function selectToggle(redraw) {
  return el("button", {
    type: "button", id: "cal-select", class: state.on ? "active" : "secondary", "aria-pressed": String(state.on),
    text: "Select posts",
    onclick: () => { state.on = !state.on; if (!state.on) state.picked.clear(); redraw(); },
  });
}

// enableSelect adds the checkboxes and the bulk bar to a drawn grid;
// posts is what the grid shows and redraw(when?) draws it again.
export function enableSelect(grid, posts, redraw) {
  const byId = new Map(posts.map((p) => [p.id, p]));
  // Only what is shown and can still change stays selected.
  for (const id of [...state.picked]) if (!CHANGEABLE.has(byId.get(id)?.status)) state.picked.delete(id);
  const bar = el("section", { class: "bulk-bar", id: "bulk", "aria-label": "Selected posts", hidden: !state.on });
  const result = el("div", { id: "bulk-result" });
  grid.before(result, bar);
  if (state.result) {
    showResult(result, state.result.outcome, state.result.verb, byId, state.result.texts);
    state.result = null;
  }

  // Shift-click a post: select it rather than open it.
  grid.addEventListener("click", (ev) => {
    const chip = ev.target.closest(".post");
    if (!ev.shiftKey || !chip || !CHANGEABLE.has(chip.dataset.status)) return;
    ev.preventDefault();
    ev.stopPropagation();
    if (!state.on) state.on = true;
    toggle(chip.dataset.postId, !state.picked.has(chip.dataset.postId));
    redraw();
  }, true);
  if (!state.on) return;

  const boxes = [];
  for (const chip of grid.querySelectorAll(".post")) {
    if (!CHANGEABLE.has(chip.dataset.status)) continue;
    const id = chip.dataset.postId;
    const text = chip.querySelector(".text")?.textContent || "";
    const box = el("input", { type: "checkbox", class: "pick", dataset: { postId: id },
      "aria-label": "Select " + chip.querySelector(".time").textContent + " " + text.slice(0, 60) });
    box.checked = state.picked.has(id);
    box.addEventListener("click", (ev) => {
      if (ev.shiftKey && state.last) {
        const ids = boxes.map((b) => b.dataset.postId);
        const [a, b] = [ids.indexOf(state.last), ids.indexOf(id)].sort((x, y) => x - y);
        if (a >= 0) for (const i of ids.slice(a, b + 1)) toggle(i, box.checked);
      }
      toggle(id, box.checked);
      state.last = id;
      for (const b of boxes) b.checked = state.picked.has(b.dataset.postId);
      drawBar();
    });
    boxes.push(box);
    const row = el("div", { class: "pick-row" });
    chip.replaceWith(row);
    row.append(box, chip);
  }

  function toggle(id, on) {
    if (on) state.picked.add(id);
    else state.picked.delete(id);
  }

  const shift = el("input", { id: "bulk-shift", type: "number", value: "1", step: "1", inputmode: "numeric", class: "narrow" });
  const unit = el("select", { id: "bulk-unit" }, el("option", { value: "days", text: "days" }), el("option", { value: "hours", text: "hours" }));
  const day = el("input", { id: "bulk-date", type: "date", value: ymd(new Date()) });
  const problem = el("div", { id: "bulk-problem" });

  async function run(body, verb) {
    fill(problem);
    const ids = [...state.picked];
    const texts = new Map(ids.map((id) => [id, byId.get(id)?.content || ""]));
    let out;
    try {
      out = await request("/v1/posts/bulk", { method: "POST", body: { ...body, post_ids: ids, timezone: timeZone() } });
    } catch (err) {
      fill(problem, errorBox(err));
      return;
    }
    for (const d of out.data) if (d.ok) state.picked.delete(d.id);
    if (!state.picked.size) state.on = false;
    setStatus(plural(out.succeeded, "post", "posts") + " " + verb + (out.failed ? "; " + out.failed + " could not be." : "."));
    state.result = { outcome: out, verb, texts };
    redraw();
  }

  function drawBar() {
    const n = state.picked.size;
    const none = n === 0;
    fill(bar,
      el("p", { id: "bulk-count", class: "bulk-count", "aria-live": "polite",
        text: none ? "Tick posts, or Shift-click them, to move or cancel several at once." : plural(n, "post", "posts") + " selected" }),
      el("div", { class: "bulk-actions" },
        el("div", { class: "bulk-group" },
          el("label", { for: "bulk-shift", text: "Move by" }), shift, el("label", { for: "bulk-unit", class: "visually-hidden", text: "Unit" }), unit,
          el("button", { type: "button", id: "bulk-move", disabled: none, text: "Move", onclick: () => {
            const k = Math.trunc(Number(shift.value));
            if (!k) { fill(problem, errorBox(new Error("Give a number of days or hours other than 0 (negative moves earlier)."))); return; }
            run(unit.value === "days" ? { action: "reschedule", shift_days: k } : { action: "reschedule", shift_minutes: k * 60 }, "moved");
          } })),
        el("div", { class: "bulk-group" },
          el("label", { for: "bulk-date", text: "Move to" }), day,
          el("button", { type: "button", id: "bulk-move-date", disabled: none, text: "Move to this day", onclick: () => {
            if (!day.value) { fill(problem, errorBox(new Error("Choose a day."))); return; }
            run({ action: "reschedule", date: day.value }, "moved");
          } })),
        el("div", { class: "bulk-group" }, cancelButton(none)),
        el("button", { type: "button", id: "bulk-clear", class: "secondary", disabled: none, text: "Clear selection",
          onclick: () => { state.picked.clear(); for (const b of boxes) b.checked = false; drawBar(); } })),
      problem);
  }

  // Cancelling asks once more, in the page (no window.confirm).
  function cancelButton(none) {
    const box = el("span", { class: "bulk-confirm" });
    const ask = el("button", { type: "button", id: "bulk-cancel", class: "danger", disabled: none, text: "Cancel posts", onclick: () => {
      fill(box,
        el("span", { text: "Cancel " + plural(state.picked.size, "post", "posts") + "? " +
          (state.picked.size === 1 ? "It will not be published. " : "None of them will be published. ") }),
        el("button", { type: "button", id: "bulk-cancel-yes", class: "danger", text: "Yes, cancel", onclick: () => run({ action: "cancel" }, "cancelled") }),
        el("button", { type: "button", class: "secondary", id: "bulk-cancel-no", text: "Keep them", onclick: () => { fill(box, ask); ask.focus(); } }));
      box.querySelector("#bulk-cancel-yes").focus();
    } });
    return fill(box, ask);
  }

  drawBar();
}

// showResult lists the posts a bulk action could not change, with why.
function showResult(box, out, verb, byId, texts) {
  const failed = out.data.filter((d) => !d.ok);
  if (!failed.length) return;
  fill(box, el("div", { class: "error-box", role: "alert" },
    el("p", { class: "error", text: plural(out.succeeded, "post", "posts") + " " + verb + "; " + plural(failed.length, "post was", "posts were") + " left as " + (failed.length === 1 ? "it was" : "they were") + ":" }),
    el("ul", { id: "bulk-failures" }, failed.map((d) => {
      const text = texts.get(d.id) || byId.get(d.id)?.content || "A post";
      const why = [d.error.message, ...(d.error.fields || []).map((f) => f.message).filter((m) => !d.error.message.includes(m))];
      return el("li", { dataset: { postId: d.id } }, el("q", { text: text.length > 80 ? text.slice(0, 80) + "…" : text }), " — " + why.join("; "));
    }))));
}
