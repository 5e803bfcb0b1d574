// What the post dialog adds for the people who edit: a link to edit the
// post, and the review's comments (why it was sent back, or approved),
// which its author reads here.

import { el } from "./dom.js";
import { request } from "./api.js";

const whenFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

const ACTIONS = {
  submitted: "Submitted for review",
  approved: "Approved",
  rejected: "Sent back",
  returned_to_review: "Back to review",
};

const EDITABLE = new Set(["draft", "pending_review", "rejected", "scheduled", "held", "failed"]);

// postExtras returns the dialog's edit link and review comments for p.
export async function postExtras(p) {
  const box = el("div", { class: "post-extras" });
  if (EDITABLE.has(p.status)) {
    box.append(el("p", {}, el("a", {
      class: "button-link", id: "post-edit", href: "#/compose/" + encodeURIComponent(p.id), text: "Edit this post",
      onclick: () => document.getElementById("post-dialog").close(),
    })));
  }
  let events = [];
  try {
    events = (await request("/v1/posts/" + encodeURIComponent(p.id) + "/history")).data || [];
  } catch {
    return box; // the history is a nicety here
  }
  const reviews = events.filter((e) => ACTIONS[e.action]);
  if (!reviews.length) return box;
  box.append(el("h3", { text: "Review" }),
    el("ol", { class: "review-events", id: "post-review" }, reviews.map((e) =>
      el("li", { dataset: { action: e.action } },
        el("span", { class: "review-what", text: ACTIONS[e.action] }),
        " · " + whenFmt.format(new Date(e.at)) + (e.actor ? " · " + e.actor : ""),
        e.comment ? el("blockquote", { class: "content review-comment", text: e.comment }) : null))));
  return box;
}
