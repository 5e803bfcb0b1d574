package linkedin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/rythmehq/rythme/connectors"
)

// Limits of a post.
const (
	// MaxCommentary is the longest commentary LinkedIn takes: 3000
	// characters, counted here in UTF-16 code units as LinkedIn's Java
	// services count (an emoji outside the BMP counts 2), which never lets
	// through a text LinkedIn would refuse.
	MaxCommentary = 3000
	// MaxImages is the most images of a post (a multiImage post holds 2
	// to 20, https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/multiimage-post-api).
	MaxImages = 20
	// MaxImageBytes is rythme's own bound on one image; LinkedIn's Images
	// API bounds pixels (36,152,320) rather than bytes.
	MaxImageBytes = 20 << 20
)

// reserved are the characters of the little text format that must be
// escaped with a backslash to be plain text; an unescaped one is taken as
// markup, and LinkedIn silently cuts the post where it cannot parse it
// (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format).
const reserved = `\|{}@[]()<>#*_~`

// Escape turns plain text into the little text of a commentary: every
// reserved character is escaped, except the # of a hashtag (# followed by
// a letter or digit), which stays a hashtag as the writer meant.
func Escape(text string) string {
	var b strings.Builder
	b.Grow(len(text) + 8)
	for i, r := range text {
		if r == '#' {
			next, _ := utf8.DecodeRuneInString(text[i+1:])
			if i+1 < len(text) && (unicode.IsLetter(next) || unicode.IsDigit(next)) {
				b.WriteRune(r)
				continue
			}
		}
		if strings.ContainsRune(reserved, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Length is the length LinkedIn counts for a commentary, in UTF-16 code
// units, before escaping (escapes are not counted).
func Length(text string) int { return len(utf16.Encode([]rune(text))) }

// Validate checks text against LinkedIn's commentary limit.
func (c *Connector) Validate(text string) []string {
	if strings.TrimSpace(text) == "" {
		return []string{"is empty; LinkedIn needs some text"}
	}
	if n := Length(text); n > MaxCommentary {
		return []string{fmt.Sprintf("is %d characters long; LinkedIn allows %d", n, MaxCommentary)}
	}
	return nil
}

// errorMessage extracts LinkedIn's {"status","serviceErrorCode","code",
// "message"} (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling),
// and the first input error of a validation answer.
func errorMessage(body []byte) string {
	var e struct {
		Code         string `json:"code"`
		Message      string `json:"message"`
		ErrorDetails struct {
			InputErrors []struct {
				Code        string `json:"code"`
				Description string `json:"description"`
			} `json:"inputErrors"`
		} `json:"errorDetails"`
	}
	if json.Unmarshal(body, &e) != nil || e.Message == "" {
		return ""
	}
	msg := e.Message
	code := e.Code
	if code == "" && len(e.ErrorDetails.InputErrors) > 0 {
		code = e.ErrorDetails.InputErrors[0].Code
	}
	if code != "" && !strings.Contains(msg, code) {
		msg += " (" + code + ")"
	}
	return msg
}

// fromResponse classifies a non-2xx answer. A 401 (EXPIRED_ACCESS_TOKEN,
// REVOKED_ACCESS_TOKEN, INVALID_ACCESS_TOKEN) is Auth; 422 and 400
// (DUPLICATE_POST "Content is a duplicate of …", validation), 403 and 426
// (a LinkedIn-Version no longer served) are Permanent; a 429 is
// RateLimited: LinkedIn's limits are daily and reset at midnight UTC
// (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits)
// and it sends no rate-limit headers, so a daily-limit answer waits until
// then, and any other 429 (infrastructure protection) honours Retry-After
// when given.
func (c *Connector) fromResponse(resp *http.Response) *connectors.Error {
	e := connectors.FromResponse(resp, errorMessage)
	if e.Kind == connectors.RateLimited && e.RetryAfter == 0 && strings.Contains(e.Message, "DAY limit") {
		now := c.cfg.Now().UTC()
		midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
		e.RetryAfter = midnight.Sub(now)
	}
	return e
}

// Unescape turns the little text of a commentary back into what members
// read: backslash escapes undone, a mention @[Name](urn) its name, a
// hashtag template {hashtag|\#|tag} #tag
// (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format).
func Unescape(little string) string {
	var b strings.Builder
	for i := 0; i < len(little); {
		rest := little[i:]
		switch {
		case rest[0] == '\\' && len(rest) > 1:
			_, n := utf8.DecodeRuneInString(rest[1:])
			b.WriteString(rest[1 : 1+n])
			i += 1 + n
			continue
		case strings.HasPrefix(rest, "@["):
			if name, after, ok := strings.Cut(rest[2:], "]("); ok {
				if _, tail, ok := strings.Cut(after, ")"); ok {
					b.WriteString(name)
					i = len(little) - len(tail)
					continue
				}
			}
		case strings.HasPrefix(rest, `{hashtag|\#|`):
			if tag, tail, ok := strings.Cut(rest[len(`{hashtag|\#|`):], "}"); ok {
				b.WriteString("#" + tag)
				i = len(little) - len(tail)
				continue
			}
		}
		b.WriteByte(little[i])
		i++
	}
	return b.String()
}
