package calendars_test

import (
	"testing"
	"time"

	"github.com/rythmehq/rythme/calendars"
)

func TestDescribe(t *testing.T) {
	t.Parallel()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	// Tuesday 3 March 2026, 09:00 in Paris.
	start := time.Date(2026, 3, 3, 9, 0, 0, 0, paris)
	for _, tc := range []struct{ rule, want string }{
		{"FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20260301T000000Z", ""}, // ends before it starts: refused below
		{"FREQ=WEEKLY;BYDAY=TH,TU;UNTIL=20270301T120000Z", "Every Tuesday and Thursday at 09:00, until 1 March 2027"},
		{"FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20260601", "Every Tuesday and Thursday at 09:00, until 1 June"},
		{"FREQ=WEEKLY;COUNT=10", "Every Tuesday at 09:00, 10 times"},
		{"FREQ=WEEKLY;INTERVAL=2;COUNT=4", "Every 2 weeks on Tuesday at 09:00, 4 times"},
		{"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=20", "Every weekday at 09:00, 20 times"},
		{"FREQ=DAILY;COUNT=1", "Every day at 09:00, once"},
		{"FREQ=DAILY;INTERVAL=3;COUNT=5", "Every 3 days at 09:00, 5 times"},
		{"FREQ=DAILY;BYHOUR=9,17;BYMINUTE=30;COUNT=6", "Every day at 09:30 and 17:30, 6 times"},
		{"FREQ=MONTHLY;COUNT=3", "Every month on the 3rd at 09:00, 3 times"},
		{"FREQ=MONTHLY;BYMONTHDAY=1,15,-1;COUNT=6", "Every month on the 1st, 15th and last day at 09:00, 6 times"},
		{"FREQ=MONTHLY;BYDAY=-1FR;COUNT=2", "Every month on the last Friday at 09:00, 2 times"},
		{"FREQ=MONTHLY;BYDAY=1MO,3MO;COUNT=4", "Every month on the first Monday and the third Monday at 09:00, 4 times"},
		{"FREQ=YEARLY;COUNT=2", "Every year on 3 March at 09:00, 2 times"},
		{"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=14;COUNT=2", "Every year on the 14th of February at 09:00, 2 times"},
		{"FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3", "Repeats by its own rule, 3 times"},
	} {
		r, err := calendars.ParseRule(tc.rule, start)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%s: parsed", tc.rule)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.rule, err)
			continue
		}
		if got := r.Describe(); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.rule, got, tc.want)
		}
	}
	// In its own zone: 09:00 in Paris is said 09:00, even in summer.
	summer := time.Date(2026, 7, 7, 9, 0, 0, 0, paris)
	r, err := calendars.ParseRule("FREQ=WEEKLY;COUNT=2", summer.UTC().In(paris))
	if err != nil || r.Describe() != "Every Tuesday at 09:00, 2 times" {
		t.Errorf("summer: %v %v", r, err)
	}
}
