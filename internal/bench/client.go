package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// benchClient speaks to the API over HTTP, as a team's tool would.
type benchClient struct {
	base, token string
	http        *http.Client
}

func (c *benchClient) do(ctx context.Context, method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (c *benchClient) waitReady(ctx context.Context) error {
	for i := 0; i < 100; i++ {
		if err := c.do(ctx, http.MethodGet, "/readyz", nil, nil); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("the API did not become ready")
}

// connect runs a network's OAuth flow on fakenet through the API, as the
// fakenet user named user, with the connect parameters params (Mastodon's
// instance_url); it returns the connected account's id.
func (c *benchClient) connect(ctx context.Context, network string, params map[string]string, user string) (string, error) {
	var start struct {
		AuthorizeURL string `json:"authorize_url"`
		Binding      string `json:"binding"`
	}
	if err := c.do(ctx, http.MethodPost, "/v1/accounts/"+network+"/connect", params, &start); err != nil {
		return "", err
	}
	resp, err := c.http.Get(start.AuthorizeURL + "&fakenet_user=" + url.QueryEscape(user))
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if loc == "" {
		return "", fmt.Errorf("authorize answered %d without a redirect", resp.StatusCode)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Rythme-OAuth-Binding", start.Binding)
	resp, err = c.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		Account struct {
			ID string `json:"id"`
		} `json:"account"`
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil || out.Account.ID == "" {
		return "", fmt.Errorf("callback: %d %s", resp.StatusCode, b)
	}
	return out.Account.ID, nil
}

func (c *benchClient) createPost(ctx context.Context, text string, at time.Time, account string) (string, error) {
	var out struct {
		Targets []struct {
			ID string `json:"id"`
		} `json:"targets"`
	}
	body := map[string]any{"content": text, "scheduled_at": at.UTC().Format(time.RFC3339Nano),
		"targets": []map[string]string{{"account_id": account}}}
	if err := c.do(ctx, http.MethodPost, "/v1/posts", body, &out); err != nil {
		return "", err
	}
	if len(out.Targets) != 1 {
		return "", errors.New("create post: no target in the answer")
	}
	return out.Targets[0].ID, nil
}

func (c *benchClient) createPostNow(ctx context.Context, text, account string) (string, error) {
	body := map[string]any{"content": text, "scheduled_at": "now", "targets": []map[string]string{{"account_id": account}}}
	var out struct {
		ID string `json:"id"`
	}
	err := c.do(ctx, http.MethodPost, "/v1/posts", body, &out)
	return out.ID, err
}
