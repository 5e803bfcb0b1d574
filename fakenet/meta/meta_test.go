package meta_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/rythmehq/rythme/fakenet/meta"
)

func TestSegments(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		path string
		want []string
		ok   bool
	}{
		{"/graph/v25.0/123/feed", []string{"123", "feed"}, true},
		{"/graph/123/insights", []string{"123", "insights"}, true},
		{"/graph/v1.0/", nil, true},
		{"/graph", nil, true},
		{"/graphx/123", nil, false},
		{"/www/v25.0/dialog/oauth", nil, false},
	} {
		got, ok := meta.Segments(c.path, "/graph")
		if ok != c.ok || !slices.Equal(got, c.want) {
			t.Errorf("Segments(%q) = %q, %v; want %q, %v", c.path, got, ok, c.want, c.ok)
		}
	}
}

func TestSplitFields(t *testing.T) {
	t.Parallel()
	got := meta.SplitFields("message, insights.metric(post_clicks,post_media_view),comments.summary(true){id,message},shares")
	want := []string{"message", "insights.metric(post_clicks,post_media_view)", "comments.summary(true){id,message}", "shares"}
	if !slices.Equal(got, want) {
		t.Errorf("SplitFields = %q, want %q", got, want)
	}
	if got := meta.SplitList(" a,,b ,"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("SplitList = %q", got)
	}
}

func TestWriteError(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		code, sub int
		transient bool
		auth      string
	}{
		{190, 463, false, "invalid_token"},
		{2, 0, true, "invalid_request"},
		{100, 33, false, "invalid_request"},
	} {
		w := httptest.NewRecorder()
		meta.WriteError(w, http.StatusBadRequest, c.code, c.sub, `a "quoted" message`)
		var body struct {
			Error struct {
				Message   string `json:"message"`
				Type      string `json:"type"`
				Code      int    `json:"code"`
				Subcode   int    `json:"error_subcode"`
				Transient bool   `json:"is_transient"`
				Trace     string `json:"fbtrace_id"`
			} `json:"error"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		e := body.Error
		if w.Code != 400 || e.Code != c.code || e.Subcode != c.sub || e.Transient != c.transient || e.Type != "OAuthException" || e.Trace == "" {
			t.Errorf("code %d: %d %+v", c.code, w.Code, e)
		}
		if h := w.Header().Get("WWW-Authenticate"); h != `OAuth "Facebook Platform" "`+c.auth+`" "a 'quoted' message"` {
			t.Errorf("code %d: WWW-Authenticate %q", c.code, h)
		}
	}
}
