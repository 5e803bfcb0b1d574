package tiktok_test

import (
	"net/http/httptest"
	"testing"

	"github.com/rythmehq/rythme/fakenet"
)

// TestTikTokVideoList: POST /v2/video/list/ lists the user's public
// videos, its earlier ones included (HistoryDays), newest first,
// max_count at a time, paged by the cursor it answers while has_more; a
// SELF_ONLY video is not listed; max_count over 20 and unknown fields are
// refused.
func TestTikTokVideoList(t *testing.T) {
	t.Parallel()
	srv := fakenet.New(fakenet.Config{Seed: 3, HistoryDays: 90})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { srv.Close(); hs.Close() })
	e := &ttEnv{srv: srv, base: hs.URL + "/tiktok"}
	access := e.login(t, "alice")["access_token"].(string)
	for _, privacy := range []string{"PUBLIC_TO_EVERYONE", "SELF_ONLY"} {
		if status, out := e.api(t, "/v2/post/publish/video/init/", access, map[string]any{
			"post_info":   map[string]any{"title": "new " + privacy, "privacy_level": privacy},
			"source_info": map[string]any{"source": "PULL_FROM_URL", "video_url": "https://cdn.example/v.mp4"}}); status != 200 {
			t.Fatalf("init %s: %d %v", privacy, status, out)
		}
	}
	var titles []string
	var times []float64
	in := map[string]any{"max_count": 20}
	for pages := 0; ; pages++ {
		status, out := e.api(t, "/v2/video/list/?fields=id,create_time,title,like_count", access, in)
		data, _ := out["data"].(map[string]any)
		videos, _ := data["videos"].([]any)
		if status != 200 || ttCode(out) != "ok" || len(videos) > 20 || pages > 10 {
			t.Fatalf("page %d: %d %v", pages, status, out)
		}
		for _, v := range videos {
			m := v.(map[string]any)
			titles = append(titles, m["title"].(string))
			times = append(times, m["create_time"].(float64))
		}
		if data["has_more"] != true {
			break
		}
		in["cursor"] = data["cursor"]
	}
	if len(titles) < 26 || titles[0] != "new PUBLIC_TO_EVERYONE" {
		t.Fatalf("%d videos, first %q; want the public one published now first, then at least 25 earlier ones", len(titles), titles[0])
	}
	for i, title := range titles {
		if title == "new SELF_ONLY" {
			t.Errorf("the SELF_ONLY video is listed")
		}
		if i > 0 && times[i] > times[i-1] {
			t.Errorf("video %d is newer than the one before", i)
		}
	}
	if status, out := e.api(t, "/v2/video/list/?fields=id", access, map[string]any{"max_count": 21}); status != 400 || ttCode(out) != "invalid_params" {
		t.Errorf("max_count 21: %d %v", status, out)
	}
	if status, out := e.api(t, "/v2/video/list/?fields=id,plays", access, map[string]any{}); status != 400 || ttCode(out) != "invalid_params" {
		t.Errorf("an unknown field: %d %v", status, out)
	}
}
