package rythme

// ControlCharMessage is what a field holding a control character is told.
const ControlCharMessage = "contains a control character: only tab, line feed and carriage return are allowed"

// HasControlChar reports whether s holds a control character other than
// tab, line feed and carriage return: C0 (NUL…), DEL or C1. Such bytes are
// refused wherever text enters rythme: PostgreSQL cannot store NUL, and
// none of them belongs in a post, a name or an iCalendar feed.
func HasControlChar(s string) bool {
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
			return true
		}
	}
	return false
}
