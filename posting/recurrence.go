package posting

import (
	"errors"
	"time"

	"github.com/rythmehq/rythme/calendars"
)

// recurrenceMessage turns a ParseRule error into the message for the
// "recurrence" field.
func recurrenceMessage(err error) string {
	for _, kind := range []error{calendars.ErrRuleFreq, calendars.ErrRuleUnbounded, calendars.ErrRuleTooMany, calendars.ErrRuleEmpty} {
		if errors.Is(err, kind) {
			return kind.Error()
		}
	}
	return calendars.ErrRuleSyntax.Error()
}

// ParseRecurrence parses the rule of a recurring post anchored at its
// first time in its zone, adding a bad one to fe on "recurrence". Nil when
// the rule is bad, or when zoneName or start is (reported on timezone /
// scheduled_at by Validate).
func ParseRecurrence(fe *Fields, rule string, start time.Time, zoneName string) *calendars.Rule {
	zone, err := calendars.LoadZone(zoneName)
	if err != nil || start.IsZero() {
		return nil
	}
	r, err := calendars.ParseRule(rule, start.In(zone))
	if err != nil {
		fe.Add("recurrence", "%s", recurrenceMessage(err))
		return nil
	}
	return r
}
