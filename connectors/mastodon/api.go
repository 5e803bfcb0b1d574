package mastodon

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// maxBatch is how many ids GET /api/v1/statuses takes at once
// (DEFAULT_STATUSES_LIMIT in Mastodon's Api::V1::StatusesController).
const maxBatch = 20

// maxBody bounds a successful answer read into memory.
const maxBody = 4 << 20

// status is the part of https://docs.joinmastodon.org/entities/Status/
// rythme reads.
type status struct {
	ID              string `json:"id"`
	URL             string `json:"url"`
	URI             string `json:"uri"`
	RepliesCount    int64  `json:"replies_count"`
	ReblogsCount    int64  `json:"reblogs_count"`
	FavouritesCount int64  `json:"favourites_count"`
	Poll            *poll  `json:"poll"`
}

// poll is the part of https://docs.joinmastodon.org/entities/Poll/ rythme
// reads: votes per option, votes and voters (null when the poll is not
// multiple-choice, in older versions), whether it is over.
type poll struct {
	Expired     bool   `json:"expired"`
	VotesCount  int64  `json:"votes_count"`
	VotersCount *int64 `json:"voters_count"`
	Options     []struct {
		Title      string `json:"title"`
		VotesCount *int64 `json:"votes_count"` // null while hidden
	} `json:"options"`
}

// results turns the poll into rythme's reading of it.
func (p *poll) results() *rythme.PollResults {
	r := &rythme.PollResults{Options: make([]rythme.PollOptionResult, len(p.Options)), Votes: p.VotesCount,
		Closed: p.Expired, Voters: p.VotersCount}
	for i, o := range p.Options {
		r.Options[i].Title = o.Title
		if o.VotesCount != nil {
			r.Options[i].Votes = *o.VotesCount
		}
	}
	return r
}

// pollForm adds a poll to a status's form
// (https://docs.joinmastodon.org/methods/statuses/#create: poll[options][],
// poll[expires_in] in seconds, poll[multiple]).
func pollForm(form url.Values, p *rythme.Poll) {
	for _, o := range p.Options {
		form.Add("poll[options][]", o)
	}
	form.Set("poll[expires_in]", strconv.Itoa(p.DurationMinutes*60))
	form.Set("poll[multiple]", strconv.FormatBool(p.Multiple))
}

// errorMessage extracts Mastodon's {"error": …, "error_description": …}
// (https://docs.joinmastodon.org/entities/Error/).
func errorMessage(body []byte) string {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error == "" {
		return ""
	}
	if e.Description != "" && e.Description != e.Error {
		return e.Error + ": " + e.Description
	}
	return e.Error
}

// getJSON sends a GET and decodes a 2xx answer into out; a non-2xx answer
// is returned as an *connectors.Error.
func getJSON(ctx context.Context, client *http.Client, u string, out any) error {
	req, err := newRequest(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := connectors.Do(client, req)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return connectors.FromResponse(resp, errorMessage)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(out); err != nil {
		return &connectors.Error{Kind: connectors.Retryable, Status: resp.StatusCode, Message: "the server's answer is not the JSON Mastodon sends", Err: err}
	}
	return nil
}

// instanceOf returns the normalised instance URL of an account, as a
// Permanent error when it is not valid (it was validated at connect time).
func instanceOf(acct *rythme.Account) (string, error) {
	if acct == nil {
		return "", connectors.Errorf(connectors.Permanent, "no account")
	}
	inst, err := NormalizeInstanceURL(acct.InstanceURL)
	if err != nil {
		return "", &connectors.Error{Kind: connectors.Permanent, Message: "the account's instance URL is not valid", Err: err}
	}
	return inst, nil
}

// Identify reads the account (GET /api/v1/accounts/verify_credentials,
// https://docs.joinmastodon.org/methods/accounts/#verify_credentials) and
// what the server runs (GET /api/v2/instance, or /api/v1/instance before
// Mastodon 4.0), to know whether it honours Idempotency-Key.
func (c *Connector) Identify(ctx context.Context, p connectors.ConnectParams, client *http.Client) (*connectors.Identity, error) {
	inst, err := NormalizeInstanceURL(p["instance_url"])
	if err != nil {
		return nil, err
	}
	var acct struct {
		ID          string `json:"id"`
		Username    string `json:"username"`
		DisplayName string `json:"display_name"`
		URL         string `json:"url"`
	}
	if err := getJSON(ctx, client, inst+"/api/v1/accounts/verify_credentials", &acct); err != nil {
		return nil, err
	}
	if acct.ID == "" || acct.Username == "" {
		return nil, connectors.Errorf(connectors.Permanent, "the server's account answer has no id or username")
	}
	id := &connectors.Identity{ExternalID: acct.ID, Username: acct.Username, DisplayName: acct.DisplayName,
		ProfileURL: acct.URL, InstanceURL: inst, Meta: map[string]string{MetaIdempotency: "unknown"}}

	info, err := readInstance(ctx, client, inst)
	if err != nil {
		// The account is known; without the server's description rythme
		// just does not count on idempotency keys.
		return id, nil
	}
	software, honours, batch := classify(info.Version, info.SourceURL)
	id.Meta[MetaSoftware] = software
	id.Meta[MetaVersion] = info.Version
	id.Meta[MetaIdempotency] = honours
	if !batch {
		id.Meta[MetaStatusesBatch] = "false"
	}
	for k, v := range info.limitsMeta(c.now()) {
		id.Meta[k] = v
	}
	return id, nil
}

// classify tells the server software from GET /api/v*/instance: Mastodon
// (and its forks) honours Idempotency-Key
// (https://docs.joinmastodon.org/methods/statuses/#create); GoToSocial
// ignores it. batch is false for Mastodon before 4.3 and for GoToSocial,
// which lack GET /api/v1/statuses?id[]=.
func classify(version, sourceURL string) (software, idempotency string, batch bool) {
	v, src := strings.ToLower(version), strings.ToLower(sourceURL)
	switch {
	case strings.Contains(src, "gotosocial") || strings.Contains(v, "gotosocial"):
		// GoToSocial 0.20 answers 405 to GET /api/v1/statuses?id[]=.
		return "gotosocial", "ignored", false
	case strings.Contains(v, "compatible;"):
		// Pleroma, Akkoma and others report "x.y.z (compatible; Name …)".
		name := strings.TrimSpace(strings.TrimSuffix(v[strings.Index(v, "compatible;")+len("compatible;"):], ")"))
		if f := strings.Fields(name); len(f) > 0 {
			name = f[0]
		}
		return name, "unknown", true
	case strings.Contains(src, "mastodon") || (sourceURL == "" && mastodonVersion(v) != [2]int{}):
		mv := mastodonVersion(v)
		return "mastodon", "honoured", mv == [2]int{} || mv[0] > 4 || (mv[0] == 4 && mv[1] >= 3)
	}
	return "unknown", "unknown", true
}

// mastodonVersion parses "4.3.1", "4.2.0+glitch" into {4, 3}; zero when
// it is not a version.
func mastodonVersion(v string) [2]int {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return [2]int{}
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(strings.TrimLeft(parts[1], " "))
	if err1 != nil || err2 != nil {
		return [2]int{}
	}
	return [2]int{major, minor}
}

// Publish posts a status (POST /api/v1/statuses,
// https://docs.joinmastodon.org/methods/statuses/#create) with
// req.IdempotencyKey as its Idempotency-Key, which Mastodon keeps for an
// hour: a retry within it returns the same status. Media are uploaded
// first (POST /api/v2/media, https://docs.joinmastodon.org/methods/media/)
// and waited for while the server processes them; each part of
// req.Thread follows as a reply to the one before, with a key of its own
// (key-1, key-2…). Parts in req.Done are not sent again
// (connectors.PublishThread): the key alone does not protect a retry on a
// server that ignores it (GoToSocial) or after the hour.
func (c *Connector) Publish(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
	inst, err := instanceOf(acct)
	if err != nil {
		return nil, err
	}
	var quota time.Time
	res, err := connectors.PublishThread(ctx, req, func(ctx context.Context, i int, text string, _, prev *connectors.Part) (connectors.Part, error) {
		form := url.Values{"status": {text}}
		key := req.IdempotencyKey
		if i == 0 {
			for _, m := range req.Media {
				id, err := c.uploadMedia(ctx, client, inst, m)
				if err != nil {
					return connectors.Part{}, err
				}
				form.Add("media_ids[]", id)
			}
			if req.InReplyTo != "" {
				form.Set("in_reply_to_id", req.InReplyTo) // a reply from the inbox
			}
			if req.Poll != nil {
				pollForm(form, req.Poll)
			}
		} else {
			form.Set("in_reply_to_id", prev.ExternalID)
			if key != "" {
				key += "-" + strconv.Itoa(i)
			}
		}
		p, err := c.postStatus(ctx, client, inst, form, key)
		if err != nil {
			return connectors.Part{}, err
		}
		quota = p.QuotaResetAt
		return connectors.Part{ExternalID: p.ExternalID, URL: p.URL}, nil
	})
	if res != nil {
		res.QuotaResetAt = quota
	}
	return res, err
}

func (c *Connector) postStatus(ctx context.Context, client *http.Client, inst string, form url.Values, key string) (*connectors.Published, error) {
	body := form.Encode()
	hr, err := newRequest(ctx, http.MethodPost, inst+"/api/v1/statuses", &body)
	if err != nil {
		return nil, err
	}
	if key != "" {
		hr.Header.Set("Idempotency-Key", key)
	}
	resp, err := connectors.Do(client, hr)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, connectors.FromResponse(resp, errorMessage)
	}
	defer resp.Body.Close()
	var st status
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(&st); err != nil || st.ID == "" {
		// The server said yes, so the status probably exists: unknown.
		return nil, &connectors.Error{Kind: connectors.Unknown, Status: resp.StatusCode, Message: "the server accepted the status but its answer could not be read", Err: err}
	}
	u := st.URL
	if u == "" {
		u = st.URI
	}
	return &connectors.Published{ExternalID: st.ID, URL: u, QuotaResetAt: connectors.QuotaExhausted(resp.Header, time.Now())}, nil
}

// FetchMetrics reads statuses in batches of 20 with
// GET /api/v1/statuses?id[]= (Mastodon 4.3+,
// https://docs.joinmastodon.org/methods/statuses/#index), falling back to
// GET /api/v1/statuses/:id on older servers and for ids a batch left out;
// a 404 there means the status was deleted. Likes are favourites,
// comments replies and shares reblogs.
func (c *Connector) FetchMetrics(ctx context.Context, acct *rythme.Account, client *http.Client, externalIDs []string) ([]rythme.Metrics, error) {
	inst, err := instanceOf(acct)
	if err != nil {
		return nil, err
	}
	var ids []string
	seen := map[string]bool{}
	for _, id := range externalIDs {
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	found := map[string]status{}
	deleted := map[string]bool{}
	var single []string
	batch := acct.Meta[MetaStatusesBatch] != "false" && !c.batchMissing(inst)
	for start := 0; start < len(ids); start += maxBatch {
		chunk := ids[start:min(start+maxBatch, len(ids))]
		if batch && len(chunk) > 1 {
			q := url.Values{"id[]": chunk}
			var got []status
			err := getJSON(ctx, client, inst+"/api/v1/statuses?"+q.Encode(), &got)
			if e, ok := connectors.AsError(err); ok && (e.Status == http.StatusNotFound || e.Status == http.StatusMethodNotAllowed) {
				batch = false // a server before 4.3, or GoToSocial: remembered
				c.rememberNoBatch(inst)
			} else if err != nil {
				return nil, err
			} else {
				for _, st := range got {
					found[st.ID] = st
				}
				for _, id := range chunk {
					if _, ok := found[id]; !ok {
						single = append(single, id) // deleted, or not visible: ask for it alone
					}
				}
				continue
			}
		}
		single = append(single, chunk...)
	}
	for _, id := range single {
		var st status
		err := getJSON(ctx, client, inst+"/api/v1/statuses/"+url.PathEscape(id), &st)
		if e, ok := connectors.AsError(err); ok && e.Status == http.StatusNotFound {
			deleted[id] = true
			continue
		} else if err != nil {
			return nil, err
		}
		found[id] = st
	}
	at := c.now().UTC()
	out := make([]rythme.Metrics, 0, len(ids))
	for _, id := range ids {
		m := rythme.Metrics{ExternalID: id, At: at}
		if st, ok := found[id]; ok {
			likes, comments, shares := st.FavouritesCount, st.RepliesCount, st.ReblogsCount
			m.Likes, m.Comments, m.Shares = &likes, &comments, &shares
			if st.Poll != nil {
				m.Poll = st.Poll.results()
			}
		} else {
			m.Deleted = deleted[id]
		}
		out = append(out, m)
	}
	return out, nil
}
