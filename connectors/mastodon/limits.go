package mastodon

import (
	"cmp"
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// Meta keys of the limits an instance announces in GET /api/v2/instance
// (https://docs.joinmastodon.org/entities/Instance/#configuration), kept on
// the account at connect time and refreshed daily; validation of a post for
// the account uses them (see Limits). MetaMaxCharacters is the first.
const (
	MetaURLCharacters = "characters_reserved_per_url"
	MetaMaxMedia      = "max_media_attachments"
	MetaImageBytes    = "image_size_limit"
	MetaVideoBytes    = "video_size_limit"
	MetaPollOptions   = "max_poll_options"
	MetaPollChars     = "max_poll_option_characters"
	MetaPollMinSecs   = "poll_min_expiration"
	MetaPollMaxSecs   = "poll_max_expiration"
	// MetaLimitsAt is when the limits were last read (RFC 3339).
	MetaLimitsAt = connectors.MetaLimitsAt
)

var (
	_ connectors.AccountLimiter  = (*Connector)(nil)
	_ connectors.LimitsRefresher = (*Connector)(nil)
)

// instanceInfo is what rythme reads of GET /api/v2/instance (and of
// /api/v1/instance, whose configuration has the same shape).
type instanceInfo struct {
	Version       string `json:"version"`
	SourceURL     string `json:"source_url"`
	Configuration struct {
		Statuses struct {
			MaxCharacters            int `json:"max_characters"`
			MaxMediaAttachments      int `json:"max_media_attachments"`
			CharactersReservedPerURL int `json:"characters_reserved_per_url"`
		} `json:"statuses"`
		MediaAttachments struct {
			ImageSizeLimit int64 `json:"image_size_limit"`
			VideoSizeLimit int64 `json:"video_size_limit"`
		} `json:"media_attachments"`
		Polls struct {
			MaxOptions             int   `json:"max_options"`
			MaxCharactersPerOption int   `json:"max_characters_per_option"`
			MinExpiration          int64 `json:"min_expiration"` // seconds
			MaxExpiration          int64 `json:"max_expiration"`
		} `json:"polls"`
		URLs struct {
			Streaming string `json:"streaming"` // v2
		} `json:"urls"`
	} `json:"configuration"`
	URLs struct {
		StreamingAPI string `json:"streaming_api"` // v1
	} `json:"urls"`
}

// readInstance is GET /api/v2/instance, or /api/v1/instance on a server
// before Mastodon 4.0.
func readInstance(ctx context.Context, client *http.Client, inst string) (*instanceInfo, error) {
	var info instanceInfo
	err := getJSON(ctx, client, inst+"/api/v2/instance", &info)
	if e, ok := connectors.AsError(err); ok && (e.Status == http.StatusNotFound || e.Status == http.StatusGone) {
		err = getJSON(ctx, client, inst+"/api/v1/instance", &info)
	}
	if err != nil {
		return nil, err
	}
	return &info, nil
}

// limitsMeta returns the announced limits as account meta (a limit the
// server does not announce is left out: the default applies).
func (info *instanceInfo) limitsMeta(now time.Time) map[string]string {
	m := map[string]string{MetaLimitsAt: now.UTC().Format(time.RFC3339)}
	put := func(k string, v int64) {
		if v > 0 {
			m[k] = strconv.FormatInt(v, 10)
		}
	}
	cfg := info.Configuration
	put(MetaMaxCharacters, int64(cfg.Statuses.MaxCharacters))
	put(MetaURLCharacters, int64(cfg.Statuses.CharactersReservedPerURL))
	put(MetaMaxMedia, int64(cfg.Statuses.MaxMediaAttachments))
	put(MetaImageBytes, cfg.MediaAttachments.ImageSizeLimit)
	put(MetaVideoBytes, cfg.MediaAttachments.VideoSizeLimit)
	put(MetaPollOptions, int64(cfg.Polls.MaxOptions))
	put(MetaPollChars, int64(cfg.Polls.MaxCharactersPerOption))
	put(MetaPollMinSecs, cfg.Polls.MinExpiration)
	put(MetaPollMaxSecs, cfg.Polls.MaxExpiration)
	if s := cmp.Or(cfg.URLs.Streaming, info.URLs.StreamingAPI); s != "" && len(s) < 300 {
		m[MetaStreamingURL] = s
	}
	return m
}

// Limits returns Mastodon's limits with those acct's instance announced in
// their place: a GoToSocial that allows 5,000 characters and 6 files gets
// them, not Mastodon's 500 and 4.
func (c *Connector) Limits(acct *rythme.Account) rythme.Network {
	n := c.Info()
	if acct == nil {
		return n
	}
	num := func(k string) int64 {
		v, err := strconv.ParseInt(acct.Meta[k], 10, 64)
		if err != nil || v <= 0 {
			return 0
		}
		return v
	}
	if v := num(MetaMaxCharacters); v > 0 {
		n.MaxLength = int(v)
	}
	if v := num(MetaURLCharacters); v > 0 {
		n.URLLength = int(v)
	}
	if v := num(MetaMaxMedia); v > 0 {
		n.MaxMedia = int(v)
	}
	if v := num(MetaImageBytes); v > 0 {
		n.MaxImageBytes = v
	}
	if v := num(MetaVideoBytes); v > 0 {
		n.MaxVideoBytes = v
	}
	if v := num(MetaPollOptions); v > 0 {
		n.MaxPollOptions = int(v)
	}
	if n.Polls != nil {
		pl := *n.Polls // a copy: the defaults stay as Info says
		if v := num(MetaPollOptions); v > 0 {
			pl.MaxOptions = int(v)
		}
		if v := num(MetaPollChars); v > 0 {
			pl.MaxOptionLength = int(v)
		}
		if v := num(MetaPollMinSecs); v > 0 {
			pl.MinDurationMinutes = int((v + 59) / 60) // whole minutes that reach it
		}
		if v := num(MetaPollMaxSecs); v > 0 {
			pl.MaxDurationMinutes = int(v / 60)
		}
		n.Polls = &pl
	}
	return n
}

// RefreshLimits reads the instance's limits again (the worker's daily
// sweep), as meta to merge into the account's (an empty value removes a
// key): its limits, software and version, and whether it lacks the batch
// statuses endpoint (as announced, or as a poll found out).
func (c *Connector) RefreshLimits(ctx context.Context, acct *rythme.Account, client *http.Client) (map[string]string, error) {
	inst, err := instanceOf(acct)
	if err != nil {
		return nil, err
	}
	info, err := readInstance(ctx, client, inst)
	if err != nil {
		return nil, err
	}
	m := info.limitsMeta(c.now())
	software, _, batch := classify(info.Version, info.SourceURL)
	m[MetaSoftware], m[MetaVersion], m[MetaStatusesBatch] = software, info.Version, ""
	if !batch || c.batchMissing(inst) {
		m[MetaStatusesBatch] = "false"
	}
	return m, nil
}
