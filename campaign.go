package rythme

import (
	"encoding/json"
	"time"
)

// PrefixCampaign starts campaign ids.
const PrefixCampaign = "cmp"

// Campaign kinds and states.
const (
	CampaignThemedWeek      = "themed_week"
	CampaignWeeklyChallenge = "weekly_challenge"
	CampaignActive          = "active"
	CampaignCancelled       = "cancelled"
)

// Campaign is a set of posts planned together: a themed week (a week of
// content on one theme, day by day), or a weekly challenge (a theme each
// ISO week; members submit posts to the week open now and a manager picks
// those to publish; each post keeps its author and ChallengeWeek). Its
// plan is kept as given (JSON: the calendars package's ThemedWeek, so that
// it can be cloned as a template; or its Challenge with the target
// accounts). For a challenge, FirstDay is the Monday of its first week and
// Theme the theme of that week.
type Campaign struct {
	ID          string          `json:"id"`
	WorkspaceID string          `json:"workspace_id"`
	Kind        string          `json:"kind"`
	Name        string          `json:"name"`
	Theme       string          `json:"theme"`
	FirstDay    string          `json:"first_day"`
	Timezone    string          `json:"timezone"`
	Status      string          `json:"status"`
	Plan        json.RawMessage `json:"plan"`
	// UTM: the parameters added to the links of the campaign's posts, by
	// network (nil: none).
	UTM       *UTMSettings `json:"utm,omitempty"`
	CreatedBy string       `json:"created_by,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
}
