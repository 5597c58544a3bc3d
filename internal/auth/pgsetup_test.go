package auth

import (
	"testing"
)

// The PostgreSQL tests work in a schema of their own, dropped with the
// replay table when the test ends: nothing is left in the database.
func TestPostgresTestLeavesNoTable(t *testing.T) {
	var schema string
	t.Run("inner", func(t *testing.T) {
		conn := postgresConn(t)
		if _, err := NewPostgresReplay(t.Context(), conn, nil); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(t.Context(), `SELECT current_schema()`).Scan(&schema); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = 'jakguard_jwt_replay'`, schema).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("the replay table is not in the test schema %s", schema)
		}
	})
	if schema == "" {
		t.Skip("PostgreSQL not reachable")
	}
	admin := postgresConn(t)
	var n int
	if err := admin.QueryRow(t.Context(), `SELECT count(*) FROM pg_namespace WHERE nspname = $1`, schema).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("schema %s (and its replay table) left behind", schema)
	}
}
