package meta

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"time"
)

// DefaultQuotaWindow is the publishing window Meta documents (quota_duration
// 86400 seconds), used when the network's answer gives none or one out of
// bounds.
const DefaultQuotaWindow = 24 * time.Hour

// MaxQuotaWindow bounds the publishing window read from quota_duration.
const MaxQuotaWindow = 7 * 24 * time.Hour

// QuotaWindow is the window a quota_duration of seconds gives: that many
// seconds from one second to MaxQuotaWindow, else DefaultQuotaWindow (a
// huge value would wait for years or overflow time.Duration into a
// negative wait; zero or a negative one means nothing).
func QuotaWindow(seconds int) time.Duration {
	if seconds < 1 || int64(seconds) > int64(MaxQuotaWindow/time.Second) {
		return DefaultQuotaWindow
	}
	return time.Duration(seconds) * time.Second
}

// QuotaWait is how long until an account's moving 24-hour publishing
// window frees a post, for Instagram
// (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/content_publishing_limit)
// and Threads (https://developers.facebook.com/docs/threads/overview#rate-limiting):
// limitURL (content_publishing_limit, threads_publishing_limit) gives
// quota_total and quota_duration (else total and a day), listURL (the
// account's media or threads, newest first) their timestamps: the total-th
// newest post leaves the window quota_duration after it was made. Posts
// made outside the API are listed too, so the wait may come early; the
// retry then computes it again. One hour when the reads fail. A
// quota_duration outside one second to a week (Meta documents 86400) is
// not believed: the window is then a day (see QuotaWindow).
func QuotaWait(ctx context.Context, client *http.Client, limitURL, listURL string, total int, now func() time.Time) time.Duration {
	const fallback = time.Hour
	var lim struct {
		Data []struct {
			Config struct {
				QuotaTotal    int `json:"quota_total"`
				QuotaDuration int `json:"quota_duration"`
			} `json:"config"`
		} `json:"data"`
	}
	window := DefaultQuotaWindow
	if Get(ctx, client, limitURL, url.Values{"fields": {"quota_usage,config"}}, now, &lim) == nil && len(lim.Data) > 0 {
		if q := lim.Data[0].Config; q.QuotaTotal > 0 && q.QuotaDuration > 0 {
			total, window = q.QuotaTotal, QuotaWindow(q.QuotaDuration)
		}
	}
	var list struct {
		Data []struct {
			Timestamp string `json:"timestamp"`
		} `json:"data"`
	}
	if err := Get(ctx, client, listURL, url.Values{"fields": {"timestamp"}, "limit": {Itoa(total)}}, now, &list); err != nil {
		return fallback
	}
	at := now()
	var recent []time.Time
	for _, m := range list.Data {
		t, err := time.Parse("2006-01-02T15:04:05-0700", m.Timestamp)
		if err == nil && at.Sub(t) < window {
			recent = append(recent, t)
		}
	}
	if len(recent) == 0 {
		return fallback
	}
	sort.Slice(recent, func(i, j int) bool { return recent[i].After(recent[j]) })
	oldest := recent[min(total, len(recent))-1]
	if d := oldest.Add(window).Sub(at); d > 0 {
		return min(d, window) // a post dated in the future leaves no later than a window from now
	}
	return time.Minute
}
