package calendars

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

var dayNames = map[string]string{"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday",
	"FR": "Friday", "SA": "Saturday", "SU": "Sunday"}

var dayOrder = []string{"MO", "TU", "WE", "TH", "FR", "SA", "SU"}

var ordinals = map[int]string{1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last", -2: "second to last"}

// Describe says the rule in words, in English, on the wall clock of its
// zone: "Every Tuesday and Thursday at 09:00, until 1 April 2026",
// "Every 2 weeks on Monday at 18:30, 10 times", "Every month on the last
// Friday at 12:00". Parts it has no words for (BYSETPOS, BYYEARDAY,
// BYWEEKNO) make it say "Repeats by its own rule" with the count or end.
func (r *Rule) Describe() string {
	parts := map[string]string{}
	for _, kv := range strings.Split(r.text, ";") {
		k, v, _ := strings.Cut(kv, "=")
		parts[k] = v
	}
	start := r.start.In(r.zone)
	end := describeEnd(parts, r.zone, start, len(r.occ))
	for _, k := range []string{"BYSETPOS", "BYYEARDAY", "BYWEEKNO", "BYSECOND"} {
		if parts[k] != "" {
			return "Repeats by its own rule" + end
		}
	}
	n, _ := strconv.Atoi(parts["INTERVAL"])
	every := func(one, many string) string {
		if n > 1 {
			return fmt.Sprintf("Every %d %s", n, many)
		}
		return "Every " + one
	}
	var s string
	days := parts["BYDAY"]
	switch parts["FREQ"] {
	case "DAILY":
		s = every("day", "days")
		if days != "" {
			s += " on " + weekdays(days)
		}
	case "WEEKLY":
		switch {
		case days == "MO,TU,WE,TH,FR" && n <= 1:
			s = "Every weekday"
		case days == "" && n <= 1:
			s = "Every " + dayNames[strings.ToUpper(start.Weekday().String()[:2])]
		case days == "":
			s = every("week", "weeks") + " on " + start.Weekday().String()
		case n <= 1:
			s = "Every " + weekdays(days)
		default:
			s = every("week", "weeks") + " on " + weekdays(days)
		}
	case "MONTHLY":
		s = every("month", "months") + " on " + monthDays(parts, start)
	case "YEARLY":
		s = every("year", "years") + " on " + yearDays(parts, start)
	}
	if m := parts["BYMONTH"]; m != "" && parts["FREQ"] != "YEARLY" {
		s += " in " + months(m)
	}
	return s + " at " + clockTimes(parts, start) + end
}

// describeEnd is ", until 1 April 2026" or ", 10 times".
func describeEnd(parts map[string]string, zone *time.Location, start time.Time, total int) string {
	if u := parts["UNTIL"]; u != "" {
		if _, at, err := parseUntil(u, zone); err == nil {
			at = at.In(zone)
			if at.Year() == start.Year() {
				return ", until " + at.Format("2 January")
			}
			return ", until " + at.Format("2 January 2006")
		}
	}
	if total == 1 {
		return ", once"
	}
	return fmt.Sprintf(", %d times", total)
}

// weekdays is "Tuesday and Thursday" for TU,TH, in the week's order.
func weekdays(v string) string {
	var names []string
	set := map[string]bool{}
	for _, d := range strings.Split(v, ",") {
		set[d] = true
	}
	for _, d := range dayOrder {
		if set[d] {
			names = append(names, dayNames[d])
			delete(set, d)
		}
	}
	for d := range set { // with an ordinal (1MO): said as given
		names = append(names, nthDay(d))
	}
	return and(names)
}

// nthDay is "the first Monday" for 1MO, "the last Friday" for -1FR.
func nthDay(v string) string {
	i := len(v) - 2
	if i <= 0 {
		return dayNames[v]
	}
	n, err := strconv.Atoi(strings.TrimPrefix(v[:i], "+"))
	word, ok := ordinals[n]
	if err != nil || !ok {
		word = v[:i] + "th"
	}
	return "the " + word + " " + dayNames[v[i:]]
}

func monthDays(parts map[string]string, start time.Time) string {
	if d := parts["BYDAY"]; d != "" {
		var names []string
		for _, x := range strings.Split(d, ",") {
			names = append(names, nthDay(x))
		}
		return and(names)
	}
	v := parts["BYMONTHDAY"]
	if v == "" {
		v = strconv.Itoa(start.Day())
	}
	var names []string
	for _, x := range strings.Split(v, ",") {
		n, _ := strconv.Atoi(x)
		switch {
		case n == -1:
			names = append(names, "last day")
		case n < 0:
			names = append(names, fmt.Sprintf("%s day from the end", ordinal(-n)))
		default:
			names = append(names, ordinal(n))
		}
	}
	return "the " + and(names)
}

func yearDays(parts map[string]string, start time.Time) string {
	mon := parts["BYMONTH"]
	if parts["BYDAY"] != "" || parts["BYMONTHDAY"] != "" {
		s := monthDays(parts, start)
		if mon != "" {
			s += " of " + months(mon)
		}
		return s
	}
	if mon == "" {
		return start.Format("2 January")
	}
	return strconv.Itoa(start.Day()) + " " + months(mon)
}

func months(v string) string {
	var names []string
	for _, x := range strings.Split(v, ",") {
		if n, err := strconv.Atoi(x); err == nil && n >= 1 && n <= 12 {
			names = append(names, time.Month(n).String())
		}
	}
	return and(names)
}

// clockTimes is "09:00", or "09:00 and 17:30" with BYHOUR/BYMINUTE.
func clockTimes(parts map[string]string, start time.Time) string {
	hours := splitInts(parts["BYHOUR"], start.Hour())
	mins := splitInts(parts["BYMINUTE"], start.Minute())
	var out []string
	for _, h := range hours {
		for _, m := range mins {
			out = append(out, fmt.Sprintf("%02d:%02d", h, m))
		}
	}
	return and(out)
}

func splitInts(v string, def int) []int {
	if v == "" {
		return []int{def}
	}
	var out []int
	for _, x := range strings.Split(v, ",") {
		if n, err := strconv.Atoi(x); err == nil {
			out = append(out, n)
		}
	}
	return out
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// and joins words as a person would: "a", "a and b", "a, b and c".
func and(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
