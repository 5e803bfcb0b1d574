package x

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// URL extraction as twitter-text does it (extractUrlsWithIndices and the
// VALID_URL pattern of
// https://github.com/twitter/twitter-text/blob/master/java/src/main/java/com/twitter/twittertext/Regex.java),
// written as a scanner: an optional http:// or https://, a domain whose
// last label is a top-level domain followed by a boundary, an optional
// port, path (balanced parentheses, no trailing punctuation) and query.
// Without a protocol the domain must be ASCII or Latin; with one, a single
// Unicode label before the TLD is allowed too. Each label must fit in 63
// characters once punycode-encoded and the whole URL in 4096.
//
// twitter-text carries its own copy of IANA's TLD list; this scanner asks
// the ICANN section of the Public Suffix List
// (golang.org/x/net/publicsuffix), which holds the same TLDs.

type span struct{ start, end int } // byte offsets

const maxURLLength = 4096

// extractURLs returns the URLs of s in order.
func extractURLs(s string) []span {
	if !strings.Contains(s, ".") {
		return nil
	}
	var out []span
	prev := rune(-1)
	for i := 0; i < len(s); {
		if validPreceding(prev) {
			if sp, end, ok := matchURL(s, i, prev); end > i {
				if ok {
					out = append(out, sp)
				}
				r, _ := utf8.DecodeLastRuneInString(s[:end])
				prev, i = r, end
				continue
			}
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		prev = r
		i += n
	}
	return out
}

// validPreceding is URL_VALID_PRECEDING_CHARS: the start of the text, or
// a character that is not a letter or digit of ASCII, @, $, # (or their
// full-width forms), nor an invalid character.
func validPreceding(r rune) bool {
	switch {
	case r < 0:
		return true
	case r < utf8.RuneSelf && (isASCIIAlnum(byte(r)) || r == '@' || r == '$' || r == '#'):
		return false
	case r == '＠' || r == '＃' || r == 0xFFFE || r == 0xFEFF || r == 0xFFFF:
		return false
	}
	return true
}

// matchURL matches a URL at s[i:]. end is where the match (valid or not)
// ends, i when nothing matched; ok is false when the match fails
// twitter-text's length checks (scanning resumes after it all the same).
func matchURL(s string, i int, prev rune) (sp span, end int, ok bool) {
	j := i
	protocol := false
	for _, p := range []string{"https://", "http://"} {
		if len(s)-i >= len(p) && strings.EqualFold(s[i:i+len(p)], p) {
			j, protocol = i+len(p), true
			break
		}
	}
	if !protocol && (prev == '-' || prev == '_' || prev == '.' || prev == '/') {
		// invalidUrlWithoutProtocolPrecedingChars
		return span{}, i, false
	}
	domEnd, labels := matchDomain(s, j, protocol)
	if domEnd == j {
		return span{}, i, false
	}
	e := domEnd
	if e < len(s) && s[e] == ':' {
		k := e + 1
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > e+1 {
			e = k
		}
	}
	if e < len(s) && s[e] == '/' {
		e = matchPath(s, e)
	}
	if e < len(s) && s[e] == '?' {
		e = matchQuery(s, e)
	}
	// isValidUrl: every label fits in 63 characters once encoded, and
	// the URL (with a protocol) in 4096.
	length := e - i
	if !protocol {
		length += len("https://")
	}
	for _, l := range labels {
		a, err := idna.Punycode.ToASCII(strings.ToLower(l))
		if err != nil || len(a) == 0 || len(a) > 63 {
			return span{}, e, false
		}
		length += len(a) - len(l)
	}
	return span{i, e}, e, length <= maxURLLength
}

// matchDomain returns the end of the longest valid domain at s[j:] and
// its labels, or j.
func matchDomain(s string, j int, protocol bool) (int, []string) {
	// Labels of candidate characters, separated by single dots.
	var labels []span
	k := j
	for {
		start := k
		for k < len(s) {
			r, n := utf8.DecodeRuneInString(s[k:])
			if !labelRune(r, protocol) {
				break
			}
			k += n
		}
		if k == start {
			break
		}
		labels = append(labels, span{start, k})
		if k+1 < len(s) && s[k] == '.' {
			k++
			continue
		}
		break
	}
	// The greedy regex takes the most labels it can: the last one (or a
	// prefix of it followed by a boundary) must be a TLD.
	for n := len(labels); n >= 2; n-- {
		last := labels[n-1]
		for _, tldEnd := range tldEnds(s, last) {
			names := make([]string, 0, n)
			for _, l := range labels[:n-1] {
				names = append(names, s[l.start:l.end])
			}
			tld := s[last.start:tldEnd]
			if validDomainLabels(names, tld, protocol) {
				return tldEnd, append(names, tld)
			}
		}
	}
	return j, nil
}

// tldEnds lists where a TLD may end in label l, longest first: the label's
// end, or any earlier point followed by a character outside [a-z0-9@+-].
func tldEnds(s string, l span) []int {
	var out []int
	for e := l.end; e > l.start; {
		if e == l.end || !tldBoundaryStop(s[e]) {
			if isTLD(s[l.start:e]) {
				out = append(out, e)
			}
		}
		_, n := utf8.DecodeLastRuneInString(s[l.start:e])
		e -= n
	}
	if l.end < len(s) && (s[l.end] == '@' || s[l.end] == '+') {
		return nil
	}
	return out
}

func tldBoundaryStop(b byte) bool { return isASCIIAlnum(b) || b == '@' || b == '+' || b == '-' }

// validDomainLabels checks the names before the TLD: ASCII or Latin
// subdomains (with - and _ inside) and a domain name (with - inside), or,
// after a protocol, a single Unicode domain name.
func validDomainLabels(names []string, tld string, protocol bool) bool {
	ok := true
	for i, n := range names {
		extra := "-"
		if i < len(names)-1 {
			extra = "-_"
		}
		ok = ok && validLabel(n, isLatinURLRune, extra)
	}
	if ok {
		return true
	}
	return protocol && len(names) == 1 && validLabel(names[0], isUnicodeURLRune, "-")
}

func validLabel(l string, valid func(rune) bool, inner string) bool {
	if l == "" {
		return false
	}
	first, _ := utf8.DecodeRuneInString(l)
	last, _ := utf8.DecodeLastRuneInString(l)
	if !valid(first) || !valid(last) {
		return false
	}
	for _, r := range l {
		if !valid(r) && !strings.ContainsRune(inner, r) {
			return false
		}
	}
	return true
}

// isTLD reports whether t is a top-level domain of the ICANN root (in
// Unicode or punycode form), or a punycode label (URL_PUNYCODE).
func isTLD(t string) bool {
	t = strings.ToLower(t)
	if strings.HasPrefix(t, "xn--") && len(t) > 4 {
		return true
	}
	a, err := idna.Punycode.ToASCII(t)
	if err != nil || a == "" || strings.ContainsAny(a, "._") {
		return false
	}
	ps, icann := publicsuffix.PublicSuffix("x." + a)
	return icann && ps == a
}

// labelRune is a character a domain label may hold: with a protocol any
// URL_VALID_UNICODE_CHARS, without one the Latin set; - and _ always.
func labelRune(r rune, protocol bool) bool {
	if r == '-' || r == '_' {
		return true
	}
	if protocol {
		return isUnicodeURLRune(r)
	}
	return isLatinURLRune(r)
}

// isLatinURLRune is URL_VALID_CHARS: ASCII letters and digits and the
// Latin accented letters of LATIN_ACCENTS_CHARS.
func isLatinURLRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(byte(r))
	}
	return isLatinAccent(r)
}

func isLatinAccent(r rune) bool {
	switch {
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x24F,
		r >= 0x300 && r <= 0x36F, r >= 0x1E00 && r <= 0x1EFF, r == 0x2BB:
		return true
	}
	return strings.ContainsRune("\u0253\u0254\u0256\u0257\u0259\u025b\u0263\u0268\u026f\u0272\u0289\u028b", r)
}

// isUnicodeURLRune is URL_VALID_UNICODE_CHARS: not ASCII punctuation, not
// a space or separator, not general punctuation (U+2000–U+206F).
func isUnicodeURLRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(byte(r))
	}
	return !unicode.IsSpace(r) && !unicode.Is(unicode.Z, r) && (r < 0x2000 || r > 0x206F) &&
		r != 0xFFFE && r != 0xFEFF && r != 0xFFFF
}

func isASCIIAlnum(b byte) bool {
	return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
}

// Path characters (URL_VALID_GENERAL_PATH_CHARS and
// URL_VALID_PATH_ENDING_CHARS, with Cyrillic and Latin accents).
func pathRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(byte(r)) || strings.ContainsRune("!*';:=+,.$/%#[]-_~|&@", r)
	}
	return r == 0x2013 || isLatinAccent(r) || (r >= 0x400 && r <= 0x4FF)
}

func pathEndRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(byte(r)) || strings.ContainsRune("=_#/-+", r)
	}
	return isLatinAccent(r) || (r >= 0x400 && r <= 0x4FF)
}

// matchPath matches "/" and URL_VALID_PATH at s[j:]; it returns the end of
// the longest prefix that ends on a path-ending character or a balanced
// parenthesis group.
func matchPath(s string, j int) int {
	best := j + 1 // "/" is itself an ending character
	k := j + 1
	for k < len(s) {
		if s[k] == '(' {
			e := balancedParens(s, k)
			if e < 0 {
				break
			}
			k, best = e, e
			continue
		}
		r, n := utf8.DecodeRuneInString(s[k:])
		if !pathRune(r) {
			break
		}
		k += n
		if pathEndRune(r) {
			best = k
		}
	}
	return best
}

// balancedParens matches URL_BALANCED_PARENS at s[k:] (s[k] == '('): path
// characters with at most one nested group. It returns its end or -1.
func balancedParens(s string, k int) int {
	depth, chars := 0, 0
	for i := k; i < len(s); {
		switch s[i] {
		case '(':
			depth++
			if depth > 2 {
				return -1
			}
			chars = 0
			i++
			continue
		case ')':
			if chars == 0 {
				return -1
			}
			depth--
			i++
			if depth == 0 {
				return i
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !pathRune(r) {
			return -1
		}
		chars++
		i += n
	}
	return -1
}

// matchQuery matches "?" + URL_VALID_URL_QUERY_CHARS* ending on a
// URL_VALID_URL_QUERY_ENDING_CHARS; it returns j when there is none.
func matchQuery(s string, j int) int {
	best := j
	for k := j + 1; k < len(s); k++ {
		b := s[k]
		if !(isASCIIAlnum(b) || strings.IndexByte("!?*'();:&=+$/%#[]-_.,~|@", b) >= 0) {
			break
		}
		if isASCIIAlnum(b) || strings.IndexByte("-_&=#/", b) >= 0 {
			best = k + 1
		}
	}
	return best
}
