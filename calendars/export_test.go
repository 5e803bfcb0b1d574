package calendars

// SafeURL exposes the rule a feed's URLs must meet.
var SafeURL = safeURL
