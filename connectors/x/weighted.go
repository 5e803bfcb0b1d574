package x

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// X counts a post's length with twitter-text's parseTweet and its
// configuration v3
// (https://github.com/twitter/twitter-text/blob/master/config/v3.json,
// https://docs.x.com/fundamentals/counting-characters):
//
//	{"version": 3, "maxWeightedTweetLength": 280, "scale": 100,
//	 "defaultWeight": 200, "emojiParsingEnabled": true,
//	 "transformedURLLength": 23,
//	 "ranges": [{"start": 0, "end": 4351, "weight": 100},
//	            {"start": 8192, "end": 8205, "weight": 100},
//	            {"start": 8208, "end": 8223, "weight": 100},
//	            {"start": 8242, "end": 8247, "weight": 100}]}
//
// The text is first normalised to NFC; a URL counts 23 whatever its
// length; an emoji (a whole sequence: skin tone, ZWJ family, flag,
// keycap) counts 2; any other character counts 1 when its code point is
// in one of the ranges (Latin, Greek, Cyrillic, Hebrew, Arabic, Indic…
// up to U+10FF, and some general punctuation) and 2 otherwise (CJK,
// most symbols, characters outside the BMP).
const (
	// MaxWeightedLength is the longest post X takes.
	MaxWeightedLength = 280
	// URLWeight is what any URL counts (transformedURLLength).
	URLWeight = 23

	scale         = 100
	defaultWeight = 200
)

var weightRanges = []struct {
	lo, hi rune
	weight int
}{{0, 4351, 100}, {8192, 8205, 100}, {8208, 8223, 100}, {8242, 8247, 100}}

// Parsed is what Parse learns of a text, as twitter-text's parseTweet
// reports it.
type Parsed struct {
	// WeightedLength is the length X counts.
	WeightedLength int
	// Valid is true when the text is not empty, within
	// MaxWeightedLength and free of invalid characters.
	Valid bool
	// Permillage is WeightedLength per thousand of the limit.
	Permillage int
	// InvalidCharacters is true when the text holds U+FFFE, U+FEFF or
	// U+FFFF, which X refuses.
	InvalidCharacters bool
}

// WeightedLength returns the length X counts for text.
func WeightedLength(text string) int { return Parse(text).WeightedLength }

// Parse counts text as X does (twitter-text config v3).
func Parse(text string) Parsed { return parse(text, true) }

// parse is parseTweet; emoji false is config v2 (no emoji parsing).
func parse(text string, emoji bool) Parsed {
	t := norm.NFC.String(text)
	urls := extractURLs(t)
	w, u := 0, 0
	invalid := false
	for i := 0; i < len(t); {
		for u < len(urls) && urls[u].start < i {
			u++
		}
		if u < len(urls) && urls[u].start == i {
			w += URLWeight * scale
			i = urls[u].end
			continue
		}
		if emoji {
			if n := emojiLen(t, i); n > 0 {
				w += defaultWeight
				i += n
				continue
			}
		}
		r, n := utf8.DecodeRuneInString(t[i:])
		w += charWeight(r)
		if r == 0xFFFE || r == 0xFEFF || r == 0xFFFF {
			invalid = true
		}
		i += n
	}
	length := w / scale
	return Parsed{
		WeightedLength:    length,
		Valid:             !invalid && length > 0 && length <= MaxWeightedLength,
		Permillage:        length * 1000 / MaxWeightedLength,
		InvalidCharacters: invalid,
	}
}

func charWeight(r rune) int {
	for _, rg := range weightRanges {
		if r >= rg.lo && r <= rg.hi {
			return rg.weight
		}
	}
	return defaultWeight
}
