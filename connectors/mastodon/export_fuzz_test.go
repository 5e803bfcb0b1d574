package mastodon

import "time"

// SetMediaPoll sets how often a processing media is asked after, for the
// fuzz targets (which answer 202 as often as they like), and returns the
// previous value. Fuzz targets run after every Test function, so no test
// reads it meanwhile.
func SetMediaPoll(d time.Duration) time.Duration {
	old := mediaPoll
	mediaPoll = d
	return old
}

// ErrorMessage exposes errorMessage to the fuzz targets.
var ErrorMessage = errorMessage
