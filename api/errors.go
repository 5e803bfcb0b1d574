package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/netguard"
)

// codeMethodNotAllowed is the one code the API adds to rythme's: a known
// path asked with a method it does not serve.
const codeMethodNotAllowed = "method_not_allowed"

// codeTimeout: a request body that did not arrive in time (a media upload
// slower than its deadline).
const codeTimeout = "timeout"

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[string]int{
	rythme.EINVALID:      http.StatusUnprocessableEntity,
	rythme.EBADREQUEST:   http.StatusBadRequest,
	rythme.ENOTFOUND:     http.StatusNotFound,
	rythme.ECONFLICT:     http.StatusConflict,
	rythme.EUNAUTHORIZED: http.StatusUnauthorized,
	rythme.EFORBIDDEN:    http.StatusForbidden,
	rythme.EUNAVAILABLE:  http.StatusServiceUnavailable,
	rythme.ERATELIMITED:  http.StatusTooManyRequests,
	rythme.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	rythme.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	rythme.EINTERNAL:     http.StatusInternalServerError,
	codeMethodNotAllowed: http.StatusMethodNotAllowed,
	codeTimeout:          http.StatusRequestTimeout,
}

// errorBody is the one error shape of every response.
type errorBody struct {
	Error errorJSON `json:"error"`
}

type errorJSON struct {
	Code    string              `json:"code"`
	Message string              `json:"message"`
	Fields  []rythme.FieldError `json:"fields,omitempty"`
}

const (
	msgInternal    = "internal error; it has been logged"
	msgUnavailable = "the database is unavailable; try again shortly"
)

// fail answers err in the one error shape and aborts the chain.
func (s *server) fail(c *gin.Context, err error) {
	status, body := s.errorOf(c, err)
	c.AbortWithStatusJSON(status, errorBody{Error: body})
}

// errorOf maps err to its status and body. Internal errors are logged
// with their detail and answered with a generic message; so are
// unavailable ones, whose detail may name hosts.
func (s *server) errorOf(c *gin.Context, err error) (int, errorJSON) {
	code := rythme.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		code, status = rythme.EINTERNAL, http.StatusInternalServerError
	}
	body := errorJSON{Code: code, Message: rythme.ErrorMessage(err), Fields: rythme.ErrorFields(err)}
	switch code {
	case rythme.EINTERNAL:
		s.log.ErrorContext(c.Request.Context(), "api: internal error",
			slog.String("route", route(c)), slog.String("error", err.Error()))
		body = errorJSON{Code: code, Message: msgInternal}
	case rythme.EUNAVAILABLE:
		s.log.WarnContext(c.Request.Context(), "api: dependency unavailable",
			slog.String("route", route(c)), slog.String("error", err.Error()))
		var se *safeError
		if errors.As(err, &se) {
			body.Message = se.msg
		} else {
			body.Message = msgUnavailable
		}
		body.Fields = nil
	}
	if code == rythme.EUNAUTHORIZED {
		c.Header("WWW-Authenticate", `Bearer realm="rythme"`)
	}
	return status, body
}

// safeError marks an unavailable error whose message was written by this
// package (not by a dependency) and is fit to show.
type safeError struct {
	msg string
	err error
}

func (e *safeError) Error() string { return e.msg + ": " + e.err.Error() }
func (e *safeError) Unwrap() error { return e.err }

// unavailable returns an EUNAVAILABLE error answered with msg.
func unavailable(msg string, cause error) error {
	return &rythme.Error{Code: rythme.EUNAVAILABLE, Message: msg, Err: &safeError{msg: msg, err: cause}}
}

// badRequest returns an EBADREQUEST error, naming field when known.
func badRequest(field, format string, args ...any) error {
	e := rythme.Errorf(rythme.EBADREQUEST, format, args...)
	if field != "" {
		e.Fields = []rythme.FieldError{{Field: field, Message: e.Message}}
	}
	return e
}

// decodeJSON reads exactly one JSON value into v, refusing unknown fields,
// and turns decoding errors into 400s (413 for a body over the limit) whose
// messages name the field where possible. A body that is not declared
// application/json is refused with 415 before it is read.
func decodeJSON(c *gin.Context, v any) error {
	if err := requireJSON(c.Request); err != nil {
		return err
	}
	return decodeFrom(c.Request.Body, v)
}

// requireJSON answers EUNSUPPORTED (415) for a request whose body is not
// declared as JSON: a Content-Type other than application/json (a
// charset parameter, if any, must be utf-8), or none at all on a request
// that has a body. An empty body without a Content-Type passes, so that
// decoding it says the body is empty.
func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		if r.ContentLength == 0 {
			return nil
		}
		return rythme.Errorf(rythme.EUNSUPPORTED, "the body has no Content-Type: send JSON with Content-Type: application/json")
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return rythme.Errorf(rythme.EUNSUPPORTED, "the body must be JSON sent with Content-Type: application/json")
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return rythme.Errorf(rythme.EUNSUPPORTED, "the body must be JSON in UTF-8 (Content-Type: application/json, no %s=%s)", k, v)
		}
	}
	return nil
}

// decodeRaw decodes a body already read (a peek at a field chose v) as
// decodeJSON does.
func decodeRaw(raw json.RawMessage, v any) error { return decodeFrom(bytes.NewReader(raw), v) }

func decodeFrom(r io.Reader, v any) error {
	var body bytes.Buffer
	if err := decodeStrict(io.TeeReader(r, &body), v); err != nil {
		return err
	}
	// Every string of the body, whatever field it fills: a control
	// character is refused here, naming the field, before it can reach a
	// database (PostgreSQL refuses NUL) or a feed.
	if field, ok := controlCharField(body.Bytes()); ok {
		return rythme.Invalid(rythme.FieldError{Field: field, Message: rythme.ControlCharMessage})
	}
	return nil
}

func decodeStrict(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF {
		if err != nil {
			if e := decodeError(err); rythme.ErrorCode(e) == rythme.ETOOLARGE {
				return e
			}
		}
		return badRequest("", "the body must hold a single JSON object")
	}
	return nil
}

func decodeError(err error) error {
	var (
		syntax  *json.SyntaxError
		typ     *json.UnmarshalTypeError
		tooBig  *http.MaxBytesError
		unknown = "json: unknown field "
	)
	switch {
	case errors.As(err, &tooBig):
		return rythme.Errorf(rythme.ETOOLARGE, "the body is larger than %d bytes", tooBig.Limit)
	case errors.Is(err, io.EOF):
		return badRequest("", "the body is empty: send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("", "malformed JSON: the body ends too early")
	case errors.As(err, &syntax):
		return badRequest("", "malformed JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return badRequest("", "the body must be a JSON %s, not %s", jsonKind(typ.Type), typ.Value)
		}
		return badRequest(typ.Field, "%s must be %s, not %s", typ.Field, jsonKind(typ.Type), typ.Value)
	case strings.HasPrefix(err.Error(), unknown):
		name := strings.Trim(strings.TrimPrefix(err.Error(), unknown), `"`)
		return badRequest(name, "unknown field %q", name)
	}
	return badRequest("", "malformed JSON body")
}

// jsonKind names a Go kind as JSON does.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	kind := t.Kind().String()
	switch kind {
	case "string":
		return "a string"
	case "slice", "array":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	case "bool":
		return "a boolean"
	case "int", "int64", "int32", "float64", "uint", "uint64":
		return "a number"
	}
	return fmt.Sprintf("a %s", kind)
}

// connectorErr is for errors of the connect flow that come from a connector:
// their Kind decides the answer. A remote server's own words are never
// shown (the host may be one the user chose, pointing at an internal
// service): only the HTTP status and what to do.
func connectorErr(op string, err error) error {
	if rythme.ErrorCode(err) != rythme.EINTERNAL {
		return err // already a domain error (EINVALID for bad params…)
	}
	ce, ok := connectors.AsError(err)
	if !ok {
		return fmt.Errorf("api: %s: %w", op, err)
	}
	said := ce.Message
	if ce.Status != 0 {
		said = fmt.Sprintf("HTTP %d", ce.Status)
	}
	switch ce.Kind {
	case connectors.Auth:
		return &rythme.Error{Code: rythme.EINVALID, Message: "the network refused the credentials (" + said + "): check them and connect again", Err: err}
	case connectors.Permanent:
		return &rythme.Error{Code: rythme.EINVALID, Message: "the network refused (" + said + ")", Err: err}
	case connectors.RateLimited:
		return &rythme.Error{Code: rythme.ERATELIMITED, Message: "the network is rate limiting us; try again in a moment", Err: err}
	}
	if netguard.IsRefused(err) {
		return &rythme.Error{Code: rythme.EINVALID, Message: "the server's " + connectors.Reason(err), Err: err}
	}
	if ce.Status == 0 {
		return unavailable("the network could not be reached ("+connectors.Reason(err)+"); try again shortly", err)
	}
	return unavailable("the network failed ("+said+"); try again shortly", err)
}

// controlCharField returns the path (targets[0].content) of the first
// string of a JSON body, key or value, holding a control character other
// than tab, CR and LF.
func controlCharField(body []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var path jsonPath
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				path = append(path, &jsonLevel{isKey: true})
			case '[':
				path = append(path, &jsonLevel{array: true})
			default:
				path = path[:len(path)-1]
				path.value()
			}
		case string:
			key := path.atKey()
			if key {
				top := path[len(path)-1]
				top.key, top.isKey = t, false
			}
			if rythme.HasControlChar(t) {
				return path.String(), true
			}
			if !key {
				path.value()
			}
		default:
			path.value()
		}
	}
}

// jsonLevel is one open container of a JSON document being read.
type jsonLevel struct {
	array bool
	index int
	key   string
	isKey bool // an object's next string token is a key
}

// jsonPath is the containers open at a point of a JSON document, outermost
// first.
type jsonPath []*jsonLevel

// String is the path as a field name: targets[0].content.
func (p jsonPath) String() string {
	var b strings.Builder
	for _, l := range p {
		if l.array {
			b.WriteString("[" + strconv.Itoa(l.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(l.key)
	}
	return b.String()
}

// atKey reports whether the next string token is an object's key.
func (p jsonPath) atKey() bool {
	n := len(p)
	return n > 0 && !p[n-1].array && p[n-1].isKey
}

// value marks a value done in its container.
func (p jsonPath) value() {
	if n := len(p); n > 0 {
		if top := p[n-1]; top.array {
			top.index++
		} else {
			top.isKey = true
		}
	}
}
