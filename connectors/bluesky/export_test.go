package bluesky

import (
	"net/http"

	"github.com/rythmehq/rythme/connectors"
)

// ErrorFrom exposes errorFrom to the external tests.
func ErrorFrom(resp *http.Response) *connectors.Error {
	e, _ := errorFrom(resp)
	return e
}
