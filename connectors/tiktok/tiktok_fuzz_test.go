package tiktok_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/tiktok"
)

// FuzzTikTok: whatever TikTok answers (errors come inside HTTP 200
// envelopes too) to identify, the token exchange and refresh, a video
// post with its status polling and metrics, the connector returns a
// classified error or a usable result and never panics; once TikTok
// accepted a post (a publish_id), Publish does not fail but on FAILED.
func FuzzTikTok(f *testing.F) {
	const sep = "\n~~\n"
	ok := `"error":{"code":"ok","message":"","log_id":"l"}`
	f.Add("Caption #fyp", 200, "", []byte(`{"data":{"user":{"open_id":"o1","display_name":"A","username":"a"}},`+ok+`}`+sep+
		`{"access_token":"act.1","refresh_token":"rft.1","open_id":"o1","expires_in":86400,"refresh_expires_in":31536000,"token_type":"Bearer","scope":"user.info.basic,video.publish"}`))
	f.Add("x", 200, "", []byte(`{"data":{"privacy_level_options":["PUBLIC_TO_EVERYONE","SELF_ONLY"]},`+ok+`}`+sep+`{"data":{"publish_id":"v_pub_1"},`+ok+`}`+sep+
		`{"data":{"status":"PROCESSING_DOWNLOAD"},`+ok+`}`+sep+`{"data":{"status":"PUBLISH_COMPLETE","publicaly_available_post_id":[7300000000000000001]},`+ok+`}`))
	f.Add("x", 200, "", []byte(`{"data":{"privacy_level_options":["SELF_ONLY"]},`+ok+`}`+sep+`{"error":{"code":"privacy_level_option_mismatch","message":"m"}}`))
	f.Add("x", 200, "", []byte(`{"data":{"publish_id":"v_pub_1"},`+ok+`}`+sep+`{"data":{"status":"FAILED","fail_reason":"file_format_check_failed"},`+ok+`}`))
	f.Add("x", 429, "Retry-After: 10", []byte(`{"error":{"code":"rate_limit_exceeded","message":"slow down"}}`))
	f.Add("x", 200, "", []byte(`{"error":{"code":"access_token_invalid"}}`))
	f.Add("x", 200, "", []byte(`{"data":{"videos":[{"id":"7300000000000000001","like_count":3,"comment_count":1,"share_count":2,"view_count":9}],"cursor":0,"has_more":false},`+ok+`}`))
	f.Add("x", 200, "", []byte(`{"data":[],"error":{}}`+sep+`null`))
	f.Add(strings.Repeat("😀", 1101), 503, "", []byte(`upstream`))
	srv := connectortest.NewScriptServer(f)
	f.Fuzz(func(t *testing.T, text string, status int, header string, script []byte) {
		cfg := tiktok.FakenetConfig(srv.URL)
		// Polls of 1 ms for 5 ms still take the polling paths (not done yet,
		// retried, given up) in a few requests; 50 ms made an input that
		// keeps answering PROCESSING cost ~30 ms, and minimizing such inputs
		// kept the workers busy past -fuzztime (see .ci/fuzz).
		cfg.HTTPClient, cfg.PollInterval, cfg.PollFor = srv.Client(), time.Millisecond, 5*time.Millisecond
		c := tiktok.New(cfg)
		_ = c.Validate(text)

		ctx := connectortest.FuzzCtx(t, srv)
		srv.Set(status, header, script)
		if id, err := c.Identify(ctx, nil, srv.Client()); err != nil {
			connectortest.CheckErr(t, "Identify", err)
		} else if id == nil || id.ExternalID == "" {
			t.Fatalf("Identify succeeded with %+v", id)
		}
		oc, err := c.OAuth2Config(ctx, nil, "https://rythme.test/v1/oauth/tiktok/callback", nil)
		if err != nil {
			t.Fatalf("OAuth2Config: %v", err)
		}
		srv.Set(status, header, script)
		if tok, err := c.Exchange(ctx, oc, "code", "verifier"); err == nil && (tok == nil || tok.AccessToken == "") {
			t.Fatalf("Exchange succeeded with %+v", tok)
		}

		acct := &rythme.Account{Network: "tiktok", Username: "a", ExternalID: "o1",
			Token: rythme.Token{AccessToken: "act.old", RefreshToken: "rft.1", TokenType: "Bearer", Expiry: time.Now().Add(-time.Hour)}}
		srv.Set(status, header, script)
		sess, err := c.OpenSession(ctx, acct, srv.Client(), func(context.Context, rythme.Token) error { return nil })
		if err != nil {
			connectortest.CheckErr(t, "OpenSession", err)
			return
		}
		video := connectors.Media{ID: "med_1", ContentType: "video/mp4", URL: "https://rythme.test/media/med_1?exp=1&sig=s"}
		pub, err := c.Publish(ctx, acct, sess.Client(), connectors.PublishRequest{Text: text, Media: []connectors.Media{video},
			Options: map[string]string{"disable_duet": "true"}})
		if err != nil {
			connectortest.CheckErr(t, "Publish", err)
			for _, a := range srv.Answers("/v2/post/publish/video/init/") {
				if a.Status/100 == 2 && bytes.Contains(a.Body, []byte(`"publish_id":"`)) && !bytes.Contains(a.Body, []byte(`"publish_id":""`)) &&
					bytes.Contains(a.Body, []byte(`"code":"ok"`)) && connectors.KindOf(err) != connectors.Permanent {
					t.Fatalf("Publish: TikTok accepted %q and Publish failed with %v", a.Body, err)
				}
			}
		} else if pub == nil || pub.ExternalID == "" {
			t.Fatalf("Publish succeeded with %+v", pub)
		}

		srv.Set(status, header, script)
		if ms, err := c.FetchMetrics(ctx, acct, srv.Client(), []string{"7300000000000000001", "v_pub_1", "7300000000000000001", ""}); err != nil {
			connectortest.CheckErr(t, "FetchMetrics", err)
		} else if len(ms) != 2 {
			t.Fatalf("FetchMetrics of 2 distinct ids gave %d readings", len(ms))
		}
	})
}
