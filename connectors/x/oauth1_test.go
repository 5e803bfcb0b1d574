package x_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/x"
	"github.com/rythmehq/rythme/fakenet"
)

// botHarness runs the conformance suite on bot accounts: keys minted by
// fakenet, connected directly.
func botHarness() connectortest.Harness {
	return connectortest.Harness{
		Network: x.Name,
		New:     func(base string) connectors.Connector { return x.New(x.FakenetConfig(fakenetRoot(base))) },
		Params:  func(string) connectors.ConnectParams { return connectors.ConnectParams{} },
		Direct: func(e *connectortest.Env, user string) connectors.ConnectParams {
			k := e.Fake.XBotKeys(user)
			return connectors.ConnectParams{x.ParamConsumerKey: k.ConsumerKey, x.ParamConsumerSecret: k.ConsumerSecret,
				x.ParamAccessToken: k.AccessToken, x.ParamAccessTokenSecret: k.AccessTokenSecret}
		},
	}
}

func TestConformanceOAuth1(t *testing.T) {
	t.Parallel()
	connectortest.Run(t, botHarness())
}

// authParams parses an "Authorization: OAuth …" header.
func authParams(t *testing.T, h string) map[string]string {
	t.Helper()
	rest, ok := strings.CutPrefix(h, "OAuth ")
	if !ok {
		t.Fatalf("not an OAuth header: %q", h)
	}
	out := map[string]string{}
	for _, part := range strings.Split(rest, ", ") {
		k, v, _ := strings.Cut(part, "=")
		v, err := url.PathUnescape(strings.Trim(v, `"`))
		if err != nil {
			t.Fatal(err)
		}
		out[k] = v
	}
	return out
}

// The documented vectors: X's "Creating a signature" guide, RFC 5849's
// examples, and X's percent-encoding table.
func TestSignatureVectors(t *testing.T) {
	t.Parallel()
	// https://docs.x.com/fundamentals/authentication/oauth-1-0a/creating-a-signature
	// (computed on api.twitter.com, the host of the guide's example when
	// it was written).
	keys := x.OAuth1Keys{ConsumerKey: "xvz1evFS4wEEPTGEFPHBog", ConsumerSecret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
		AccessToken: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", AccessTokenSecret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"}
	body := "status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21"
	req, _ := http.NewRequest("POST", "https://api.twitter.com/1.1/statuses/update.json?include_entities=true", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := keys.Sign(req, "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", time.Unix(1318622958, 0)); err != nil {
		t.Fatal(err)
	}
	p := authParams(t, req.Header.Get("Authorization"))
	if p["oauth_signature"] != "hCtSmYh+iHYCEqBWrE7C7hYmtUk=" || p["oauth_version"] != "1.0" || p["oauth_signature_method"] != "HMAC-SHA1" ||
		p["oauth_token"] != keys.AccessToken || p["oauth_consumer_key"] != keys.ConsumerKey || p["oauth_timestamp"] != "1318622958" {
		t.Errorf("X's example: %v", p)
	}
	if b, _ := io.ReadAll(req.Body); string(b) != body {
		t.Errorf("the signed form body changed: %q", b)
	}
	u, _ := url.Parse("https://api.twitter.com/1.1/statuses/update.json")
	params := url.Values{"include_entities": {"true"}, "status": {"Hello Ladies + Gentlemen, a signed OAuth request!"},
		"oauth_consumer_key": {keys.ConsumerKey}, "oauth_nonce": {"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"},
		"oauth_signature_method": {"HMAC-SHA1"}, "oauth_timestamp": {"1318622958"}, "oauth_token": {keys.AccessToken}, "oauth_version": {"1.0"}}
	if got, want := x.SignatureBaseString("POST", u, params), "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&"+
		"include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26"+
		"oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26"+
		"oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521"; got != want {
		t.Errorf("X's base string\n got %s\nwant %s", got, want)
	}

	// RFC 5849 §1.2: the photo request (no oauth_version).
	u, _ = url.Parse("http://photos.example.net/photos?file=vacation.jpg&size=original")
	params = u.Query()
	for k, v := range map[string]string{"oauth_consumer_key": "dpf43f3p2l4k3l03", "oauth_token": "nnch734d00sl2jdk",
		"oauth_signature_method": "HMAC-SHA1", "oauth_timestamp": "137131202", "oauth_nonce": "chapoH"} {
		params.Set(k, v)
	}
	base := x.SignatureBaseString("GET", u, params)
	if want := "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26" +
		"oauth_nonce%3DchapoH%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131202%26oauth_token%3Dnnch734d00sl2jdk%26size%3Doriginal"; base != want {
		t.Errorf("RFC 5849 §1.2 base string\n got %s\nwant %s", base, want)
	}
	if sig := x.Signature(base, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00"); sig != "MdpQcU8iPSUjWoN/UDMsK2sui9I=" {
		t.Errorf("RFC 5849 §1.2 signature %s", sig)
	}

	// RFC 5849 §3.4.1: query and form body parameters, repeated names,
	// empty values, encoded names; the realm is not signed.
	u, _ = url.Parse("http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b")
	params = u.Query()
	form, _ := url.ParseQuery("c2&a3=2+q")
	for k, vs := range form {
		params[k] = append(params[k], vs...)
	}
	for k, v := range map[string]string{"oauth_consumer_key": "9djdj82h48djs9d2", "oauth_token": "kkk9d7dh3k39sjv7",
		"oauth_signature_method": "HMAC-SHA1", "oauth_timestamp": "137131201", "oauth_nonce": "7d8f3e4a"} {
		params.Set(k, v)
	}
	if got, want := x.SignatureBaseString("post", u, params), "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26"+
		"b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26"+
		"oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"; got != want {
		t.Errorf("RFC 5849 §3.4.1.1 base string\n got %s\nwant %s", got, want)
	}

	// Sorting is by name, then value: "a" before "a3", whatever follows.
	u, _ = url.Parse("https://api.x.com/2/x")
	if got := x.SignatureBaseString("GET", u, url.Values{"a3": {"1"}, "a": {"2", "10"}}); got != "GET&https%3A%2F%2Fapi.x.com%2F2%2Fx&a%3D10%26a%3D2%26a3%3D1" {
		t.Errorf("parameter order: %s", got)
	}

	// RFC 5849 §3.4.1.2: the base string URI.
	for raw, want := range map[string]string{
		"http://EXAMPLE.COM:80/r%20v/X?id=123": "http://example.com/r%20v/X",
		"https://www.example.net:8080/?q=1":    "https://www.example.net:8080/",
		"https://api.x.com:443":                "https://api.x.com/",
		"http://127.0.0.1:8090/x/2/users/me":   "http://127.0.0.1:8090/x/2/users/me",
	} {
		u, _ := url.Parse(raw)
		if got := x.SignatureBaseString("GET", u, nil); got != "GET&"+x.PercentEncode(want)+"&" {
			t.Errorf("%s: %s, want the URI %s", raw, got, want)
		}
	}

	// https://docs.x.com/fundamentals/authentication/oauth-1-0a/percent-encoding-parameters
	for in, want := range map[string]string{
		"Ladies + Gentlemen": "Ladies%20%2B%20Gentlemen", "An encoded string!": "An%20encoded%20string%21",
		"Dogs, Cats & Mice": "Dogs%2C%20Cats%20%26%20Mice", "☃": "%E2%98%83", "a-b.c_d~e": "a-b.c_d~e",
	} {
		if got := x.PercentEncode(in); got != want {
			t.Errorf("PercentEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

// A JSON or multipart body is not signed (RFC 5849 §3.4.1.3.1): the
// signature covers the query and the oauth_* parameters only.
func TestSignBodies(t *testing.T) {
	t.Parallel()
	keys := x.OAuth1Keys{ConsumerKey: "ck", ConsumerSecret: "cs&1", AccessToken: "1-at", AccessTokenSecret: "ts"}
	at := time.Unix(1_750_000_000, 0)
	for _, ct := range []string{"application/json", "multipart/form-data; boundary=xyz", "application/x-www-form-urlencoded"} {
		body := `{"text":"a=b"}`
		if ct == "application/x-www-form-urlencoded" {
			body = "text=a%3Db"
		}
		req, _ := http.NewRequest("POST", "https://api.x.com/2/tweets?x=1", strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
		if err := keys.Sign(req, "n0nce", at); err != nil {
			t.Fatal(err)
		}
		p := authParams(t, req.Header.Get("Authorization"))
		params := url.Values{"x": {"1"}}
		for _, k := range []string{"oauth_consumer_key", "oauth_nonce", "oauth_signature_method", "oauth_timestamp", "oauth_token", "oauth_version"} {
			params.Set(k, p[k])
		}
		if strings.HasPrefix(ct, "application/x-www") {
			params.Set("text", "a=b")
		}
		if want := x.Signature(x.SignatureBaseString("POST", req.URL, params), "cs&1", "ts"); p["oauth_signature"] != want {
			t.Errorf("%s: signature %s, want %s", ct, p["oauth_signature"], want)
		}
		if b, _ := io.ReadAll(req.Body); string(b) != body {
			t.Errorf("%s: body changed to %q", ct, b)
		}
	}
	if s := keys.String(); strings.Contains(s, "cs&1") || strings.Contains(s, "1-at") || strings.Contains(s, "ts}") {
		t.Errorf("String shows a secret: %s", s)
	}
}

func keyParams(k fakenet.XKeys) connectors.ConnectParams {
	return connectors.ConnectParams{x.ParamConsumerKey: k.ConsumerKey, x.ParamConsumerSecret: k.ConsumerSecret,
		x.ParamAccessToken: k.AccessToken, x.ParamAccessTokenSecret: k.AccessTokenSecret}
}

func TestOAuth1Connect(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, botHarness())
	c := e.Connector.(*x.Connector)
	info := c.Info()
	if strings.Join(info.ConnectOptional, ",") != "consumer_key,consumer_secret,access_token,access_token_secret" || len(info.ConnectParams) != 0 {
		t.Errorf("connect params %v, optional %v", info.ConnectParams, info.ConnectOptional)
	}
	for _, tc := range []struct {
		p    connectors.ConnectParams
		want bool
	}{{nil, false}, {connectors.ConnectParams{"instance_url": "https://x.com"}, false}, {connectors.ConnectParams{x.ParamAccessToken: " "}, false},
		{connectors.ConnectParams{x.ParamConsumerKey: "k"}, true}, {keyParams(fakenet.XKeys{ConsumerKey: "a", ConsumerSecret: "b", AccessToken: "c", AccessTokenSecret: "d"}), true}} {
		if got := c.UseDirect(tc.p); got != tc.want {
			t.Errorf("UseDirect(%v) = %v", tc.p, got)
		}
	}

	keys := e.Fake.XBotKeys("robot")
	id, tok, err := c.Connect(e.Context(), keyParams(keys), connectors.NewHTTPClient())
	if err != nil {
		t.Fatal(err)
	}
	if id.Username != "robot" || id.ExternalID == "" || id.Meta["auth"] != "oauth1" || !strings.HasSuffix(id.ProfileURL, "/robot") {
		t.Errorf("identity %+v", id)
	}
	if !tok.Expiry.IsZero() || tok.RefreshToken != "" || !strings.Contains(tok.AccessToken, keys.AccessTokenSecret) || !strings.Contains(tok.AccessToken, keys.ConsumerSecret) {
		t.Errorf("the token must keep the four keys and never expire: expiry %v", tok.Expiry)
	}

	// A wrong secret: X refuses the signature, an auth error without the keys.
	bad := keyParams(keys)
	bad[x.ParamConsumerSecret] = "not-the-secret"
	_, _, err = c.Connect(e.Context(), bad, connectors.NewHTTPClient())
	ce, ok := connectors.AsError(err)
	if !ok || ce.Kind != connectors.Auth || ce.Status != 401 {
		t.Errorf("wrong consumer secret: %v, want auth (401)", err)
	}
	// Missing and malformed keys: EINVALID naming the fields, not the values.
	_, _, err = c.Connect(e.Context(), connectors.ConnectParams{x.ParamConsumerKey: keys.ConsumerKey, x.ParamAccessToken: "has space",
		x.ParamAccessTokenSecret: keys.AccessTokenSecret}, connectors.NewHTTPClient())
	if rythme.ErrorCode(err) != rythme.EINVALID {
		t.Fatalf("missing secret: %v, want EINVALID", err)
	}
	var re *rythme.Error
	if !errorAs(err, &re) || len(re.Fields) != 2 || re.Fields[0].Field != x.ParamConsumerSecret || re.Fields[1].Field != x.ParamAccessToken ||
		strings.Contains(err.Error(), keys.AccessTokenSecret) || strings.Contains(err.Error(), "has space") {
		t.Errorf("field errors: %+v", err)
	}
	if n := e.Fake.Stats().Operations["x.users_me"]; n != 2 {
		t.Errorf("GET /2/users/me called %d times, want 2 (invalid keys are not sent)", n)
	}
}

func errorAs(err error, target **rythme.Error) bool {
	e, ok := err.(*rythme.Error)
	if ok {
		*target = e
	}
	return ok
}

// botAccount connects user with minted keys and opens its session as the
// worker does.
func botAccount(t *testing.T, e *connectortest.Env, user string) (*rythme.Account, connectors.Session) {
	t.Helper()
	id, tok, err := e.Connector.(*x.Connector).Connect(e.Context(), keyParams(e.Fake.XBotKeys(user)), connectors.NewHTTPClient())
	if err != nil {
		t.Fatal(err)
	}
	acct := &rythme.Account{ID: "acct-" + user, Network: x.Name, InstanceURL: id.InstanceURL, ExternalID: id.ExternalID,
		Username: id.Username, Meta: id.Meta, Token: tok, Status: rythme.AccountConnected}
	sess, err := connectors.OpenSession(e.Context(), e.Connector, acct, connectors.NewHTTPClient(), connectortest.RedirectURI, e.Apps, nil)
	if err != nil {
		t.Fatal(err)
	}
	return acct, sess
}

func TestOAuth1Publishing(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, botHarness())
	acct, sess := botAccount(t, e, "robot")
	ctx := context.Background()
	if sess.Invalidate() || !sess.Expiry().IsZero() || sess.Refresh(ctx) != nil {
		t.Error("OAuth 1.0a keys can neither expire nor be refreshed")
	}

	// A thread: each part replies to the one before, all signed.
	pub, err := e.Connector.Publish(ctx, acct, sess.Client(), connectors.PublishRequest{Text: "1/3 bot thread", Thread: []string{"2/3", "3/3"}})
	if err != nil {
		t.Fatal(err)
	}
	posts := e.Posts()
	if len(posts) != 3 || posts[0].ID != pub.ExternalID || posts[0].Account != "robot" {
		t.Fatalf("posts %+v", posts)
	}
	for i := 1; i < 3; i++ {
		if tw, _ := e.Fake.XTweet(posts[i].ID); tw.InReplyTo != posts[i-1].ID {
			t.Errorf("part %d replies to %q", i+1, tw.InReplyTo)
		}
	}

	// Media: an image (multipart, not signed), a video (JSON and
	// multipart segments), alt text (JSON), status polls (query signed).
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...)
	video := make([]byte, 3000)
	pub, err = e.Connector.Publish(ctx, acct, sess.Client(), connectors.PublishRequest{Text: "bot picture",
		Media: []connectors.Media{{ContentType: "image/png", Size: int64(len(png)), AltText: "robot", Open: file(png)}}})
	if err != nil {
		t.Fatal(err)
	}
	if tw, _ := e.Fake.XTweet(pub.ExternalID); len(tw.Media) != 1 || tw.Media[0].AltText != "robot" {
		t.Errorf("image: %+v", tw.Media)
	}
	pub, err = e.Connector.Publish(ctx, acct, sess.Client(), connectors.PublishRequest{Text: "bot video",
		Media: []connectors.Media{{ContentType: "video/mp4", Size: int64(len(video)), Open: file(video)}}})
	if err != nil {
		t.Fatal(err)
	}
	if tw, _ := e.Fake.XTweet(pub.ExternalID); len(tw.Media) != 1 || !tw.Media[0].Chunked || tw.Media[0].Size != 3000 {
		t.Errorf("video: %+v", tw.Media)
	}

	// Metrics, private ones included (the author's own posts).
	e.Clock.Advance(6 * time.Hour)
	ms, err := e.Connector.FetchMetrics(ctx, acct, sess.Client(), []string{posts[0].ID, pub.ExternalID})
	if err != nil || len(ms) != 2 || ms[0].Likes == nil || ms[0].Clicks == nil {
		t.Fatalf("metrics %+v, %v", ms, err)
	}

	// Revoked keys: an auth error, and nothing to refresh.
	e.InjectFault(fakenet.Fault{Kind: fakenet.FaultRevoke, User: "robot"})
	_, err = e.Connector.Publish(ctx, acct, sess.Client(), connectors.PublishRequest{Text: "after revoke"})
	if connectors.KindOf(err) != connectors.Auth {
		t.Errorf("publish with revoked keys: %v, want auth", err)
	}
	if sess.Invalidate() {
		t.Error("Invalidate says revoked keys can be refreshed")
	}
	if _, err := e.Connector.FetchMetrics(ctx, acct, sess.Client(), []string{posts[0].ID}); connectors.KindOf(err) != connectors.Auth {
		t.Errorf("metrics with revoked keys: %v, want auth", err)
	}
}

// OpenSession dispatches on Meta["auth"]: OAuth 2.0 accounts keep their
// refreshing token source; damaged keys are an auth error.
func TestOpenSessionDispatch(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(nil))
	c := e.Connect("alice") // OAuth 2.0, through the suite's flow
	saved := 0
	sess, err := connectors.OpenSession(e.Context(), x.New(x.FakenetConfig(fakenetRoot(e.Base))), c.Account, connectors.NewHTTPClient(),
		connectortest.RedirectURI, e.Apps, func(context.Context, rythme.Token) error { saved++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if sess.Expiry().IsZero() || !sess.Invalidate() {
		t.Fatal("an OAuth 2.0 session must expire and be refreshable")
	}
	if _, err := e.Connector.Publish(context.Background(), c.Account, sess.Client(), connectors.PublishRequest{Text: "refreshed first"}); err != nil || saved != 1 {
		t.Errorf("publish after Invalidate: %v, %d tokens saved", err, saved)
	}

	broken := *c.Account
	broken.Meta = map[string]string{"auth": "oauth1"}
	broken.Token = rythme.Token{AccessToken: `{"consumer_key":"only-one"}`}
	_, err = connectors.OpenSession(e.Context(), x.New(x.FakenetConfig(fakenetRoot(e.Base))), &broken, connectors.NewHTTPClient(),
		connectortest.RedirectURI, e.Apps, nil)
	if connectors.KindOf(err) != connectors.Auth || strings.Contains(err.Error(), "only-one") {
		t.Errorf("damaged keys: %v, want auth without the keys", err)
	}
}
