package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// A PostgreSQL database dropped and created again is used again without a
// restart: Ping (readiness) migrates it again, and cards are recorded
// again. The review saw 503 forever.
func TestPostgresRecreatedDatabase(t *testing.T) {
	base := postgresBase(t)
	ctx := t.Context()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	b := make([]byte, 4)
	rand.Read(b)
	name := "jakguard_store_recreate_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Skipf("cannot create a database for this test: %v", err)
	}
	t.Cleanup(func() { admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	st, err := OpenPostgres(ctx, u.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Ping(ctx); err != nil {
		t.Fatal(err)
	}

	if _, err := admin.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}

	// Readiness probes: the first may meet a connection the drop broke.
	var pingErr error
	for range 5 {
		if pingErr = st.Ping(ctx); pingErr == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if pingErr != nil {
		t.Fatalf("readiness never green again: %v", pingErr)
	}
	rec := CardRecord{UUID: "6b8f0c1e-4a7d-4f0e-9a51-2f0d7c1b9e01", Service: "order-select", Findings: []string{"tb-screening-missing"}, Shown: time.Now()}
	if err := st.RecordCards(ctx, []CardRecord{rec}); err != nil {
		t.Fatalf("cards not recorded after the database was recreated: %v", err)
	}
}
