package teams

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// Workflow is a parsed flow URL.
type Workflow struct {
	ID  string // the flow's id
	URL string // the URL to POST to, as given (its query holds the signature)
}

var (
	// invokePath ends every trigger URL: Logic Apps'
	// /workflows/{id}/triggers/{trigger}/paths/invoke, also under Power
	// Platform's /powerautomate/automations/direct[/cu/NN].
	invokePath = regexp.MustCompile(`/workflows/([A-Za-z0-9]{1,64})/triggers/([A-Za-z0-9_.\-]{1,80})/paths/invoke/?$`)
	// sigRE is a shared access signature: base64url of an HMAC-SHA256,
	// 43 characters.
	sigRE = regexp.MustCompile(`^[A-Za-z0-9_\-]{43}$`)
)

// ParseWorkflowURL validates a flow URL as a user pasted it, such as
// https://prod-12.westeurope.logic.azure.com:443/workflows/{id}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={43 characters}
// or https://{env}.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/{id}/triggers/manual/paths/invoke?api-version=1&…&sig=….
// Office 365 connector URLs (webhook.office.com) are refused: Microsoft
// retired them. Errors are EINVALID on the field webhook_url and never
// repeat the signature.
func (c *Connector) ParseWorkflowURL(raw string) (Workflow, error) {
	bad := func(msg string) error {
		return rythme.Invalid(rythme.FieldError{Field: "webhook_url", Message: msg})
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return Workflow{}, bad("is required (in Teams: the channel's ••• › Workflows › “Send webhook alerts to a channel”, then copy the flow's URL)")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		return Workflow{}, bad("is not a valid URL")
	}
	host := strings.ToLower(u.Hostname())
	if host == "outlook.office.com" || strings.HasSuffix(host, ".webhook.office.com") || host == "webhook.office.com" {
		return Workflow{}, bad("is an Office 365 connector (Incoming Webhook) URL, which Microsoft retired: create a Workflow " +
			"(“Send webhook alerts to a channel”) in the channel and paste its URL")
	}
	if !c.hostAllowed(u) {
		return Workflow{}, bad("must be a Power Automate or Logic Apps workflow URL (…logic.azure.com/workflows/… or …api.powerplatform.com/…)")
	}
	m := invokePath.FindStringSubmatch(u.EscapedPath())
	if m == nil {
		return Workflow{}, bad("is not a workflow trigger URL (…/workflows/{id}/triggers/manual/paths/invoke?…)")
	}
	q := u.Query()
	if q.Get("api-version") == "" || !sigRE.MatchString(q.Get("sig")) {
		return Workflow{}, bad("lacks its api-version or a valid sig: copy the whole URL")
	}
	return Workflow{ID: m[1], URL: u.String()}, nil
}

func (c *Connector) hostAllowed(u *url.URL) bool {
	host := strings.ToLower(u.Hostname())
	if strings.EqualFold(u.Scheme, "https") && (u.Port() == "" || u.Port() == "443") {
		for _, suffix := range c.cfg.Hosts {
			if strings.HasSuffix(host, strings.ToLower(suffix)) && len(host) > len(suffix) {
				return true
			}
		}
	}
	if c.cfg.Base == "" {
		return false
	}
	b, err := url.Parse(c.cfg.Base)
	return err == nil && strings.EqualFold(u.Scheme, b.Scheme) && strings.EqualFold(u.Host, b.Host) &&
		strings.HasPrefix(u.EscapedPath(), b.EscapedPath()+"/")
}

// channelPath is /l/channel/{thread id}/{channel name}.
var channelPath = regexp.MustCompile(`/l/channel/([^/]+)/([^/]+)$`)

// ParseChannelURL validates a link to a channel (Teams › channel › ••• ›
// Get link to channel) and returns it and the channel's name. EINVALID
// on the field channel_url.
func (c *Connector) ParseChannelURL(raw string) (link, name string, err error) {
	bad := func(msg string) error {
		return rythme.Invalid(rythme.FieldError{Field: "channel_url", Message: msg})
	}
	u, perr := url.Parse(strings.TrimSpace(raw))
	if perr != nil || u.Host == "" || u.User != nil {
		return "", "", bad("is not a valid URL")
	}
	allowed := false
	for _, h := range c.cfg.ChannelHosts {
		allowed = allowed || (strings.EqualFold(u.Scheme, "https") && strings.EqualFold(u.Hostname(), h))
	}
	if b, berr := url.Parse(c.cfg.Base); c.cfg.Base != "" && berr == nil && strings.EqualFold(u.Host, b.Host) && strings.EqualFold(u.Scheme, b.Scheme) {
		allowed = true
	}
	m := channelPath.FindStringSubmatch(u.EscapedPath())
	if !allowed || m == nil {
		return "", "", bad("must be a link to a Teams channel (https://teams.microsoft.com/l/channel/…)")
	}
	name, perr = url.PathUnescape(m[2])
	if perr != nil || strings.TrimSpace(name) == "" {
		return "", "", bad("has no channel name")
	}
	return u.String(), name, nil
}

// Connect validates the flow URL (and the optional channel link) and
// returns the account; it sends nothing (see the package comment). The
// credentials kept are the flow URL.
func (c *Connector) Connect(_ context.Context, p connectors.ConnectParams, _ *http.Client) (*connectors.Identity, rythme.Token, error) {
	wf, err := c.ParseWorkflowURL(p["webhook_url"])
	if err != nil {
		return nil, rythme.Token{}, err
	}
	u, _ := url.Parse(wf.URL)
	id := &connectors.Identity{ExternalID: wf.ID, Username: "workflow-" + wf.ID[:min(8, len(wf.ID))],
		InstanceURL: u.Scheme + "://" + u.Host, Meta: map[string]string{MetaWorkflowID: wf.ID}}
	if raw := strings.TrimSpace(p["channel_url"]); raw != "" {
		link, name, err := c.ParseChannelURL(raw)
		if err != nil {
			return nil, rythme.Token{}, err
		}
		id.Username, id.DisplayName, id.ProfileURL = name, name, link
		id.Meta[MetaChannelURL] = link
	}
	return id, rythme.Token{AccessToken: wf.URL, TokenType: "webhook"}, nil
}
