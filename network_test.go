package rythme_test

import (
	"testing"

	"github.com/rythmehq/rythme"
)

func TestRateLimitMatches(t *testing.T) {
	t.Parallel()
	all := rythme.RateLimit{Scope: "account", Requests: 300, PeriodSeconds: 300}
	media := rythme.RateLimit{Scope: "account", Requests: 30, PeriodSeconds: 1800, Method: "POST", Path: "/media"}
	posts := rythme.RateLimit{Scope: "account", Requests: 25, PeriodSeconds: 86400, Counts: rythme.CountsPosts}
	timeline := rythme.RateLimit{Scope: "account", Requests: 900, PeriodSeconds: 900, Method: "GET", Path: "/2/users/:id/tweets"}
	for _, c := range []struct {
		rl           rythme.RateLimit
		method, path string
		want         bool
	}{
		{all, "GET", "/api/v1/statuses", true},
		{all, "POST", "/api/v1/media", true},
		{media, "POST", "/api/v2/media", true},
		{media, "PUT", "/api/v1/media/12", false},
		{media, "POST", "/api/v1/statuses", false},
		{posts, "POST", "/me/media_publish", false}, // charged per post, never per request
		{timeline, "GET", "/x/2/users/1500000000/tweets", true},
		{timeline, "GET", "/2/users/42/tweets", true},
		{timeline, "GET", "/2/tweets", false},
		{timeline, "GET", "/2/users/me", false},
		{timeline, "GET", "/2/users/42/mentions", false},
		{timeline, "GET", "/2/users//tweets", false},
		{timeline, "POST", "/2/users/42/tweets", false},
	} {
		if got := c.rl.Matches(c.method, c.path); got != c.want {
			t.Errorf("%+v.Matches(%s %s) = %v, want %v", c.rl, c.method, c.path, got, c.want)
		}
	}
	if !posts.PerPost() || all.PerPost() || (rythme.RateLimit{Counts: rythme.CountsRequests}).PerPost() {
		t.Error("PerPost: only counts=posts counts posts")
	}
}
