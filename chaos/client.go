package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client speaks rythme's HTTP API with an API token, as any program
// would. It never follows redirects (the OAuth flow inspects them).
type Client struct {
	Base  string
	Token string
	HTTP  *http.Client
}

// NewClient returns a client of the API at base.
func NewClient(base, token string) *Client {
	return &Client{Base: strings.TrimRight(base, "/"), Token: token, HTTP: &http.Client{Timeout: 15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// APIError is an answer outside 2xx, with the API's error shape
// ({"error":{"code","message"}}) decoded when it has it.
type APIError struct {
	Method, Path string
	Status       int
	Code         string
	Message      string
	Body         string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, e.Body)
}

// ErrorBody is the API's one error shape.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// exchange sends body (JSON, when not nil) to target with header and
// returns the answer's status and body.
func exchange(ctx context.Context, hc *http.Client, method, target string, header map[string]string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("read answer: %w", err)
	}
	return resp.StatusCode, b, nil
}

// Do sends body as JSON and decodes a 2xx answer into out (when not nil).
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	status, b, err := exchange(ctx, c.HTTP, method, c.Base+path,
		map[string]string{"Authorization": "Bearer " + c.Token, "Accept": "application/json"}, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if status/100 != 2 {
		e := &APIError{Method: method, Path: path, Status: status, Body: string(b)}
		var eb ErrorBody
		if json.Unmarshal(b, &eb) == nil {
			e.Code, e.Message = eb.Error.Code, eb.Error.Message
		}
		return e
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decode %.200s: %w", method, path, b, err)
		}
	}
	return nil
}

// Account is a connected account as the API shows it.
type Account struct {
	ID          string            `json:"id"`
	Network     string            `json:"network"`
	InstanceURL string            `json:"instance_url"`
	Username    string            `json:"username"`
	Status      string            `json:"status"`
	Meta        map[string]string `json:"meta"`
}

// Target is one account's copy of a post.
type Target struct {
	ID          string     `json:"id"`
	AccountID   string     `json:"account_id"`
	Network     string     `json:"network"`
	Status      string     `json:"status"`
	Version     int        `json:"version"`
	ScheduledAt time.Time  `json:"scheduled_at"`
	ExternalID  string     `json:"external_id"`
	URL         string     `json:"url"`
	LastError   string     `json:"last_error"`
	Attempts    int        `json:"attempts"`
	PublishedAt *time.Time `json:"published_at"`
}

// Post is a post with its targets.
type Post struct {
	ID          string    `json:"id"`
	Content     string    `json:"content"`
	Status      string    `json:"status"`
	ScheduledAt time.Time `json:"scheduled_at"`
	Targets     []Target  `json:"targets"`
	// Origin is "imported" for an account's earlier post read from the
	// network when it connected (fakenet's users have history): not
	// rythme's to publish, so not the suite's to count.
	Origin string `json:"origin"`
}

// Connect connects the fakenet user's Mastodon account on the instance
// through the real OAuth flow: POST /v1/accounts/mastodon/connect, the
// authorize URL (fakenet approves at once and redirects), then the API's
// callback. Connecting the same user again reconnects the account.
func (c *Client) Connect(ctx context.Context, instanceURL, user string) (Account, error) {
	var connect struct {
		AuthorizeURL string `json:"authorize_url"`
		Binding      string `json:"binding"`
	}
	if err := c.Do(ctx, "POST", "/v1/accounts/mastodon/connect", map[string]string{"instance_url": instanceURL}, &connect); err != nil {
		return Account{}, err
	}
	req, err := http.NewRequestWithContext(ctx, "GET", connect.AuthorizeURL+"&fakenet_user="+url.QueryEscape(user), nil)
	if err != nil {
		return Account{}, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return Account{}, fmt.Errorf("authorize: %w", err)
	}
	resp.Body.Close()
	callback := resp.Header.Get("Location")
	if !strings.HasPrefix(callback, c.Base+"/v1/oauth/mastodon/callback?") {
		return Account{}, fmt.Errorf("authorize redirected to %q (%d), want the API's callback", callback, resp.StatusCode)
	}
	req, err = http.NewRequestWithContext(ctx, "GET", callback, nil)
	if err != nil {
		return Account{}, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Rythme-OAuth-Binding", connect.Binding) // the connect call's binding (a browser has it as a cookie)
	resp, err = c.HTTP.Do(req)
	if err != nil {
		return Account{}, fmt.Errorf("callback: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out struct {
		Account Account `json:"account"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil || out.Account.ID == "" {
		return Account{}, fmt.Errorf("callback = %d %.300s", resp.StatusCode, b)
	}
	return out.Account, nil
}

// Accounts lists the workspace's accounts.
func (c *Client) Accounts(ctx context.Context) ([]Account, error) {
	var out struct {
		Data []Account `json:"data"`
	}
	err := c.Do(ctx, "GET", "/v1/accounts", nil, &out)
	return out.Data, err
}

// CreatePost schedules content on one account at at.
func (c *Client) CreatePost(ctx context.Context, content string, at time.Time, accountID string) (Post, error) {
	var p Post
	err := c.Do(ctx, "POST", "/v1/posts", map[string]any{"content": content, "scheduled_at": at.UTC().Format(time.RFC3339Nano),
		"targets": []map[string]string{{"account_id": accountID}}, "tags": []string{"chaos"}, "author": "chaos"}, &p)
	return p, err
}

// ListPosts lists every post made in rythme, page by page (status: only
// posts with a target in that status; empty: all); imported posts are left
// out.
func (c *Client) ListPosts(ctx context.Context, status string) ([]Post, error) {
	var all []Post
	cursor := ""
	for {
		q := url.Values{"limit": {"200"}}
		if status != "" {
			q.Set("status", status)
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page struct {
			Data       []Post `json:"data"`
			NextCursor string `json:"next_cursor"`
		}
		if err := c.Do(ctx, "GET", "/v1/posts?"+q.Encode(), nil, &page); err != nil {
			return nil, err
		}
		for _, p := range page.Data {
			if p.Origin != "imported" {
				all = append(all, p)
			}
		}
		if page.NextCursor == "" {
			return all, nil
		}
		cursor = page.NextCursor
	}
}
