// Compose: write a post (a text, a variant per network, a thread, images
// with alt text, a poll where every chosen network takes one), choose its accounts and its time (a time, the next free
// posting slot, or a recurrence), see how each network will show it, and
// schedule it, save it as a draft or submit it for review. #/compose/{id}
// edits a post in the same form. Everything goes through the public API;
// the API's dry run (POST /v1/posts?dry_run=true) checks the post as it is
// typed, with each network's own counting.

import { html, mount, Component, fieldMessages, FieldError, setStatus } from "./ui.js";
import { request, timeZone } from "./api.js";
import { countFor } from "./counting.js";
import { pad2, ymd, parseYMD } from "./dom.js";

const REPEATS = [
  ["", "Does not repeat"],
  ["DAILY", "Every day"],
  ["WEEKLY", "Every week"],
  ["MONTHLY", "Every month"],
];

const whenFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });

// localInput is a Date as a datetime-local input's value.
const localInput = (d) => `${ymd(d)}T${pad2(d.getHours())}:${pad2(d.getMinutes())}`;

// defaultTime is tomorrow at 09:00, or 09:00 on the given day when it is
// still to come.
function defaultTime(day) {
  const now = new Date();
  let d = day ? new Date(day.getFullYear(), day.getMonth(), day.getDate(), 9, 0) : null;
  if (!d || d <= now) d = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 9, 0);
  return localInput(d);
}

let nextKey = 1;

// readAsDataURL reads a dropped image for its preview (the page's policy
// allows data: images, not blob: ones).
function readAsDataURL(file) {
  return new Promise((resolve) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => resolve("");
    r.readAsDataURL(file);
  });
}

class Compose extends Component {
  constructor(props) {
    super(props);
    this.state = {
      loading: true, loadError: null, accounts: [], networks: {}, approval: false, post: null,
      selected: [], content: "", variants: {}, open: {}, thread: [], firstComment: "", media: [], tags: "", poll: null,
      when: "time", at: defaultTime(parseYMD(props.params.date)), repeat: "", count: "4",
      fields: {}, general: [], checked: "", saving: false, dragging: false,
    };
    this.timer = null;
    this.seq = 0;
  }

  async componentDidMount() {
    try {
      const [accs, nets, ws, me] = await Promise.all([
        request("/v1/accounts"), request("/v1/networks"), request("/v1/workspace").catch(() => ({})),
        request("/v1/me").catch(() => ({})),
      ]);
      const networks = {};
      for (const n of nets.data || []) networks[n.name] = n;
      // Where approval is required, an editor's post waits for review; a
      // manager's or an admin's only when it is a draft they submit.
      const role = (me.workspace && me.workspace.role) || "editor";
      const st = { loading: false, accounts: accs.data || [], networks, approval: !!ws.approval_required,
        selfApproved: role === "manager" || role === "admin" };
      const id = this.props.params.id;
      if (id) {
        const p = await request("/v1/posts/" + encodeURIComponent(id));
        const media = [];
        for (const mid of p.media || []) {
          const m = await request("/v1/media/" + encodeURIComponent(mid)).catch(() => ({ id: mid }));
          media.push({ key: nextKey++, id: mid, name: m.filename || "image", alt: m.alt_text || "", src: "" });
        }
        const variants = {};
        for (const t of p.targets || []) if (t.content) variants[t.network] = t.content;
        Object.assign(st, {
          post: p, selected: (p.targets || []).map((t) => t.account_id), content: p.content, variants,
          open: Object.fromEntries(Object.keys(variants).map((k) => [k, true])), thread: [...(p.thread || [])],
          firstComment: p.first_comment || "", media, tags: (p.tags || []).join(", "), at: localInput(new Date(p.scheduled_at)),
          poll: p.poll ? { options: [...p.poll.options], duration: String(p.poll.duration_minutes), multiple: !!p.poll.multiple } : null,
        });
      }
      this.setState(st, () => this.check());
    } catch (err) {
      this.setState({ loading: false, loadError: err });
    }
  }

  componentWillUnmount() {
    clearTimeout(this.timer);
  }

  // The selected accounts, in the order of the list, with their limits.
  chosen() {
    return this.state.accounts.filter((a) => this.state.selected.includes(a.id));
  }

  chosenNetworks() {
    const seen = new Map();
    for (const a of this.chosen()) if (!seen.has(a.network)) seen.set(a.network, a);
    return [...seen.values()];
  }

  limitsOf(acc) {
    return acc.limits || this.state.networks[acc.network] || {};
  }

  scheduledAt() {
    if (this.state.when === "next_slot") return "next_slot";
    const d = new Date(this.state.at);
    return isNaN(d) ? this.state.at : d.toISOString();
  }

  recurrence() {
    const { repeat, count } = this.state;
    if (!repeat || this.state.when === "next_slot") return "";
    return `FREQ=${repeat};COUNT=${Math.max(2, Number(count) || 2)}`;
  }

  body(mediaIDs) {
    const s = this.state;
    const targets = this.chosen().map((a) => ({ account_id: a.id, content: (s.open[a.network] && s.variants[a.network]) || "" }));
    const tags = s.tags.split(",").map((t) => t.trim()).filter(Boolean);
    const out = {
      content: s.content, scheduled_at: this.scheduledAt(), timezone: timeZone(), targets,
      media: mediaIDs, thread: s.thread.filter((t) => t.trim() !== ""), first_comment: s.firstComment, tags,
    };
    const rec = this.recurrence();
    if (rec && !s.post) out.recurrence = rec;
    if (s.poll) {
      // Options as typed, so that an error's index is the option's.
      out.poll = { options: s.poll.options.map((o) => o.trim()),
        duration_minutes: Number(s.poll.duration) || 0, multiple: s.poll.multiple };
    } else if (s.post && s.post.poll) {
      out.poll = null; // removed in the form: removed from the post
    }
    return out;
  }

  // pollLimits returns each chosen account's poll limits (null where its
  // network has no polls): its server's own, else its network's.
  pollLimits() {
    return this.chosen().map((a) => {
      const l = a.limits && a.limits.polls !== undefined ? a.limits.polls : (this.state.networks[a.network] || {}).polls;
      return { acc: a, polls: l || null };
    });
  }

  // pollBounds is what every chosen network takes: the fewest options, the
  // shortest option, the narrowest duration; null when one takes no poll.
  pollBounds() {
    const ls = this.pollLimits();
    if (!ls.length || ls.some((x) => !x.polls)) return null;
    const min = (k) => Math.min(...ls.map((x) => x.polls[k] || Infinity));
    const max = (k) => Math.max(...ls.map((x) => x.polls[k] || 0));
    return { maxOptions: min("max_options"), maxLength: min("max_option_length"), minMinutes: max("min_duration_minutes"),
      maxMinutes: min("max_duration_minutes"), multiple: ls.every((x) => x.polls.multiple) };
  }

  setPoll(patch) {
    this.update({ poll: { ...this.state.poll, ...patch } });
  }

  update(patch) {
    this.setState(patch, () => this.schedule());
  }

  // schedule asks for a dry run once typing pauses.
  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.check(), 400);
  }

  // check runs the API's dry run of the post as it stands, and shows its
  // field errors next to their fields.
  async check() {
    const s = this.state;
    if (!s.content.trim() && !s.selected.length) {
      this.setState({ fields: {}, general: [], checked: "" });
      return;
    }
    const seq = ++this.seq;
    const ids = s.media.filter((m) => m.id).map((m) => m.id);
    try {
      await request("/v1/posts?dry_run=true", { method: "POST", body: this.body(ids) });
      if (seq === this.seq) this.setState({ fields: {}, general: [], checked: "ok" });
    } catch (err) {
      if (seq !== this.seq) return;
      this.showErrors(err, "invalid");
    }
  }

  showErrors(err, checked) {
    const fields = fieldMessages(err);
    const general = [];
    if (!err.fields || !err.fields.length) general.push(err.message);
    this.setState({ fields, general, checked });
  }

  // messages for the field, and for the targets' fields of a network.
  msgs(field) {
    return this.state.fields[field] || [];
  }

  targetMsgs(network, suffix) {
    const out = [];
    this.chosen().forEach((a, i) => {
      if (a.network === network) out.push(...this.msgs(`targets[${i}].${suffix}`));
    });
    return [...new Set(out)];
  }

  toggleAccount(id, on) {
    const sel = this.state.selected.filter((x) => x !== id);
    if (on) sel.push(id);
    this.update({ selected: sel });
  }

  async addFiles(files) {
    const items = [];
    for (const f of files) {
      if (!f.type.startsWith("image/") && !f.type.startsWith("video/")) continue;
      items.push({ key: nextKey++, file: f, name: f.name, alt: "", src: f.type.startsWith("image/") ? await readAsDataURL(f) : "" });
    }
    if (items.length) this.update({ media: [...this.state.media, ...items] });
  }

  setMedia(key, patch) {
    this.setState({ media: this.state.media.map((m) => (m.key === key ? { ...m, ...patch } : m)) });
  }

  removeMedia(key) {
    this.update({ media: this.state.media.filter((m) => m.key !== key) });
  }

  // upload sends one file with its alt text (POST /v1/media).
  async upload(m) {
    const fd = new FormData();
    fd.append("alt_text", m.alt);
    fd.append("file", m.file, m.name);
    this.setMedia(m.key, { uploading: true, error: "" });
    try {
      const res = await request("/v1/media", { method: "POST", body: fd });
      this.setMedia(m.key, { id: res.id, uploading: false, file: null });
      this.schedule();
      return res.id;
    } catch (err) {
      const why = (err.fields || []).map((f) => f.message).join(" · ") || err.message;
      this.setMedia(m.key, { uploading: false, error: why });
      throw err;
    }
  }

  // save uploads what is left, then creates or edits the post; as is
  // "schedule" (submitted for review where the workspace asks) or "draft".
  async save(as) {
    if (this.state.saving) return;
    this.setState({ saving: true, general: [] });
    try {
      const ids = [];
      for (const m of this.state.media) ids.push(m.id || (await this.upload(m)));
      const body = this.body(ids);
      const s = this.state;
      let p;
      if (s.post) {
        delete body.recurrence;
        // Only variants can change on targets: an account's empty variant
        // removes it.
        p = await request("/v1/posts/" + encodeURIComponent(s.post.id), { method: "PATCH", body });
        if (as === "schedule" && (p.status === "draft" || p.status === "rejected")) {
          p = await request("/v1/posts/" + encodeURIComponent(p.id) + "/submit", { method: "POST" });
        }
      } else {
        body.draft = as === "draft";
        p = await request("/v1/posts", { method: "POST", body });
        // A series answers with its occurrences; a single post that the
        // workspace's approval rule kept as a draft is submitted.
        if (as === "schedule" && p.status === "draft" && !p.recurrence) {
          p = await request("/v1/posts/" + encodeURIComponent(p.id) + "/submit", { method: "POST" });
        }
      }
      const at = new Date(p.scheduled_at || p.starts_at || Date.now());
      const what = { draft: "Saved as a draft", pending_review: "Submitted for review", scheduled: "Scheduled" }[p.status] ||
        (p.recurrence ? "Recurring post scheduled" : "Saved");
      setStatus(`${what}: ${whenFmt.format(at)}.`, true);
      location.hash = "#/calendar?view=week&date=" + ymd(at);
    } catch (err) {
      this.setState({ saving: false });
      this.showErrors(err, "invalid");
      const first = document.querySelector("#compose .field-error, #compose-errors");
      if (first) first.scrollIntoView({ block: "center" });
    }
  }

  render() {
    const s = this.state;
    if (s.loading) return html`<p class="hint">Loading…</p>`;
    if (s.loadError) return html`<div class="error-box" role="alert"><p class="error">${s.loadError.message}</p></div>`;
    const editing = !!s.post;
    return html`
      <form id="compose" class="compose" novalidate onSubmit=${(e) => { e.preventDefault(); this.save("schedule"); }}>
        <div class="compose-main">
          <h2 id="compose-title">${editing ? "Edit post" : "New post"}</h2>
          ${this.renderAccounts()}
          ${this.renderText()}
          ${this.renderMedia()}
          ${this.renderPoll()}
          ${this.renderWhen()}
          <div class="compose-field">
            <label for="compose-tags">Tags <span class="hint">(comma-separated)</span></label>
            <input id="compose-tags" value=${s.tags} aria-describedby="compose-tags-error"
              onInput=${(e) => this.update({ tags: e.currentTarget.value })} />
            ${Object.keys(s.fields).filter((f) => f.startsWith("tags")).map((f) =>
              html`<${FieldError} id="compose-tags-error" messages=${this.msgs(f)} />`)}
          </div>
          ${this.renderGeneral()}
          <div class="compose-actions">
            <button type="submit" id="compose-submit" disabled=${s.saving}>
              ${s.approval && (!s.selfApproved || (s.post && ["draft", "rejected", "pending_review"].includes(s.post.status))) ? "Submit for review" : editing ? "Save and schedule" : "Schedule"}</button>
            <button type="button" id="compose-draft" class="secondary" disabled=${s.saving}
              onClick=${() => this.save("draft")}>${editing ? "Save" : "Save as draft"}</button>
            <a href="#/calendar" class="cancel-link">Cancel</a>
            <span class="hint" id="compose-check" role="status">
              ${s.saving ? "Saving…" : s.checked === "ok" ? "✓ Every network accepts this post." : ""}</span>
          </div>
        </div>
        ${this.renderPreviews()}
      </form>`;
  }

  renderAccounts() {
    const s = this.state;
    const editing = !!s.post;
    if (!s.accounts.length) {
      return html`<div class="empty-state" id="compose-no-accounts"><p>No account is connected yet.</p>
        <p>Connect one on the <a href="#/accounts">accounts page</a> first.</p></div>`;
    }
    const msgs = [...this.msgs("targets")];
    this.chosen().forEach((_, i) => msgs.push(...this.msgs(`targets[${i}].account_id`)));
    return html`
      <fieldset class="compose-accounts" aria-describedby="compose-accounts-error">
        <legend>Accounts</legend>
        ${editing ? html`<p class="hint">A post's accounts are set when it is made.</p>` : null}
        ${s.accounts.map((a) => html`
          <label class="check" key=${a.id}>
            <input type="checkbox" name="account" value=${a.id} checked=${s.selected.includes(a.id)}
              disabled=${editing || a.status !== "connected"} data-network=${a.network}
              onChange=${(e) => this.toggleAccount(a.id, e.currentTarget.checked)} />
            <span>${this.netTitle(a.network)} · @${a.username}</span>
            ${a.status !== "connected" ? html`<span class="hint"> (${a.status === "needs_reconnect" ? "needs reconnecting" : "not connected"})</span>` : null}
          </label>`)}
        <${FieldError} id="compose-accounts-error" messages=${msgs} />
      </fieldset>`;
  }

  netTitle(name) {
    return (this.state.networks[name] && this.state.networks[name].title) || name;
  }

  counter(text, acc, id) {
    const lim = this.limitsOf(acc);
    const n = countFor(text, lim);
    const max = lim.max_length || 0;
    const over = max && n > max;
    return html`<span class=${"counter" + (over ? " over" : "")} id=${id} data-network=${acc.network}
      data-count=${n} data-max=${max}>${this.netTitle(acc.network)}: ${n}${max ? " / " + max : ""}</span>`;
  }

  renderText() {
    const s = this.state;
    const nets = this.chosenNetworks();
    return html`
      <div class="compose-field">
        <label for="compose-content">Text</label>
        <textarea id="compose-content" rows="5" aria-describedby="compose-content-error compose-counters"
          onInput=${(e) => this.update({ content: e.currentTarget.value })} value=${s.content}></textarea>
        <div class="counters" id="compose-counters" aria-live="polite">
          ${nets.filter((a) => !(s.open[a.network] && s.variants[a.network])).map((a) => this.counter(s.content, a, "count-" + a.network))}
        </div>
        <${FieldError} id="compose-content-error" messages=${this.msgs("content")} />
      </div>
      ${nets.map((a) => {
        const open = !!s.open[a.network];
        const id = "variant-" + a.network;
        return html`<div class="compose-field variant" key=${a.network}>
          <label class="check"><input type="checkbox" id=${id + "-on"} checked=${open}
            onChange=${(e) => this.update({ open: { ...s.open, [a.network]: e.currentTarget.checked },
              variants: { ...s.variants, [a.network]: s.variants[a.network] || s.content } })} />
            <span>Write a different text for ${this.netTitle(a.network)}</span></label>
          ${open ? html`
            <label for=${id} class="visually-hidden">Text for ${this.netTitle(a.network)}</label>
            <textarea id=${id} rows="4" value=${s.variants[a.network] || ""} aria-describedby=${id + "-error " + id + "-count"}
              onInput=${(e) => this.update({ variants: { ...s.variants, [a.network]: e.currentTarget.value } })}></textarea>
            <div class="counters">${this.counter(s.variants[a.network] || "", a, id + "-count")}</div>
            <${FieldError} id=${id + "-error"} messages=${this.targetMsgs(a.network, "content")} />` : null}
        </div>`;
      })}
      <div class="compose-field thread">
        ${s.thread.map((part, i) => html`<div class="thread-part" key=${"t" + i}>
          <label for=${"thread-" + i}>Thread, part ${i + 2}</label>
          <textarea id=${"thread-" + i} rows="3" value=${part} aria-describedby=${"thread-" + i + "-error"}
            onInput=${(e) => { const t = [...s.thread]; t[i] = e.currentTarget.value; this.update({ thread: t }); }}></textarea>
          <div class="counters">${nets.map((a) => this.counter(part, a, "thread-" + i + "-count-" + a.network))}</div>
          <${FieldError} id=${"thread-" + i + "-error"} messages=${this.msgs(`thread[${i}]`)} />
          <button type="button" class="linkish" onClick=${() => this.update({ thread: s.thread.filter((_, j) => j !== i) })}>
            Remove part ${i + 2}</button>
        </div>`)}
        <button type="button" class="secondary" id="compose-add-part"
          onClick=${() => this.update({ thread: [...s.thread, ""] })}>Add a part to the thread</button>
        <${FieldError} id="compose-thread-error" messages=${this.msgs("thread")} />
      </div>
      ${this.renderFirstComment(nets)}`;
  }

  // renderFirstComment: the comment published right after the post, under
  // it, counted for each network that takes one; the networks that take
  // none are named (the API refuses them, and says so on first_comment).
  renderFirstComment(nets) {
    const s = this.state;
    const takes = (a) => !!(this.state.networks[a.network] || {}).first_comment;
    const none = nets.filter((a) => !takes(a)).map((a) => this.netTitle(a.network));
    return html`
      <div class="compose-field first-comment">
        <label for="compose-first-comment">First comment <span class="hint">(optional: published right after the post, under it)</span></label>
        <textarea id="compose-first-comment" rows="2" value=${s.firstComment}
          aria-describedby="compose-first-comment-note compose-first-comment-error compose-first-comment-counters"
          onInput=${(e) => this.update({ firstComment: e.currentTarget.value })}></textarea>
        <p class="hint" id="compose-first-comment-note">A comment on Instagram, Facebook, LinkedIn and Reddit; a reply to the post on X, Threads, Mastodon and Bluesky.
          ${none.length ? " " + none.join(", ") + " take" + (none.length === 1 ? "s" : "") + " no first comment." : ""}</p>
        ${s.firstComment ? html`<div class="counters" id="compose-first-comment-counters">
          ${nets.filter(takes).map((a) => this.counter(s.firstComment, a, "first-comment-count-" + a.network))}</div>` : null}
        <${FieldError} id="compose-first-comment-error" messages=${this.msgs("first_comment")} />
      </div>`;
  }

  renderMedia() {
    const s = this.state;
    const mediaMsgs = Object.keys(s.fields).filter((f) => f.startsWith("media")).flatMap((f) => this.msgs(f));
    this.chosen().forEach((_, i) => mediaMsgs.push(...this.msgs(`targets[${i}].media`)));
    return html`
      <div class="compose-field">
        <span class="label" id="compose-media-label">Images and video</span>
        <div id="compose-drop" class=${"dropzone" + (s.dragging ? " dragging" : "")}
          onDragOver=${(e) => { e.preventDefault(); if (!s.dragging) this.setState({ dragging: true }); }}
          onDragLeave=${() => this.setState({ dragging: false })}
          onDrop=${(e) => { e.preventDefault(); this.setState({ dragging: false }); this.addFiles([...e.dataTransfer.files]); }}>
          <p>Drop images here, or</p>
          <label class="button-link secondary-link" for="compose-file">Choose files</label>
          <input id="compose-file" class="visually-hidden" type="file" multiple accept="image/*,video/*"
            aria-labelledby="compose-media-label"
            onChange=${(e) => { this.addFiles([...e.currentTarget.files]); e.currentTarget.value = ""; }} />
        </div>
        <ul class="media-list" id="compose-media">
          ${s.media.map((m, i) => html`<li key=${m.key} class="media-item" data-media-id=${m.id || ""}>
            ${m.src ? html`<img src=${m.src} alt="" class="thumb" />` : html`<span class="thumb none" aria-hidden="true">▣</span>`}
            <div class="media-fields">
              <span class="media-name">${m.name}</span>
              <label for=${"alt-" + m.key}>Description (alt text) of image ${i + 1}</label>
              <input id=${"alt-" + m.key} value=${m.alt} disabled=${!!m.id} maxlength="1500"
                onInput=${(e) => this.setMedia(m.key, { alt: e.currentTarget.value })} />
              ${m.id ? html`<span class="hint">Attached.</span>` : html`<span class="hint">${m.uploading ? "Uploading…" : "Uploaded when the post is saved."}</span>`}
              ${m.error ? html`<p class="field-error error" role="alert">${m.error}</p>` : null}
            </div>
            <button type="button" class="secondary" onClick=${() => this.removeMedia(m.key)}
              aria-label=${"Remove image " + (i + 1)}>Remove</button>
          </li>`)}
        </ul>
        <${FieldError} id="compose-media-error" messages=${[...new Set(mediaMsgs)]} />
      </div>`;
  }

  // renderPoll offers a poll when every chosen network takes one (the text
  // is its question); a poll already there stays, with what the API says
  // against it, so that it can be fixed or removed.
  renderPoll() {
    const s = this.state;
    const bounds = this.pollBounds();
    const without = this.pollLimits().filter((x) => !x.polls).map((x) => this.netTitle(x.acc.network));
    // Errors of the poll as a whole (networks, count, duration); an
    // option's own are shown by it.
    const pollMsgs = Object.keys(s.fields).filter((f) => f === "poll" || (f.startsWith("poll.") && !f.startsWith("poll.options[")))
      .flatMap((f) => this.msgs(f));
    if (!s.poll) {
      if (!bounds) return null;
      return html`<div class="compose-field compose-poll">
        <button type="button" class="secondary" id="compose-add-poll"
          onClick=${() => this.update({ poll: { options: ["", ""], duration: String(Math.max(bounds.minMinutes, 1, Math.min(1440, bounds.maxMinutes))), multiple: false } })}>
          Add a poll</button>
        <span class="hint"> The text is its question.</span></div>`;
    }
    const p = s.poll;
    return html`<fieldset class="compose-poll" id="compose-poll" aria-describedby="compose-poll-error">
      <legend>Poll <span class="hint">(the text is its question)</span></legend>
      ${without.length ? html`<p class="error" id="compose-poll-unsupported">${[...new Set(without)].join(", ")} ${without.length > 1 ? "take" : "takes"} no poll: remove the poll or those accounts.</p>` : null}
      ${p.options.map((o, i) => html`<div class="poll-option" key=${"o" + i}>
        <label for=${"poll-option-" + i}>Option ${i + 1}</label>
        <input id=${"poll-option-" + i} value=${o} maxlength=${bounds ? bounds.maxLength : 200}
          aria-describedby=${"poll-option-" + i + "-error"}
          onInput=${(e) => { const opts = [...p.options]; opts[i] = e.currentTarget.value; this.setPoll({ options: opts }); }} />
        ${bounds ? html`<span class="hint counter">${[...o].length} / ${bounds.maxLength}</span>` : null}
        ${p.options.length > 2 ? html`<button type="button" class="linkish" onClick=${() => this.setPoll({ options: p.options.filter((_, j) => j !== i) })}>
          Remove option ${i + 1}</button>` : null}
        <${FieldError} id=${"poll-option-" + i + "-error"} messages=${this.msgs(`poll.options[${i}]`)} />
      </div>`)}
      ${!bounds || p.options.length < bounds.maxOptions ? html`<button type="button" class="secondary" id="compose-add-option"
        onClick=${() => this.setPoll({ options: [...p.options, ""] })}>Add an option</button>` : null}
      <div class="when-row">
        <div><label for="compose-poll-duration">Lasts (minutes)</label>
          <input id="compose-poll-duration" type="number" value=${p.duration}
            min=${bounds ? Math.max(1, bounds.minMinutes) : 1} max=${bounds && bounds.maxMinutes !== Infinity ? bounds.maxMinutes : ""}
            onInput=${(e) => this.setPoll({ duration: e.currentTarget.value })} />
          ${bounds && bounds.maxMinutes !== Infinity ? html`<span class="hint">${bounds.minMinutes} to ${bounds.maxMinutes} minutes on every chosen network</span>` : null}</div>
        <label class="check"><input type="checkbox" id="compose-poll-multiple" checked=${p.multiple}
          disabled=${bounds && !bounds.multiple && !p.multiple}
          onChange=${(e) => this.setPoll({ multiple: e.currentTarget.checked })} /><span>Voters may choose several</span></label>
      </div>
      <button type="button" class="linkish" id="compose-remove-poll" onClick=${() => this.update({ poll: null })}>Remove the poll</button>
      <${FieldError} id="compose-poll-error" messages=${[...new Set(pollMsgs)]} />
    </fieldset>`;
  }

  renderWhen() {
    const s = this.state;
    const editing = !!s.post;
    return html`
      <fieldset class="compose-when">
        <legend>When</legend>
        <label class="check"><input type="radio" name="when" value="time" checked=${s.when === "time"}
          onChange=${() => this.update({ when: "time" })} /><span>At a time</span></label>
        ${!editing ? html`<label class="check"><input type="radio" name="when" value="next_slot" id="compose-next-slot"
          checked=${s.when === "next_slot"} onChange=${() => this.update({ when: "next_slot" })} />
          <span>At the next free posting slot of the accounts</span></label>` : null}
        ${s.when === "time" ? html`
          <div class="when-row">
            <div><label for="compose-at">Date and time (${timeZone()})</label>
              <input id="compose-at" type="datetime-local" value=${s.at} aria-describedby="compose-at-error"
                onInput=${(e) => this.update({ at: e.currentTarget.value })} /></div>
            ${!editing ? html`<div><label for="compose-repeat">Repeat</label>
              <select id="compose-repeat" value=${s.repeat} onChange=${(e) => this.update({ repeat: e.currentTarget.value })}>
                ${REPEATS.map(([v, t]) => html`<option value=${v}>${t}</option>`)}
              </select></div>` : null}
            ${s.repeat && !editing ? html`<div><label for="compose-count">Times</label>
              <input id="compose-count" type="number" min="2" max="100" value=${s.count}
                onInput=${(e) => this.update({ count: e.currentTarget.value })} /></div>` : null}
          </div>` : null}
        <${FieldError} id="compose-at-error" messages=${[...this.msgs("scheduled_at"), ...this.msgs("recurrence"), ...this.msgs("timezone")]} />
      </fieldset>`;
  }

  renderGeneral() {
    const s = this.state;
    // Errors of no field shown above (a conflict, the server unreachable…).
    const shown = (f) => f === "content" || f === "targets" || f === "thread" || f === "first_comment" || f === "scheduled_at" || f === "recurrence" ||
      f === "poll" || f.startsWith("poll.") ||
      f === "timezone" || f.startsWith("tags") || f.startsWith("media") || /^targets\[\d+\]\.(content|account_id|media)$/.test(f) ||
      (/^thread\[\d+\]$/.test(f) && Number(f.slice(7, -1)) < s.thread.length);
    const rest = [...s.general];
    for (const [f, m] of Object.entries(s.fields)) if (!shown(f)) rest.push(...m.map((x) => (f ? f + ": " : "") + x));
    if (!rest.length) return null;
    return html`<div class="error-box" id="compose-errors" role="alert">${rest.map((r) => html`<p class="error">${r}</p>`)}</div>`;
  }

  renderPreviews() {
    const s = this.state;
    const accs = this.chosen();
    const images = s.media.filter((m) => m.src);
    return html`
      <aside class="compose-previews" aria-labelledby="previews-title">
        <h2 id="previews-title">Preview</h2>
        ${!accs.length ? html`<p class="hint">Choose an account to see how the post will look.</p>` : null}
        ${accs.map((a) => {
          const text = (s.open[a.network] && s.variants[a.network]) || s.content;
          const parts = [text, ...s.thread.filter((t) => t.trim())];
          return html`<section class=${"preview net-" + a.network} key=${a.id} data-network=${a.network} aria-label=${"Preview on " + this.netTitle(a.network)}>
            <h3>${this.netTitle(a.network)}</h3>
            ${parts.map((t, i) => html`<div class="preview-card" key=${i}>
              <div class="preview-head"><strong>${a.display_name || a.username}</strong> <span class="hint">@${a.username}</span></div>
              <p class="content preview-text">${t || "…"}</p>
              ${i === 0 && images.length ? html`<div class=${"preview-media n" + Math.min(images.length, 4)}>
                ${images.slice(0, 4).map((m) => html`<img src=${m.src} alt=${m.alt} />`)}</div>` : null}
              ${i === 0 && s.poll ? html`<ul class="preview-poll">${s.poll.options.filter((o) => o.trim()).map((o) =>
                html`<li>${o}</li>`)}</ul>` : null}
            </div>`)}
            ${s.firstComment.trim() && (s.networks[a.network] || {}).first_comment ? html`<div class="preview-card preview-comment">
              <div class="preview-head"><strong>${a.display_name || a.username}</strong> <span class="hint">first comment</span></div>
              <p class="content preview-text">${s.firstComment}</p></div>` : null}
          </section>`;
        })}
      </aside>`;
  }
}

// renderCompose draws #/compose (a new post; ?date=YYYY-MM-DD starts on
// that day) and #/compose/{id} (an edit).
export async function renderCompose(view, params) {
  mount(view, html`<${Compose} params=${params} />`);
}
