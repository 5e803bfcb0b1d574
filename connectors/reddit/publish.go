package reddit

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// Length counts as Reddit does: Unicode code points.
func Length(text string) int { return utf8.RuneCountInString(text) }

// Validate checks text against Reddit's limit on a text post's body.
func (c *Connector) Validate(text string) []string {
	if strings.TrimSpace(text) == "" {
		return []string{"is empty; Reddit needs at least a title"}
	}
	if n := Length(text); n > MaxSelfText {
		return []string{fmt.Sprintf("is %d characters long; Reddit allows %d in a text post", n, MaxSelfText)}
	}
	return nil
}

// TitleAndBody splits a post into Reddit's title and body: the title given,
// with the whole text as body; else the first non-blank line as title and
// the rest as body. A first line longer than MaxTitle is cut at a word
// (with "…") and the whole text becomes the body.
func TitleAndBody(title, text string) (string, string) {
	if t := strings.TrimSpace(title); t != "" {
		return t, text
	}
	rest := strings.TrimLeft(text, " \t\r\n")
	first, body, _ := strings.Cut(rest, "\n")
	first = strings.TrimSpace(first)
	if Length(first) <= MaxTitle {
		return first, strings.TrimLeft(body, "\r\n")
	}
	runes := []rune(first)[:MaxTitle-1]
	cut := len(runes)
	for i := len(runes) - 1; i > MaxTitle/2; i-- {
		if unicode.IsSpace(runes[i]) {
			cut = i
			break
		}
	}
	return strings.TrimSpace(string(runes[:cut])) + "…", rest
}

// subreddit returns where to post: Options["subreddit"] or the profile.
func subreddit(acct *rythme.Account, opts map[string]string) (string, error) {
	sr := strings.TrimSpace(opts["subreddit"])
	for _, p := range []string{"/r/", "r/", "/"} {
		sr = strings.TrimPrefix(sr, p)
	}
	sr = strings.TrimSuffix(sr, "/")
	if sr != "" {
		return sr, nil
	}
	if acct == nil || acct.Username == "" {
		return "", connectors.Errorf(connectors.Permanent, "no subreddit given and the account has no username")
	}
	return "u_" + acct.Username, nil
}

// Publish submits a post with POST /api/submit (api_type=json,
// https://www.reddit.com/dev/api#POST_api_submit). Reddit answers 200 even
// when it refuses: the errors inside its JSON become Permanent errors
// (SUBREDDIT_NOEXIST, NO_TEXT, TOO_LONG…), or RateLimited for RATELIMIT
// ("you are doing that too much. try again in 9 minutes."), whose wait is
// read from the text.
func (c *Connector) Publish(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
	if req.InReplyTo != "" {
		return c.replyTo(ctx, client, req)
	}
	sr, err := subreddit(acct, req.Options)
	if err != nil {
		return nil, err
	}
	title, body := TitleAndBody(req.Title, req.Text)
	form := url.Values{"api_type": {"json"}, "sr": {sr}, "title": {title}, "resubmit": {"true"}, "sendreplies": {"true"}}
	if link := strings.TrimSpace(req.Options["url"]); link != "" {
		form.Set("kind", "link")
		form.Set("url", link)
	} else {
		form.Set("kind", "self")
		form.Set("text", body)
	}
	for _, k := range []string{"nsfw", "spoiler"} {
		if req.Options[k] == "true" {
			form.Set(k, "true")
		}
	}
	if f := req.Options["flair_id"]; f != "" {
		form.Set("flair_id", f)
	}
	hr, err := c.newRequest(ctx, http.MethodPost, c.cfg.BaseURL+"/api/submit", form)
	if err != nil {
		return nil, err
	}
	var out struct {
		JSON struct {
			Errors [][]any `json:"errors"`
			Data   struct {
				ID   string `json:"id"`
				Name string `json:"name"`
				URL  string `json:"url"`
			} `json:"data"`
		} `json:"json"`
	}
	if err := c.doJSON(client, hr, &out); err != nil {
		if e, ok := connectors.AsError(err); ok && e.Kind == connectors.Retryable && e.Status/100 == 2 {
			// Reddit said yes but its answer could not be read.
			e.Kind = connectors.Unknown
		}
		return nil, err
	}
	if len(out.JSON.Errors) > 0 {
		return nil, submitError(out.JSON.Errors)
	}
	name := out.JSON.Data.Name
	if name == "" && out.JSON.Data.ID != "" {
		name = "t3_" + out.JSON.Data.ID
	}
	if name == "" {
		return nil, &connectors.Error{Kind: connectors.Unknown, Status: http.StatusOK, Message: "Reddit accepted the post but named no post"}
	}
	return &connectors.Published{ExternalID: name, URL: out.JSON.Data.URL}, nil
}

var rateLimitRE = regexp.MustCompile(`(?i)(\d+)\s*(millisecond|second|minute|hour)s?`)

// submitError turns json.errors ([code, message, field] triples) into an
// error: RATELIMIT is RateLimited with the wait Reddit names, anything
// else Permanent with Reddit's words.
func submitError(errs [][]any) *connectors.Error {
	var parts []string
	code := ""
	for i, e := range errs {
		s := make([]string, 0, 3)
		for _, v := range e {
			if str, ok := v.(string); ok && str != "" {
				s = append(s, str)
			}
		}
		if len(s) == 0 {
			continue
		}
		if i == 0 {
			code = s[0]
		}
		msg := s[0]
		if len(s) > 1 {
			msg += ": " + s[1]
		}
		if len(s) > 2 {
			msg += " (" + s[2] + ")"
		}
		parts = append(parts, msg)
	}
	ce := &connectors.Error{Kind: connectors.Permanent, Status: http.StatusOK, Message: strings.Join(parts, "; ")}
	if ce.Message == "" {
		ce.Message = "Reddit refused the post"
	}
	if code == "RATELIMIT" {
		ce.Kind = connectors.RateLimited
		ce.RetryAfter = time.Minute
		if m := rateLimitRE.FindStringSubmatch(ce.Message); m != nil {
			n, _ := strconv.Atoi(m[1])
			unit := map[string]time.Duration{"millisecond": time.Millisecond, "second": time.Second, "minute": time.Minute, "hour": time.Hour}[strings.ToLower(m[2])]
			ce.RetryAfter = min(time.Duration(n)*unit, time.Hour)
		}
	}
	return ce
}

// FetchMetrics reads posts with GET /api/info?id=t3_a,t3_b… in batches of
// 100 (https://www.reddit.com/dev/api#GET_api_info). Likes are the score
// (upvotes minus downvotes: Reddit gives no separate upvote count),
// comments num_comments. A post Reddit does not list, or lists as removed
// or deleted (removed_by_category set, or author "[deleted]"), is Deleted.
func (c *Connector) FetchMetrics(ctx context.Context, acct *rythme.Account, client *http.Client, externalIDs []string) ([]rythme.Metrics, error) {
	var ids []string
	seen := map[string]bool{}
	for _, id := range externalIDs {
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	type thing struct {
		Name        string  `json:"name"`
		Score       int64   `json:"score"`
		NumComments int64   `json:"num_comments"`
		Author      string  `json:"author"`
		RemovedBy   *string `json:"removed_by_category"`
	}
	found := map[string]thing{}
	for start := 0; start < len(ids); start += MaxInfoIDs {
		chunk := ids[start:min(start+MaxInfoIDs, len(ids))]
		req, err := c.newRequest(ctx, http.MethodGet, c.cfg.BaseURL+"/api/info?raw_json=1&id="+url.QueryEscape(strings.Join(chunk, ",")), nil)
		if err != nil {
			return nil, err
		}
		var listing struct {
			Data struct {
				Children []struct {
					Kind string `json:"kind"`
					Data thing  `json:"data"`
				} `json:"children"`
			} `json:"data"`
		}
		if err := c.doJSON(client, req, &listing); err != nil {
			return nil, err
		}
		for _, ch := range listing.Data.Children {
			found[ch.Data.Name] = ch.Data
		}
	}
	at := c.cfg.Now().UTC()
	out := make([]rythme.Metrics, 0, len(ids))
	for _, id := range ids {
		m := rythme.Metrics{ExternalID: id, At: at}
		th, ok := found[id]
		if !ok || (th.RemovedBy != nil && *th.RemovedBy != "") || th.Author == "[deleted]" {
			m.Deleted = true
		} else {
			likes, comments := th.Score, th.NumComments
			m.Likes, m.Comments = &likes, &comments
		}
		out = append(out, m)
	}
	return out, nil
}
