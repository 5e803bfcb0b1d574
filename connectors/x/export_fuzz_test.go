package x

import (
	"net/http"

	"github.com/rythmehq/rythme/connectors"
)

// ErrorMessage exposes errorMessage to the fuzz targets.
var ErrorMessage = errorMessage

// DecodeKeys exposes decodeKeys to the fuzz targets.
var DecodeKeys = decodeKeys

// FromResponse exposes fromResponse to the fuzz targets.
func FromResponse(resp *http.Response) *connectors.Error { return fromResponse(resp) }
