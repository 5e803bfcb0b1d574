package bluesky_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/bluesky"
	"github.com/rythmehq/rythme/connectors/connectortest"
)

func TestDetectSpans(t *testing.T) {
	t.Parallel()
	span := func(text, sub, kind, value string) bluesky.Span {
		i := strings.Index(text, sub)
		return bluesky.Span{Start: i, End: i + len(sub), Kind: kind, Value: value}
	}
	cases := []struct {
		text string
		want func(string) []bluesky.Span
	}{
		{"Go to https://example.com/a?b=1. Now", func(s string) []bluesky.Span {
			return []bluesky.Span{span(s, "https://example.com/a?b=1", "link", "https://example.com/a?b=1")}
		}},
		{"café ☕ @Alice.test, hi", func(s string) []bluesky.Span { // byte offsets, not runes
			return []bluesky.Span{span(s, "@Alice.test", "mention", "alice.test")}
		}},
		{"(see https://x.org/p)", func(s string) []bluesky.Span {
			return []bluesky.Span{span(s, "https://x.org/p", "link", "https://x.org/p")}
		}},
		{"#rythme #2024 #launch!", func(s string) []bluesky.Span {
			return []bluesky.Span{span(s, "#rythme", "tag", "rythme"), span(s, "#launch", "tag", "launch")}
		}},
		{"mail bob@example.com or @nodot", func(string) []bluesky.Span { return nil }},
		{"https://x.org/#frag", func(s string) []bluesky.Span {
			return []bluesky.Span{span(s, "https://x.org/#frag", "link", "https://x.org/#frag")}
		}},
	}
	for _, tc := range cases {
		got := bluesky.DetectSpans(tc.text)
		if want := tc.want(tc.text); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("DetectSpans(%q) = %+v, want %+v", tc.text, got, want)
		}
	}
}

func TestValidateGraphemes(t *testing.T) {
	t.Parallel()
	c := bluesky.New(bluesky.Config{})
	family := "👨‍👩‍👧‍👦" // one grapheme, 25 bytes
	cases := []struct {
		text string
		ok   bool
	}{
		{strings.Repeat(family, 119), true},  // 119 graphemes, 2975 bytes
		{strings.Repeat(family, 121), false}, // 3025 bytes
		{strings.Repeat("é", 300), true},
		{strings.Repeat("e\u0301", 300), true}, // e + combining accent: 300 graphemes
		{strings.Repeat("é", 301), false},
		{"\n ", false},
	}
	for _, tc := range cases {
		if got := c.Validate(tc.text) == nil; got != tc.ok {
			t.Errorf("Validate(%d bytes): ok=%v, want %v (%v)", len(tc.text), got, tc.ok, c.Validate(tc.text))
		}
	}
}

// record reads a post record back from the simulated PDS.
func record(t *testing.T, e *connectortest.Env, uri string) map[string]any {
	t.Helper()
	parts := strings.Split(strings.TrimPrefix(uri, "at://"), "/")
	q := url.Values{"repo": {parts[0]}, "collection": {parts[1]}, "rkey": {parts[2]}}
	resp, err := http.Get(e.Base + "/xrpc/com.atproto.repo.getRecord?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Value map[string]any `json:"value"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("getRecord %s: %d %v", uri, resp.StatusCode, err)
	}
	return out.Value
}

func TestPublishFacetsImagesAndThread(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("alice")
	bob := e.Connect("bob").Account
	img := []byte("\x89PNG fake image bytes")
	media := []connectors.Media{{ContentType: "image/png", Size: int64(len(img)), AltText: "a chart",
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(img)), nil }}}
	text := "Salut @bob.test et @nobody.test, voir https://example.com/ça #rythme"
	pub, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{
		Text: text, Thread: []string{"part two"}, Media: media, IdempotencyKey: "tgt-facets", Options: map[string]string{"langs": "fr, en"}})
	if err != nil {
		t.Fatal(err)
	}
	rec := record(t, e, pub.ExternalID)
	raw, _ := json.Marshal(rec["facets"])
	var facets []bluesky.Facet
	_ = json.Unmarshal(raw, &facets)
	if len(facets) != 3 {
		t.Fatalf("facets %s, want a mention, a link and a tag (@nobody does not resolve)", raw)
	}
	b := []byte(text)
	if got := string(b[facets[0].Index.ByteStart:facets[0].Index.ByteEnd]); got != "@bob.test" || facets[0].Features[0]["did"] != bob.ExternalID {
		t.Errorf("mention facet covers %q with %v, want @bob.test → %s", got, facets[0].Features[0], bob.ExternalID)
	}
	if got := string(b[facets[1].Index.ByteStart:facets[1].Index.ByteEnd]); got != "https://example.com/ça" {
		t.Errorf("link facet covers %q", got)
	}
	if facets[2].Features[0]["tag"] != "rythme" {
		t.Errorf("tag facet %v", facets[2].Features[0])
	}
	embed, _ := rec["embed"].(map[string]any)
	images, _ := embed["images"].([]any)
	if embed["$type"] != "app.bsky.embed.images" || len(images) != 1 || images[0].(map[string]any)["alt"] != "a chart" {
		t.Errorf("embed %v", embed)
	}
	if !reflect.DeepEqual(rec["langs"], []any{"fr", "en"}) {
		t.Errorf("langs %v", rec["langs"])
	}
	posts := e.Posts()
	if len(posts) != 2 {
		t.Fatalf("recorded %d createRecord calls, want 2", len(posts))
	}
	reply := record(t, e, posts[1].ID)["reply"].(map[string]any)
	if reply["root"].(map[string]any)["uri"] != pub.ExternalID || reply["parent"].(map[string]any)["uri"] != pub.ExternalID {
		t.Errorf("the second part's reply refs %v must point at the first", reply)
	}
	// Too large an image is refused before anything is sent.
	big := []connectors.Media{{ContentType: "image/jpeg", Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(make([]byte, bluesky.MaxImageBytes+1))), nil
	}}}
	if _, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "big", Media: big}); connectors.KindOf(err) != connectors.Permanent {
		t.Errorf("an image over 1 MB: %v, want permanent", err)
	}
}

func TestFetchMetricsBatchesOf25(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("alice")
	var ids []string
	for i := range 30 {
		p, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "m" + strings.Repeat("!", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ExternalID)
	}
	ms, err := e.Connector.FetchMetrics(context.Background(), c.Account, c.Client, append(ids, ids[0]))
	if err != nil || len(ms) != 30 {
		t.Fatalf("FetchMetrics: %d readings, %v", len(ms), err)
	}
	if got := e.Fake.Stats().Operations["bluesky.get_posts"]; got != 2 {
		t.Errorf("getPosts called %d times for 30 posts, want 2", got)
	}
}
