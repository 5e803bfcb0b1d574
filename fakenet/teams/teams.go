// Package teams is fakenet's Microsoft Teams.
//
// Microsoft Teams through Workflows, under the prefix /teams: a Power
// Automate flow started by "When a Teams webhook request is received"
// whose "Post card in a chat or channel" action posts the first
// attachment's Adaptive Card
// (https://learn.microsoft.com/connectors/teams/#microsoft-teams-webhook).
// The trigger is a Logic Apps request trigger
// (https://learn.microsoft.com/azure/logic-apps/logic-apps-http-endpoint):
// POST /workflows/{id}/triggers/manual/paths/invoke?api-version=…&sp=…&sv=1.0&sig=…
// answers 202 Accepted with no body, and refuses in the Logic Apps error
// shape {"error":{"code","message"}}: 401 for a missing or wrong sig, 404
// for a deleted flow, 400 for a body that is not JSON.
//
// Flows are made out of band, as a user does in a channel's Workflows
// menu: POST /teams/fakenet/workflows?user=alice (or Workflow, which is
// fakenet.Server.TeamsWorkflow) returns the webhook URL and a link to the
// channel.
//
// One deliberate difference: Teams refuses a message over about 28 KB
// inside the flow, after the trigger has answered 202 (the run fails
// with "Request Entity too large"); the simulator answers 413 at once so
// that tests can see the refusal. rythme validates the size first.
package teams

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/rythmehq/rythme/fakenet/sim"
)

const (
	teamsName = "teams"
	// teamsMaxBody is the ~28 KB message limit of the Teams connector
	// (https://learn.microsoft.com/connectors/teams/#known-issues-and-limitations-with-actions).
	teamsMaxBody = 28 * 1024
)

type teams struct {
	s *sim.Server

	mu    sync.Mutex
	flows map[string]*tFlow
	runs  map[string]*tRun
	seq   int64
}

type tFlow struct {
	id, sig, user, thread string
}

type tRun struct {
	id      string
	flow    *tFlow
	created time.Time
	deleted bool
}

// New builds the simulated Microsoft Teams on s.
func New(s *sim.Server) sim.Network {
	t := &teams{s: s}
	t.Reset()
	return t
}

func (t *teams) Name() string { return teamsName }

func (t *teams) Reset() {
	t.mu.Lock()
	t.flows = map[string]*tFlow{}
	t.runs = map[string]*tRun{}
	t.seq = 0
	t.mu.Unlock()
}

func teamsErr(code, msg string) map[string]any {
	return map[string]any{"error": map[string]string{"code": code, "message": msg}}
}

func (t *teams) ErrorBody(msg string) []byte {
	b, _ := json.Marshal(teamsErr(strings.ReplaceAll(msg, " ", ""), msg))
	return b
}

func (t *teams) NotFound(w http.ResponseWriter, r *http.Request) {
	sim.WriteJSON(w, http.StatusNotFound, teamsErr("NotFound", "The requested resource '"+r.URL.Path+"' was not found."))
}

var teamsInvokePath = regexp.MustCompile(`^/workflows/([A-Za-z0-9]+)/triggers/manual/paths/invoke$`)

func (t *teams) Route(method, path string) (op, pattern string, h http.HandlerFunc) {
	if path == "/fakenet/workflows" && method == http.MethodPost {
		return "create_workflow", path, t.createWorkflow
	}
	if m := teamsInvokePath.FindStringSubmatch(path); m != nil && method == http.MethodPost {
		return "publish", "/workflows/:id/triggers/manual/paths/invoke", func(w http.ResponseWriter, r *http.Request) { t.invoke(w, r, m[1]) }
	}
	return "", "", nil
}

// Workflow creates a "Send webhook alerts to a channel" flow for
// user's channel on the simulator reachable at base and returns its
// webhook URL and the channel's link (as Teams' "Get link to channel"
// gives it, the channel named after the user).
func Workflow(s *sim.Server, base, user string) (webhookURL, channelURL string) {
	t := s.Network(teamsName).(*teams)
	return t.urls(strings.TrimSuffix(base, "/"), t.newFlow(user))
}

func (t *teams) newFlow(user string) *tFlow {
	if user == "" {
		user = "alice"
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq++
	f := &tFlow{id: fmt.Sprintf("%016x%016x", sim.Mix(t.s.Config().Seed, teamsName, user), t.seq), sig: sim.RandomToken(), user: user,
		thread: fmt.Sprintf("19:%x@thread.tacv2", sim.Mix(t.s.Config().Seed, teamsName, "channel", user))}
	t.flows[f.id] = f
	return f
}

func (t *teams) urls(base string, f *tFlow) (webhookURL, channelURL string) {
	// The query in the order Logic Apps writes it, the signature last.
	webhookURL = base + "/" + teamsName + "/workflows/" + f.id +
		"/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + f.sig
	cq := url.Values{"groupId": {fmt.Sprintf("%x", sim.Mix(t.s.Config().Seed, teamsName, "group", f.user))}, "tenantId": {"fakenet"}}
	channelURL = base + "/" + teamsName + "/l/channel/" + url.PathEscape(f.thread) + "/" + url.PathEscape(f.user) + "?" + cq.Encode()
	return webhookURL, channelURL
}

// createWorkflow is POST /teams/fakenet/workflows?user=alice.
func (t *teams) createWorkflow(w http.ResponseWriter, r *http.Request) {
	f := t.newFlow(r.URL.Query().Get("user"))
	hook, channel := t.urls(sim.RequestBase(r), f)
	sim.WriteJSON(w, http.StatusOK, map[string]string{"workflow_id": f.id, "webhook_url": hook, "channel_url": channel})
}

// teamsCard is the part of the webhook body the flow reads: the first
// attachment's Adaptive Card.
type teamsCard struct {
	Type        string `json:"type"`
	Attachments []struct {
		ContentType string `json:"contentType"`
		Content     struct {
			Type string `json:"type"`
			Body []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"body"`
		} `json:"content"`
	} `json:"attachments"`
}

// invoke is the flow's trigger.
func (t *teams) invoke(w http.ResponseWriter, r *http.Request, id string) {
	t.mu.Lock()
	f, ok := t.flows[id]
	t.mu.Unlock()
	sig := r.URL.Query().Get("sig")
	switch {
	case !ok:
		sim.WriteJSON(w, http.StatusNotFound, teamsErr("WorkflowNotFound", "The workflow '"+id+"' could not be found."))
		return
	case sig == "":
		sim.WriteJSON(w, http.StatusUnauthorized, teamsErr("DirectApiAuthorizationRequired",
			"The request must be authenticated only by Shared Access scheme."))
		return
	case subtle.ConstantTimeCompare([]byte(sig), []byte(f.sig)) != 1:
		sim.WriteJSON(w, http.StatusUnauthorized, teamsErr("DirectApiInvalidAuthorizationSignature", "The provided authorization signature is not valid."))
		return
	}
	now := t.s.Config().Now()
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	rec := sim.Post{Network: teamsName, Account: f.user, ReceivedAt: now}
	var card teamsCard
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "application/json" || json.Unmarshal(body, &card) != nil {
		rec.Error = "The request content is not valid JSON."
		t.s.Record(rec)
		sim.WriteJSON(w, http.StatusBadRequest, teamsErr("InvalidRequestContent", rec.Error))
		return
	}
	var texts []string
	adaptive := false
	for _, a := range card.Attachments {
		if a.ContentType == "application/vnd.microsoft.card.adaptive" && a.Content.Type == "AdaptiveCard" {
			adaptive = true
			for _, b := range a.Content.Body {
				if b.Type == "TextBlock" {
					texts = append(texts, b.Text)
				}
			}
			break
		}
	}
	rec.Text = strings.Join(texts, "\n\n")
	if len(body) > teamsMaxBody {
		rec.Error = fmt.Sprintf("The message is %d bytes; Teams takes at most %d (28 KB).", len(body), teamsMaxBody)
		t.s.Record(rec)
		sim.WriteJSON(w, http.StatusRequestEntityTooLarge, teamsErr("RequestEntityTooLarge", rec.Error))
		return
	}
	t.mu.Lock()
	t.seq++
	run := &tRun{id: fmt.Sprintf("08584%015d%06dCU%02d", now.Unix(), t.seq%1e6, t.seq%100), flow: f, created: now}
	tracking := r.Header.Get("x-ms-client-tracking-id")
	if tracking == "" {
		tracking = run.id
	}
	if adaptive {
		t.runs[tracking] = run
	}
	t.mu.Unlock()
	h := w.Header()
	h.Set("x-ms-workflow-run-id", run.id)
	h.Set("x-ms-correlation-id", fmt.Sprintf("%x", sim.Mix(t.s.Config().Seed, teamsName, run.id)))
	h.Set("x-ms-client-tracking-id", tracking)
	h.Set("x-ms-trigger-history-name", run.id)
	h.Set("x-ms-workflow-id", f.id)
	if !adaptive {
		// The trigger accepts it; the flow's Post card action then fails.
		rec.Error = "the flow found no Adaptive Card in attachments"
		t.s.Record(rec)
	} else {
		rec.ID, rec.Created = tracking, true
		t.s.Record(rec)
	}
	w.WriteHeader(http.StatusAccepted)
}

// revoke deletes every flow of user (every user when empty): the webhook
// then answers 404 WorkflowNotFound.
func (t *teams) Revoke(user string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for id, f := range t.flows {
		if user == "" || f.user == user {
			delete(t.flows, id)
			n++
		}
	}
	return n
}

// deletePost deletes the message of a run, by the id recorded (the
// client tracking id, or the run id).
func (t *teams) DeletePost(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.runs[id]
	if !ok || r.deleted {
		return false
	}
	r.deleted = true
	return true
}
