package rythme

import (
	"errors"
	"fmt"
)

// Error codes. One table in package api maps them to HTTP statuses.
const (
	EINVALID      = "invalid"                // the input is malformed or breaks a rule (422, 400 for bad JSON)
	EBADREQUEST   = "bad_request"            // the request cannot be parsed (400)
	ENOTFOUND     = "not_found"              // no such thing in this workspace (404)
	ECONFLICT     = "conflict"               // the thing is in a state that does not allow it (409)
	EUNAUTHORIZED = "unauthorized"           // no valid credentials (401)
	EFORBIDDEN    = "forbidden"              // valid credentials, not allowed (403)
	EUNAVAILABLE  = "unavailable"            // a dependency is down; try again later (503)
	ERATELIMITED  = "rate_limited"           // too many requests (429)
	ETOOLARGE     = "payload_too_large"      // the body is larger than allowed (413)
	EUNSUPPORTED  = "unsupported_media_type" // the body is not in a format the route reads (415)
	EINTERNAL     = "internal"               // a bug or an unexpected failure (500)
)

// FieldError says what is wrong with one field of the input. Field uses a
// JSON path such as "targets[1].content".
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the error type of rythme. Message is safe to show to a user;
// Err (the cause) is for logs only and never reaches an API response.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error listing field errors.
func Invalid(fields ...FieldError) *Error {
	msg := "the request has invalid fields"
	if len(fields) == 1 {
		msg = fields[0].Field + ": " + fields[0].Message
	}
	return &Error{Code: EINVALID, Message: msg, Fields: fields}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the message of an
// *Error, or a generic text for anything else (whose detail must not leak).
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorFields returns the field errors of err, if any.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
