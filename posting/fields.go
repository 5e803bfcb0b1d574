package posting

import (
	"fmt"

	"github.com/rythmehq/rythme"
)

// Fields collects the field errors of a request, in order; Err turns them
// into the one EINVALID error the api answers with 422.
type Fields []rythme.FieldError

// Add appends an error on field.
func (fe *Fields) Add(field, format string, args ...any) {
	*fe = append(*fe, rythme.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Has reports whether field has an error already.
func (fe Fields) Has(field string) bool {
	for _, f := range fe {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns nil when there is no error, else rythme.Invalid(fe...).
func (fe Fields) Err() error {
	if len(fe) == 0 {
		return nil
	}
	return rythme.Invalid(fe...)
}
