// The workspace's moderation rules, on the inbox page (#/inbox): words, a
// phrase, a regular expression or links that flag a new item, or hide it
// in the inbox, as it arrives (GET, POST /v1/moderation-rules, DELETE
// /v1/moderation-rules/{id}). They live beside the items they act on: a
// manager who sees spam arrive adds the rule there, and each item's
// history names the rule that flagged or hid it. Everyone reads them; a
// manager adds and deletes them (the API refuses anyone else). The API's
// field errors (a regular expression that does not compile among them)
// show next to their field.

import { html, Component, fieldMessages, FieldError } from "./ui.js";
import { request } from "./api.js";

// KINDS says each kind of rule in words, and how its terms are asked for.
const KINDS = {
  words: { title: "Words", label: "Words, one a line", hint: "Any of them as a whole word, whatever the case.", many: true },
  phrase: { title: "Phrase", label: "Phrase", hint: "Anywhere in the text, whatever the case.", many: false },
  regex: { title: "Regular expression", label: "Regular expression", hint: "RE2 syntax, whatever the case, such as free\\s+followers.", many: false },
  links: { title: "Links", label: "Domains, one a line", hint: "Empty: any link; otherwise a link to one of these domains (example.com).", many: true },
};
const ACTIONS = { flag: "Flag it for the team", hide: "Flag it and hide it in the inbox" };
const EMPTY = { name: "", kind: "words", terms: "", action: "flag" };

// terms reads the terms field as the API takes them: one a line (or
// comma) for words and domains, the whole text for a phrase or a regular
// expression.
function terms(kind, text) {
  if (KINDS[kind] && KINDS[kind].many) return text.split(/[\n,]/).map((t) => t.trim()).filter(Boolean);
  return text.trim() ? [text.trim()] : [];
}

// fieldOf names the form field an API field error is about ("terms[0]"
// is the terms field).
const fieldOf = (f) => (f.startsWith("terms") ? "terms" : f);

export class Rules extends Component {
  constructor(props) {
    super(props);
    this.state = { list: null, error: null, busy: false, form: { ...EMPTY }, fields: {}, note: "" };
  }

  componentDidMount() {
    this.load();
  }

  async load() {
    try {
      const res = await request("/v1/moderation-rules");
      this.setState({ list: res.data || [], error: null });
    } catch (err) {
      this.setState({ list: [], error: err });
    }
  }

  set(k, v) {
    this.setState({ form: { ...this.state.form, [k]: v } });
  }

  async add(ev) {
    ev.preventDefault();
    const f = this.state.form;
    this.setState({ busy: true, error: null, fields: {}, note: "" });
    try {
      const r = await request("/v1/moderation-rules", { method: "POST", body: { name: f.name.trim(), kind: f.kind, terms: terms(f.kind, f.terms), action: f.action } });
      this.setState({ busy: false, form: { ...EMPTY }, note: "Rule " + r.name + " added: it applies to what arrives from now on." });
      await this.load();
    } catch (err) {
      const fields = {};
      for (const [k, msgs] of Object.entries(fieldMessages(err))) if (k) (fields[fieldOf(k)] = fields[fieldOf(k)] || []).push(...msgs);
      // The message goes on its own only when no field says it.
      this.setState({ busy: false, fields, error: Object.keys(fields).length ? null : err });
    }
  }

  async remove(r) {
    this.setState({ busy: true, error: null, note: "" });
    try {
      await request("/v1/moderation-rules/" + encodeURIComponent(r.id), { method: "DELETE" });
      this.setState({ busy: false, note: "Rule " + r.name + " deleted: what it did stays in the items' history." });
      await this.load();
    } catch (err) {
      this.setState({ busy: false, error: err });
    }
  }

  // input draws one field with its label and the API's messages for it.
  input(name, label, control) {
    const msgs = this.state.fields[name];
    return html`<div class="rule-field">
      <label for=${"rule-" + name}>${label}</label>
      ${control(msgs ? { "aria-invalid": "true", "aria-describedby": "rule-" + name + "-error" } : {})}
      <${FieldError} id=${"rule-" + name + "-error"} messages=${msgs} />
    </div>`;
  }

  render() {
    const { list, error, busy, form, note } = this.state;
    const manager = this.props.manager;
    const kind = KINDS[form.kind] || KINDS.words;
    return html`<details class="inbox-rules" id="inbox-rules">
      <summary>Moderation rules${list ? html` <span class="hint">(${list.length})</span>` : null}</summary>
      <p class="hint">Each new comment or mention is checked against them as it arrives: a match flags it, a hide rule also hides it in the inbox. Its history names the rule.</p>
      ${list && list.length ? html`<ul class="settings-list" id="rules">${list.map((r) => html`<li key=${r.id} data-rule-id=${r.id}>
        <strong>${r.name}</strong>
        <span class="hint">${(KINDS[r.kind] || { title: r.kind }).title}${r.terms.length ? ": " + r.terms.join(", ") : ": any link"} · ${r.action === "hide" ? "flags and hides" : "flags"}</span>
        ${manager ? html`<button type="button" class="linkish delete-rule" disabled=${busy} onClick=${() => this.remove(r)}>Delete<span class="visually-hidden"> the rule ${r.name}</span></button>` : null}
      </li>`)}</ul>` : list ? html`<p class="hint" id="no-rules">No rule yet.</p>` : html`<p class="hint">Loading…</p>`}
      ${note ? html`<p class="ok-note" role="status">${note}</p>` : null}
      ${error ? html`<p class="error" role="alert">${error.message}</p>` : null}
      ${manager ? html`<form id="rule-create" class="rule-form" onSubmit=${(e) => this.add(e)} noValidate>
        <h3>Add a rule</h3>
        ${this.input("name", "Name", (a) => html`<input id="rule-name" required maxlength="100" value=${form.name} onInput=${(e) => this.set("name", e.currentTarget.value)} ...${a} />`)}
        ${this.input("kind", "Looks for", (a) => html`<select id="rule-kind" value=${form.kind} onChange=${(e) => this.set("kind", e.currentTarget.value)} ...${a}>
          ${Object.entries(KINDS).map(([k, v]) => html`<option value=${k}>${v.title}</option>`)}
        </select>`)}
        ${this.input("terms", kind.label, (a) => kind.many
          ? html`<textarea id="rule-terms" rows="3" value=${form.terms} aria-describedby=${a["aria-describedby"] || "rule-terms-hint"} aria-invalid=${a["aria-invalid"]}
              onInput=${(e) => this.set("terms", e.currentTarget.value)}></textarea>`
          : html`<input id="rule-terms" value=${form.terms} aria-describedby=${a["aria-describedby"] || "rule-terms-hint"} aria-invalid=${a["aria-invalid"]}
              onInput=${(e) => this.set("terms", e.currentTarget.value)} />`)}
        <p class="hint" id="rule-terms-hint">${kind.hint}</p>
        ${this.input("action", "Then", (a) => html`<select id="rule-action" value=${form.action} onChange=${(e) => this.set("action", e.currentTarget.value)} ...${a}>
          ${Object.entries(ACTIONS).map(([k, v]) => html`<option value=${k}>${v}</option>`)}
        </select>`)}
        <button type="submit" disabled=${busy}>Add the rule</button>
      </form>` : html`<p class="hint">Only a manager adds or deletes rules.</p>`}
    </details>`;
  }
}
