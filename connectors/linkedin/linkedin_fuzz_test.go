package linkedin_test

import (
	"io"
	"strings"
	"testing"
	"unicode/utf16"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/linkedin"
)

// FuzzLinkedIn: whatever LinkedIn answers to identify, the token
// exchange, an image upload (to the URL it names), a post and metrics,
// the connector returns a classified error or a usable result and never
// panics; a post LinkedIn answered 2xx to is never reported as worth
// retrying (it takes no idempotency key). Length counts UTF-16 units.
func FuzzLinkedIn(f *testing.F) {
	const sep = "\n~~\n"
	f.Add("Hello (world) | #tag @mention", 200, "", []byte(`{"sub":"abc","name":"Ada Lovelace","given_name":"Ada"}`+sep+
		`{"access_token":"AQ","expires_in":5184000,"refresh_token":"AQR","refresh_token_expires_in":31536000,"scope":"openid,profile,w_member_social"}`))
	f.Add("x", 200, "X-RestLi-Id: urn:li:share:1", []byte(`{"value":{"uploadUrl":"http://upload.linkedin.example/u/1","image":"urn:li:image:1"}}`+sep+`201 `+sep+`201 {}`))
	f.Add("x", 201, "", []byte(`{"value":{"uploadUrl":"ftp://x","image":"urn:li:image:1"}}`))
	f.Add("x", 429, "", []byte(`{"status":429,"serviceErrorCode":101,"code":"TOO_MANY_REQUESTS","message":"Resource level throttle APPLICATION DAY limit for calls to this resource is reached."}`))
	f.Add("x", 422, "", []byte(`{"status":422,"message":"ERROR :: /commentary :: is too long","errorDetails":{"inputErrors":[{"code":"TOO_LONG","description":"d"}]}}`))
	f.Add("x", 200, "", []byte(`{"elements":[{"totalShareStatistics":{"likeCount":3,"commentCount":1,"shareCount":2,"impressionCount":100}}]}`+sep+`404 {}`))
	f.Add(strings.Repeat("𝕏", 1501), 401, "", []byte(`{"serviceErrorCode":65601,"code":"REVOKED_ACCESS_TOKEN","message":"The token used in the request has been revoked by the user"}`))
	f.Add("x", 200, "", []byte(`[]`+sep+`"s"`+sep+`{"value":null}`))
	srv := connectortest.NewScriptServer(f)
	f.Fuzz(func(t *testing.T, text string, status int, header string, script []byte) {
		c := linkedin.New(linkedin.FakenetConfig(srv.URL))
		n := linkedin.Length(text)
		if n != len(utf16.Encode([]rune(text))) {
			t.Fatalf("Length(%q) = %d", text, n)
		}
		if msgs := c.Validate(text); (len(msgs) == 0) != (strings.TrimSpace(text) != "" && n <= linkedin.MaxCommentary) {
			t.Fatalf("Validate(%q) = %q", text, msgs)
		}
		_ = linkedin.Escape(text)

		ctx := connectortest.FuzzCtx(t, srv)
		srv.Set(status, header, script)
		if id, err := c.Identify(ctx, nil, srv.Client()); err != nil {
			connectortest.CheckErr(t, "Identify", err)
		} else if id == nil || id.ExternalID == "" {
			t.Fatalf("Identify succeeded with %+v", id)
		}
		oc, err := c.OAuth2Config(ctx, nil, "https://rythme.test/v1/oauth/linkedin/callback", nil)
		if err != nil {
			t.Fatalf("OAuth2Config: %v", err)
		}
		srv.Set(status, header, script)
		_, _ = oc.Exchange(ctx, "code", oauth2.VerifierOption("verifier")) // the token answer: no panic

		acct := &rythme.Account{Network: "linkedin", ExternalID: "urn:li:person:abc", Username: "ada"}
		srv.Set(status, header, script)
		media := connectors.Media{ID: "med_1", ContentType: "image/png", Size: 3, AltText: "alt",
			Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("png")), nil }}
		pub, err := c.Publish(ctx, acct, srv.Client(), connectors.PublishRequest{Text: text, Media: []connectors.Media{media},
			Options: map[string]string{"visibility": "connections"}})
		if err != nil {
			connectortest.CheckErr(t, "Publish", err)
			for _, a := range srv.Answers("/rest/posts") {
				if a.Status/100 == 2 && connectors.KindOf(err) == connectors.Retryable {
					t.Fatalf("Publish: LinkedIn answered %d and the error is retryable (a retry posts twice): %v", a.Status, err)
				}
			}
		} else if pub == nil || pub.ExternalID == "" {
			t.Fatalf("Publish succeeded with %+v", pub)
		}

		srv.Set(status, header, script)
		if ms, err := c.FetchMetrics(ctx, acct, srv.Client(), []string{"urn:li:share:1", "urn:li:ugcPost:2", "urn:li:share:1", ""}); err != nil {
			connectortest.CheckErr(t, "FetchMetrics", err)
		} else if len(ms) > 3 {
			t.Fatalf("FetchMetrics of 2 distinct ids gave %d readings", len(ms))
		}
	})
}
