package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/internal/store"
)

// End to end: hook call → cards → feedback for two of them → `jakguard
// report` reads the store after shutdown and shows the counts and reasons.
func TestHookFeedbackReport(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "feedback.db")
	base, stop := startServe(t, "--db", db)

	body, err := os.ReadFile("../../testdata/requests/order-select-upadacitinib.json")
	require.NoError(t, err)
	resp, err := http.Post(base+"/cds-services/order-select", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	var out struct {
		Cards []struct {
			UUID        string `json:"uuid"`
			Suggestions []struct {
				UUID string `json:"uuid"`
			} `json:"suggestions"`
			Extension map[string][]string `json:"extension"`
		} `json:"cards"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	resp.Body.Close()
	require.GreaterOrEqual(t, len(out.Cards), 2)
	screening, risk := out.Cards[0], out.Cards[1]
	require.Contains(t, screening.Extension["org.jakguard.findings"], "tb-screening-missing")
	require.Contains(t, risk.Extension["org.jakguard.findings"], "lower-dose-recommended")

	ts := time.Now().UTC().Format(time.RFC3339)
	fb := fmt.Sprintf(`{"feedback":[
		{"card":%q,"outcome":"accepted","acceptedSuggestions":[{"id":%q}],"outcomeTimestamp":%q},
		{"card":%q,"outcome":"overridden","overrideReason":{"reason":{"system":"https://jakguard.org/CodeSystem/override-reason","code":"benefit-outweighs-risk","display":"Benefit outweighs risk, discussed with patient"}},"outcomeTimestamp":%q}]}`,
		screening.UUID, screening.Suggestions[0].UUID, ts, risk.UUID, ts)
	resp, err = http.Post(base+"/cds-services/order-select/feedback", "application/json", bytes.NewReader([]byte(fb)))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)

	// The console's analytics (and their alias /analytics/findings) and
	// `jakguard report` read the same store the same way: they agree,
	// attribution included. A loopback server without --clients opens the
	// console without a token (contract 6.7).
	var live store.Analytics
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/console/api/findings")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		live = store.Analytics{}
		return json.NewDecoder(resp.Body).Decode(&live) == nil && len(live.Findings) > 0
	}, 5*time.Second, 20*time.Millisecond, "the card records are written")
	require.NotEmpty(t, live.Weekly, "weekly series for the charts")
	var liveOut, liveErr bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"report", "--db", db, "--format", "json"}, env(nil), &liveOut, &liveErr), liveErr.String())
	var fromCLI store.Report
	require.NoError(t, json.Unmarshal(liveOut.Bytes(), &fromCLI))
	assert.Equal(t, fromCLI, live.Report, "jakguard report and /console/api/findings disagree")
	resp, err = http.Get(base + "/analytics/findings")
	require.NoError(t, err)
	var alias store.Report
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&alias))
	resp.Body.Close()
	assert.Equal(t, fromCLI, alias, "jakguard report and /analytics/findings disagree")

	require.NoError(t, stop(), "clean shutdown flushes the card records")

	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"report", "--db", db, "--format", "json"}, env(nil), &stdout, &stderr), stderr.String())
	var rep struct {
		Findings []struct {
			Code       string `json:"code"`
			Shown      int    `json:"shown"`
			Accepted   int    `json:"accepted"`
			Overridden int    `json:"overridden"`
			TopReasons []struct {
				Code  string `json:"code"`
				Count int    `json:"count"`
			} `json:"topReasons"`
		} `json:"findings"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep), stdout.String())
	byCode := map[string]int{}
	for _, f := range rep.Findings {
		byCode[f.Code+" shown"] = f.Shown
		byCode[f.Code+" accepted"] = f.Accepted
		byCode[f.Code+" overridden"] = f.Overridden
		if f.Code == "cardiovascular-risk" {
			require.Len(t, f.TopReasons, 1)
			assert.Equal(t, "benefit-outweighs-risk", f.TopReasons[0].Code)
			assert.Equal(t, 1, f.TopReasons[0].Count)
		}
	}
	assert.Equal(t, 1, byCode["tb-screening-missing shown"])
	assert.Equal(t, 1, byCode["tb-screening-missing accepted"])
	assert.Equal(t, 0, byCode["hbv-screening-missing accepted"], "the accepted suggestion (the IGRA) addresses TB only")
	assert.Equal(t, 1, byCode["hbv-screening-missing shown"])
	assert.Equal(t, 1, byCode["cardiovascular-risk overridden"])
	assert.Equal(t, 1, byCode["lower-dose-recommended overridden"])
	assert.Equal(t, 0, byCode["no-prior-systemic-therapy accepted"]+byCode["no-prior-systemic-therapy overridden"])

	stdout.Reset()
	require.Equal(t, 0, run(context.Background(), []string{"report", "--db", db, "--since", "1h"}, env(nil), &stdout, &stderr))
	assert.Contains(t, stdout.String(), "tb-screening-missing")
	assert.Contains(t, stdout.String(), "benefit-outweighs-risk")
}

// A mistyped --db fails clearly and creates nothing; so does a database
// jakguard never migrated.
func TestReportNeedsAnExistingStore(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo.db")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"report", "--db", "sqlite:" + typo}, env(nil), &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "does not exist")
	assert.Contains(t, stderr.String(), typo)
	assert.Empty(t, stdout.String())
	_, err := os.Stat(typo)
	assert.True(t, os.IsNotExist(err), "report created %s", typo)

	empty := filepath.Join(dir, "empty.db")
	require.NoError(t, os.WriteFile(empty, nil, 0o600)) // a file, but no store
	stderr.Reset()
	assert.Equal(t, 1, run(context.Background(), []string{"report", "--db", "sqlite:" + empty}, env(nil), &stdout, &stderr))
	assert.Contains(t, stderr.String(), "no jakguard store")
}
