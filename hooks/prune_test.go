package hooks

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Passing over the Observations no rule reads (by code, and at order time
// by the rule's window) never changes a finding: every request the tests
// have gives the same answer with and without it.
func TestOrderObservationPruningKeepsFindings(t *testing.T) {
	pruned := newTestServer(t, serverOpts{noStore: true})
	full := newTestServer(t, serverOpts{noStore: true})
	full.decodeAll = true

	bodies := map[string][]byte{
		"synthea Asa":      syntheaRequest(t, "../testdata/synthea/Asa_Hermiston_4384bf23-1dc3-48ca-8c84-89fbaff201ae.json", "c79b748f-a792-4aea-bca5-c7c9c5b188cd"),
		"synthea Fletcher": syntheaRequest(t, "../testdata/synthea/Fletcher_Hyatt_fe0562b5-f517-4951-8366-32fdab088930.json", "c5ed5d78-5b3f-4a75-bdfb-5f318b068a20"),
	}
	for _, pattern := range []string{"../testdata/requests/*.json", "../testdata/bench/*.json"} {
		files, err := filepath.Glob(pattern)
		require.NoError(t, err)
		for _, f := range files {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			bodies[filepath.Base(f)] = b
		}
	}
	// The clinical scenarios, old results included: every lab a year older.
	for _, drug := range []string{"upadacitinib", "abrocitinib"} {
		r := cleanRecord()
		for _, o := range append([]res{}, r.observations...) {
			old := res{}
			for k, v := range o {
				old[k] = v
			}
			old["id"] = o["id"].(string) + "-old"
			old["effectiveDateTime"] = "2025-10-01"
			r.replace(old)
		}
		bodies["clean record with old labs, "+drug] = orderRequest(t, r, drug, 100)
		// A renewal reads results since its course start, however old
		// (kept aside by the decoder and read since then: Builder.Since).
		mg := map[string]int{"upadacitinib": 15, "abrocitinib": 100}[drug]
		c := onCourseAt(drug, mg, 700)
		for _, o := range append([]res{}, c.observations...) {
			for _, days := range []int{150, 400, 900} {
				old := res{}
				for k, v := range o {
					old[k] = v
				}
				old["id"] = fmt.Sprint(o["id"], "-", days)
				old["effectiveDateTime"] = ago(days)
				c.replace(old)
			}
			c.drop(o["id"].(string)) // only the old ones: they decide the cards
		}
		bodies["renewal on a course of 700 days with old labs, "+drug] = orderRequest(t, c, drug, mg)
	}
	require.Greater(t, len(bodies), 6)
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			var head struct{ Hook string }
			require.NoError(t, json.Unmarshal(body, &head))
			a := pruned.do(t, "POST", "/cds-services/"+head.Hook, body)
			b := full.do(t, "POST", "/cds-services/"+head.Hook, body)
			require.Equal(t, 200, a.Code, a.Body.String())
			require.Equal(t, 200, b.Code)
			assert.ElementsMatch(t, codesOf(checkResponse(t, b.Body.Bytes())), codesOf(checkResponse(t, a.Body.Bytes())))
			assert.JSONEq(t, b.Body.String(), a.Body.String(), "the same cards, word for word")
		})
	}
}
