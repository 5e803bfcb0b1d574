// Rescheduling on the calendar: drag a post to another day (it keeps its
// time of day), or, from the keyboard, focus it and press Alt+← / Alt+→
// to move it a day, Alt+↑ / Alt+↓ to move it an hour. Each move is a
// PATCH of the post's scheduled_at; when the API refuses (409: a target
// is already out; 422) the post goes back where it was and the API's
// message shows.

import { el, fill, ymd, parseYMD, hhmm } from "./dom.js";
import { request } from "./api.js";
import { setStatus } from "./ui.js";

// Statuses a post can still be moved from; the API has the last word.
const MOVABLE = new Set(["scheduled", "draft", "pending_review", "rejected", "held", "failed"]);

const whenFmt = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" });

// The post to focus once the calendar is drawn again after a keyboard move.
let focusAfter = null;

// moved returns the chip's time moved to day (keeping its time of day)
// or by a number of days and hours.
function moved(at, { day, days = 0, hours = 0 }) {
  const d = new Date(at);
  if (day) {
    const target = parseYMD(day);
    return new Date(target.getFullYear(), target.getMonth(), target.getDate(), d.getHours(), d.getMinutes(), d.getSeconds());
  }
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + days, d.getHours() + hours, d.getMinutes(), d.getSeconds());
}

// enableReschedule makes the grid's movable posts draggable and movable by
// keyboard; refresh draws the calendar again after a move.
export function enableReschedule(grid, refresh) {
  const notice = el("div", { class: "move-notice", id: "cal-move", role: "alert" });
  grid.before(notice);
  grid.after(el("p", { class: "hint", id: "cal-move-hint",
    text: "Drag a post to another day to move it, or focus it and press Alt+← / Alt+→ to move it a day, Alt+↑ / Alt+↓ an hour." }));

  for (const chip of grid.querySelectorAll(".post")) {
    if (!MOVABLE.has(chip.dataset.status)) continue;
    chip.draggable = true;
    chip.setAttribute("aria-keyshortcuts", "Alt+ArrowLeft Alt+ArrowRight Alt+ArrowUp Alt+ArrowDown");
    chip.addEventListener("dragstart", (ev) => {
      ev.dataTransfer.setData("text/plain", chip.dataset.postId);
      ev.dataTransfer.effectAllowed = "move";
      chip.classList.add("dragging");
    });
    chip.addEventListener("dragend", () => chip.classList.remove("dragging"));
    chip.addEventListener("keydown", (ev) => {
      if (!ev.altKey) return;
      const step = { ArrowLeft: { days: -1 }, ArrowRight: { days: 1 }, ArrowUp: { hours: -1 }, ArrowDown: { hours: 1 } }[ev.key];
      if (!step) return;
      ev.preventDefault();
      move(chip, moved(chip.dataset.scheduledAt, step), true);
    });
  }
  for (const cell of grid.querySelectorAll(".day")) {
    cell.addEventListener("dragover", (ev) => {
      if (!ev.dataTransfer.types.includes("text/plain")) return;
      ev.preventDefault();
      ev.dataTransfer.dropEffect = "move";
      cell.classList.add("drop-target");
    });
    cell.addEventListener("dragleave", () => cell.classList.remove("drop-target"));
    cell.addEventListener("drop", (ev) => {
      ev.preventDefault();
      cell.classList.remove("drop-target");
      const id = ev.dataTransfer.getData("text/plain");
      const chip = grid.querySelector(`.post[data-post-id="${CSS.escape(id)}"]`);
      if (!chip || chip.closest(".day") === cell) return;
      move(chip, moved(chip.dataset.scheduledAt, { day: cell.dataset.date }), false);
    });
  }

  async function move(chip, when, byKeyboard) {
    const from = chip.parentNode;
    const next = chip.nextSibling;
    const target = grid.querySelector(`.day[data-date="${ymd(when)}"]`);
    fill(notice);
    // Shown where it goes at once; put back if the API refuses.
    if (target && target !== from) target.append(chip);
    chip.querySelector(".time").textContent = hhmm(when);
    chip.setAttribute("aria-busy", "true");
    if (byKeyboard) chip.focus();
    try {
      await request("/v1/posts/" + encodeURIComponent(chip.dataset.postId), {
        method: "PATCH", body: { scheduled_at: when.toISOString() },
      });
    } catch (err) {
      from.insertBefore(chip, next);
      chip.querySelector(".time").textContent = hhmm(new Date(chip.dataset.scheduledAt));
      chip.removeAttribute("aria-busy");
      if (byKeyboard) chip.focus();
      const why = (err.fields || []).map((f) => f.message).filter((m) => !err.message.includes(m));
      fill(notice, el("div", { class: "error-box" },
        el("p", { class: "error", text: "Not moved: " + err.message }),
        why.length ? el("ul", {}, why.map((w) => el("li", { text: w }))) : null));
      return;
    }
    setStatus("Moved to " + whenFmt.format(when) + ".");
    focusAfter = byKeyboard ? chip.dataset.postId : null;
    refresh(when);
  }

  if (focusAfter) {
    const chip = grid.querySelector(`.post[data-post-id="${CSS.escape(focusAfter)}"]`);
    focusAfter = null;
    if (chip) chip.focus();
  }
}
