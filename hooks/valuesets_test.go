package hooks

import (
	"io"
	"log/slog"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/rules"
)

// A hospital maps its local lab code with --valuesets: the local code
// reaches the prefetch template and drives the rule, without a rebuild.
func TestLocalCodesFromValueSetOverlay(t *testing.T) {
	overlay := fstest.MapFS{"hemoglobin.json": {Data: []byte(`{
		"resourceType": "ValueSet", "id": "hemoglobin", "url": "https://hospital.example/fhir/ValueSet/hemoglobin", "status": "active",
		"expansion": {"contains": [
			{"system": "http://loinc.org", "code": "718-7", "display": "Hemoglobin [Mass/volume] in Blood"},
			{"system": "urn:oid:1.2.840.999.1", "code": "HGB-LOCAL", "display": "Hemoglobin (local)"}
		]}}`)}}
	k, err := rules.LoadKnowledge(overlay)
	require.NoError(t, err)
	engine, err := rules.NewEngine(k, rules.DefaultConfig())
	require.NoError(t, err)
	s, err := NewServer(Config{}, Deps{Engine: engine, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return testNow }})
	require.NoError(t, err)
	ts := &testServer{Server: s}

	var order Service
	for _, svc := range s.Services() {
		if svc.ID == HookOrderSelect {
			order = svc
		}
	}
	assert.Contains(t, order.Prefetch["observations"], "urn:oid:1.2.840.999.1|HGB-LOCAL")

	r := cleanRecord()
	hb := obsQty("hgb", "718-7", 7.1, "g/dL", "2026-11-02")
	hb["code"] = coding("urn:oid:1.2.840.999.1", "HGB-LOCAL")
	r.replace(hb)
	rec := ts.do(t, "POST", "/cds-services/order-sign", orderRequest(t, r, "upadacitinib", 15))
	require.Equal(t, 200, rec.Code, rec.Body.String())
	assert.Contains(t, codesOf(checkResponse(t, rec.Body.Bytes())), "anemia")
	assert.NotEqual(t, rules.BuiltinRevision, k.Revision(), "the revision names the overlay")
}
