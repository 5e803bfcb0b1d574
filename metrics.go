package rythme

import "time"

// MetricsSchedule is when a published post's engagement is read, counted
// from its publication: often at first, then less, then no more.
var MetricsSchedule = []time.Duration{15 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour,
	72 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour}

// NextMetricsAt returns when to read a post published at publishedAt after
// step readings (0: the first), or nil when the schedule is over.
func NextMetricsAt(publishedAt time.Time, step int) *time.Time {
	if step < 0 || step >= len(MetricsSchedule) {
		return nil
	}
	t := publishedAt.Add(MetricsSchedule[step])
	return &t
}

// AudienceEvery is how often an account's followers are read.
const AudienceEvery = 24 * time.Hour

// MetricsDue is a published target whose engagement is due to be read.
type MetricsDue struct {
	TargetID    string
	AccountID   string
	Network     string
	ExternalID  string
	PublishedAt time.Time
	Step        int // readings so far
	// NextAt is when the schedule reads it next.
	NextAt time.Time `json:",omitzero"`
	// OwnReplies is how many of the post's direct replies are rythme's own
	// (1 when it starts a thread: its second part); the networks count
	// them as comments, the poller takes them off.
	OwnReplies int `json:",omitempty"`
	// Poll: the post carries a native poll, whose votes a network that
	// gives no engagement may still read back (PollLimits.Results).
	Poll bool `json:",omitempty"`
}

// Snapshot is one stored reading of a target's engagement, with what
// reports group by.
type Snapshot struct {
	TargetID    string
	PostID      string
	WorkspaceID string
	AccountID   string
	Network     string
	Author      string
	Tags        []string
	CampaignID  string
	PublishedAt time.Time
	Metrics     Metrics // Metrics.At is when it was read
}

// AudienceSample is one reading of an account's followers.
type AudienceSample struct {
	AccountID string
	Network   string
	At        time.Time
	Followers int64
}
