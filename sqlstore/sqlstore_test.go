package sqlstore_test

import (
	"testing"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

func TestSQLite(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(t *testing.T) rythme.Store { return storetest.SQLite(t) })
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(t *testing.T) rythme.Store { return storetest.Postgres(t) })
}
