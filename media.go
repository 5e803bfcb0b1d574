package rythme

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// PrefixMedia starts media ids.
const PrefixMedia = "med"

// MaxMediaPerPost bounds the files one post may carry, whatever the
// network (each network's own limit is lower or equal).
const MaxMediaPerPost = 10

// Image bounds: what rythme accepts of an image's declared dimensions, read
// from its header before anything decodes it (no network takes more).
const (
	MaxImageSide   = 8192       // pixels per side
	MaxImagePixels = 50_000_000 // width × height
)

// DefaultMediaQuota is the bytes of media one workspace may keep (5 GiB),
// unless RYTHME_MEDIA_QUOTA_BYTES says otherwise.
const DefaultMediaQuota = 5 << 30

// CheckImageSize says what is wrong with an image's declared dimensions;
// "" when nothing is.
func CheckImageSize(width, height int) string {
	switch {
	case width <= 0 || height <= 0:
		return "declares no size"
	case width > MaxImageSide || height > MaxImageSide:
		return "is " + itoa(width) + " × " + itoa(height) + " pixels; at most " + itoa(MaxImageSide) + " per side"
	case int64(width)*int64(height) > MaxImagePixels:
		return "is " + itoa(width) + " × " + itoa(height) + " pixels; at most " + itoa(MaxImagePixels) + " pixels in all"
	}
	return ""
}

// MediaTypes are the file types rythme accepts.
var MediaTypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4", "video/quicktime"}

// Media is an uploaded file a post can carry. The bytes live in the media
// directory, named by ID; SHA256 lets a network that re-fetches verify them.
type Media struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"workspace_id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	AltText     string    `json:"alt_text,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// IsVideo reports whether the media is a video.
func (m *Media) IsVideo() bool { return strings.HasPrefix(m.ContentType, "video/") }

// CheckMedia says what is wrong with media on a network: too many files,
// a type it does not take, a file too large, or none where it needs one.
// It returns one message per problem.
func CheckMedia(n Network, media []*Media) []string {
	var out []string
	if len(media) == 0 {
		if n.RequiresMedia {
			out = append(out, n.Title+" publishes only posts with an image or a video")
		}
		return out
	}
	if n.MaxMedia == 0 {
		return append(out, n.Title+" posts cannot carry media in rythme yet")
	}
	if len(media) > n.MaxMedia {
		out = append(out, n.Title+" takes at most "+itoa(n.MaxMedia)+" files per post")
	}
	for _, m := range media {
		if len(n.MediaTypes) > 0 && !slices.Contains(n.MediaTypes, m.ContentType) {
			out = append(out, n.Title+" does not take "+m.ContentType+" ("+m.Filename+")")
			continue
		}
		limit := n.MaxImageBytes
		if m.IsVideo() {
			limit = n.MaxVideoBytes
		}
		if limit > 0 && m.Size > limit {
			out = append(out, m.Filename+" is larger than "+n.Title+"'s limit of "+itoa(int(limit>>20))+" MiB")
		}
		if n.MaxAltText > 0 && utf8.RuneCountInString(m.AltText) > n.MaxAltText {
			out = append(out, "the alt text of "+m.Filename+" is "+itoa(utf8.RuneCountInString(m.AltText))+" characters long; "+
				n.Title+" takes at most "+itoa(n.MaxAltText))
		}
	}
	return out
}
