package x

// ParseV2 counts as twitter-text config v2 (no emoji parsing), for the
// conformance cases of that configuration.
func ParseV2(text string) Parsed { return parse(text, false) }

// ExtractURLs exposes the URL scanner to the external tests.
func ExtractURLs(s string) []string {
	var out []string
	for _, sp := range extractURLs(s) {
		out = append(out, s[sp.start:sp.end])
	}
	return out
}
