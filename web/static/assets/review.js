// The approval queue (#/review): the posts waiting for review, each with
// its text, time, accounts and author; a manager approves it or sends it
// back with a comment, which its author sees in the post's dialog.

import { html, mount, Component } from "./ui.js";
import { request, query } from "./api.js";
import { openPost } from "./calendar.js";

const whenFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

class Review extends Component {
  constructor(props) {
    super(props);
    this.state = { loading: true, error: null, posts: [], comments: {}, busy: {}, errors: {}, done: [] };
  }

  componentDidMount() {
    this.load();
  }

  async load() {
    try {
      const [page, accs, nets] = await Promise.all([
        request("/v1/posts" + query({ status: "pending_review", limit: 200 })),
        request("/v1/accounts").catch(() => ({ data: [] })),
        request("/v1/networks").catch(() => ({ data: [] })),
      ]);
      // Each target as a person reads it: "Mastodon @ada".
      const titles = {};
      for (const n of nets.data || []) titles[n.name] = n.title;
      const names = {};
      for (const a of accs.data || []) names[a.id] = (titles[a.network] || a.network) + " @" + a.username;
      const posts = (page.data || []).sort((a, b) => a.scheduled_at.localeCompare(b.scheduled_at));
      this.setState({ loading: false, posts, names });
    } catch (err) {
      this.setState({ loading: false, error: err });
    }
  }

  async act(p, action) {
    const comment = (this.state.comments[p.id] || "").trim();
    if (action === "reject" && !comment) {
      this.setState({ errors: { ...this.state.errors, [p.id]: "Say why in a comment: the author reads it to fix the post." } });
      document.getElementById("comment-" + p.id)?.focus();
      return;
    }
    this.setState({ busy: { ...this.state.busy, [p.id]: true }, errors: { ...this.state.errors, [p.id]: "" } });
    try {
      await request("/v1/posts/" + encodeURIComponent(p.id) + "/" + action, {
        method: "POST", body: comment ? { comment } : {},
      });
      const what = action === "approve" ? "Approved" : "Sent back";
      this.setState({
        posts: this.state.posts.filter((x) => x.id !== p.id),
        done: [...this.state.done, { id: p.id, text: `${what}: “${p.content.slice(0, 60)}”` }],
      });
    } catch (err) {
      const why = (err.fields || []).map((f) => f.message).join(" · ") || err.message;
      this.setState({ busy: { ...this.state.busy, [p.id]: false }, errors: { ...this.state.errors, [p.id]: why } });
    }
  }

  render() {
    const s = this.state;
    return html`<div id="review">
      <h2>Waiting for review</h2>
      <div role="status" id="review-done">${s.done.map((d) => html`<p class="ok-note" key=${d.id}>${d.text}</p>`)}</div>
      ${s.loading ? html`<p class="hint">Loading…</p>` : null}
      ${s.error ? html`<div class="error-box" role="alert"><p class="error">${s.error.message}</p></div>` : null}
      ${!s.loading && !s.error && !s.posts.length ? html`<div class="empty-state" id="review-empty">
        <p>Nothing is waiting for review.</p><p>Posts submitted for review show here until a manager approves them or sends them back.</p></div>` : null}
      <ul class="review-list">
        ${s.posts.map((p) => html`<li class="review-item" key=${p.id} data-post-id=${p.id}>
          <div class="review-head">
            <strong>${whenFmt.format(new Date(p.scheduled_at))}</strong>
            <span class="hint">${(p.targets || []).map((t) => s.names[t.account_id] || t.network).join(" · ")}</span>
            ${p.author ? html`<span class="hint">by ${p.author}</span>` : null}
          </div>
          <p class="content">${p.content}</p>
          ${(p.thread || []).length ? html`<ol class="thread">${p.thread.map((t) => html`<li class="content">${t}</li>`)}</ol>` : null}
          ${(p.media || []).length ? html`<p class="hint">${p.media.length} ${p.media.length === 1 ? "image" : "images"} attached</p>` : null}
          <label for=${"comment-" + p.id}>Comment for the author</label>
          <textarea id=${"comment-" + p.id} rows="2" value=${s.comments[p.id] || ""}
            onInput=${(e) => this.setState({ comments: { ...s.comments, [p.id]: e.currentTarget.value } })}></textarea>
          ${s.errors[p.id] ? html`<p class="error" role="alert">${s.errors[p.id]}</p>` : null}
          <div class="compose-actions">
            <button type="button" class="approve" disabled=${s.busy[p.id]} onClick=${() => this.act(p, "approve")}>Approve</button>
            <button type="button" class="secondary reject" disabled=${s.busy[p.id]} onClick=${() => this.act(p, "reject")}>Send back</button>
            <button type="button" class="linkish" onClick=${() => openPost(p.id)}>Details</button>
            <a href=${"#/compose/" + encodeURIComponent(p.id)}>Edit</a>
          </div>
        </li>`)}
      </ul>
    </div>`;
  }
}

export async function renderReview(view) {
  mount(view, html`<${Review} />`);
}
