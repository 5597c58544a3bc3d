package hooks

import (
	"net/http"
	"regexp"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// TestPooledBodiesDoNotLeak sends different hook calls from several
// goroutines at once through one server, whose body buffers are recycled:
// every answer must be the one its own call gets alone. An answer that kept
// a piece of a body past its response would show another call's data.
func TestPooledBodiesDoNotLeak(t *testing.T) {
	srv := newTestServer(t, serverOpts{noStore: true})
	calls := []struct{ path, file string }{
		{"/cds-services/order-select", "../testdata/bench/typical.json"},
		{"/cds-services/order-select", "../testdata/bench/large.json"},
		{"/cds-services/order-select", "../testdata/requests/order-select-upadacitinib.json"},
		{"/cds-services/order-sign", "../testdata/requests/order-sign-abrocitinib.json"},
		{"/cds-services/patient-view", "../testdata/requests/patient-view-abrocitinib.json"},
	}
	bodies := make([][]byte, len(calls))
	want := make([]string, len(calls))
	for i, c := range calls {
		bodies[i] = readWorkload(t, c.file)
		rec := srv.do(t, http.MethodPost, c.path, bodies[i])
		require.Equal(t, http.StatusOK, rec.Code, "%s: %s", c.file, rec.Body.String())
		want[i] = uuidRE.ReplaceAllString(rec.Body.String(), "uuid")
		require.Contains(t, want[i], `"summary"`, "%s: the test needs calls that give cards", c.file)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for n := range 20 {
				i := (g + n) % len(calls)
				rec := srv.do(t, http.MethodPost, calls[i].path, bodies[i])
				if got := uuidRE.ReplaceAllString(rec.Body.String(), "uuid"); got != want[i] {
					t.Errorf("%s: answer differs under concurrency:\n got %s\nwant %s", calls[i].file, got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}
