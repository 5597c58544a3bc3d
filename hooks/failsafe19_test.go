package hooks

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/internal/auth"
)

// Fail-safe review 19 (docs/rules.md section 4): numbers at the ends of
// their range on a card, contained resources of a type not to be read,
// and direction controls in drug names.

// longNumber is a run of digits no card should print for one value.
var longNumber = regexp.MustCompile(`\d[\d,]{19,}`)

// TestFailsafe19NumbersOnCards: an ALC of -0 (valid JSON, read as 0: the
// lymphopenia card is right) was shown as "ALC -0 ×10³/µL (-0 cells/mm³)";
// a timing period of 1e-300 days printed the daily dose as a 302-digit
// number with commas and the period as "per 0 d". A zero has no sign now,
// a number from 1e15 on is written with 4 significant digits ("1.5e+301",
// as fmtAmount wrote 1e308 already) and a period under 0.0001 likewise
// ("1e-300"): the card stays dose-above-label, bounded and truthful. N-1
// and N of both switches are pinned (999,999,999,999,999 and 1e+15 mg;
// a period of 0.0001 and 9.9e-05 d).
func TestFailsafe19NumbersOnCards(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	detailOf := func(t *testing.T, b []byte, code string) string {
		t.Helper()
		r := s.do(t, "POST", "/cds-services/order-sign", b)
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Empty(t, longNumber.FindString(r.Body.String()), r.Body.String())
		cs := checkResponse(t, r.Body.Bytes())
		require.Len(t, cs, 1, r.Body.String())
		require.Equal(t, []string{code}, cs[0].Findings())
		return cs[0].Detail
	}
	alc := func(v string) []byte {
		b := sign(cleanRecord().replace(obsQty("alc", "731-0", 7.125, "10*3/uL", ago(3))), jakDraft("upadacitinib", 15)).body(t)
		return bytes.Replace(b, []byte("7.125"), []byte(v), 1)
	}
	for v, want := range map[string]string{"-0": "ALC 0 ×10³/µL on " + ago(3) + " (0 cells/mm³)", "0": "ALC 0 ×10³/µL on " + ago(3) + " (0 cells/mm³)",
		"0.3": "ALC 0.3 ×10³/µL on " + ago(3) + " (300 cells/mm³)"} {
		t.Run("ALC "+v, func(t *testing.T) {
			d := detailOf(t, alc(v), "lymphopenia")
			assert.Contains(t, d, want)
			assert.NotContains(t, d, "-0")
		})
	}
	period := func(v string) []byte {
		d := upaDz(upaRxName, di(tabQ(1), res{"frequency": 1, "period": 7.125, "periodUnit": "d"}))
		return bytes.Replace(sign(cleanRecord(), d).body(t), []byte("7.125"), []byte(v), 1)
	}
	for v, want := range map[string]string{
		"1e-300": "Ordered 1.5e+301 mg/day (1 tablet × 15 mg (strength from text) × 1e+300/day (timing 1 per 1e-300 d) = 1.5e+301 mg/day).",
		"1e-20":  "Ordered 1.5e+21 mg/day (1 tablet × 15 mg (strength from text) × 1e+20/day (timing 1 per 1e-20 d) = 1.5e+21 mg/day).",
		"9.9e-5": "(timing 1 per 9.9e-05 d)",
		"1e-4":   "Ordered 150,000 mg/day (1 tablet × 15 mg (strength from text) × 10000/day (timing 1 per 0.0001 d) = 150000 mg/day).",
	} {
		t.Run("period "+v+" d", func(t *testing.T) {
			assert.Contains(t, detailOf(t, period(v), "dose-above-label"), want)
		})
	}
	for v, want := range map[string]string{"999999999999999": "Ordered 999,999,999,999,999 mg/day", "1e15": "Ordered 1e+15 mg/day", "1e300": "Ordered 1e+300 mg/day"} {
		t.Run("dose "+v+" mg", func(t *testing.T) {
			b := bytes.Replace(sign(cleanRecord(), upaDz("upadacitinib", di(mgQ(7.125), daily))).body(t), []byte("7.125"), []byte(v), 1)
			assert.Contains(t, detailOf(t, b, "dose-above-label"), want)
		})
	}
}

// TestFailsafe19ContainedTypes: a contained resource whose resourceType
// is miscased ("medication") or missing was passed over, so an
// upadacitinib order naming it by "#m" with a display of "tablet" was read
// as an order of "tablet": {"cards": []}; a RequestGroup holding a
// contained "medicationrequest" was passed over too (the order check
// matched the exact name only). As a miscased resource in an entry is
// (fhirslim's typeError), such an order is a 400 naming the member, and a
// record entry holding one is left out and said. A contained Medication
// is read (the controls).
func TestFailsafe19ContainedTypes(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	upa := res{"id": "m", "code": coding(rxnorm, "2196092")}
	byRef := func(contained res) res {
		d := drugDraft("new", "", "", "x")
		delete(d, "medicationCodeableConcept")
		d["medicationReference"] = res{"reference": "#m", "display": "tablet"}
		d["contained"] = []any{contained}
		return onceDaily(d)
	}
	typed := func(r res, typ any) res {
		out := with(res{}, "id", r["id"], "code", r["code"])
		if typ != nil {
			out["resourceType"] = typ
		}
		return out
	}
	for name, tc := range map[string]struct {
		draft res
		why   string
	}{
		"contained medication":       {byRef(typed(upa, "medication")), "contained[0].resourceType: not a FHIR resource type (names are case-sensitive)"},
		"contained without a type":   {byRef(typed(upa, nil)), "contained[0].resourceType: missing or not a string"},
		"contained #Medication type": {byRef(typed(upa, "#Medication")), "contained[0].resourceType: not a FHIR resource type"},
		"RequestGroup holding a medicationrequest": {res{"resourceType": "RequestGroup", "id": "rg", "status": "draft", "intent": "order",
			"subject": res{"reference": "Patient/p1"}, "contained": []any{with(jakDraft("upadacitinib", 15), "resourceType", "medicationrequest")}},
			"contained[0].resourceType: not a FHIR resource type"},
	} {
		t.Run(name, func(t *testing.T) {
			r := s.do(t, "POST", "/cds-services/order-sign", sign(cleanRecord(), tc.draft).body(t))
			requireRefused(t, r, http.StatusBadRequest, r.Body.String(), "context.draftOrders.entry[0].resource."+tc.why)
		})
	}
	t.Run("control: contained Medication", func(t *testing.T) {
		r := s.do(t, "POST", "/cds-services/order-sign", sign(cleanRecord(), byRef(typed(upa, "Medication"))).body(t))
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.NotEmpty(t, checkResponse(t, r.Body.Bytes()), "an upadacitinib order is evaluated")
	})
	bio := func(typ any) *record {
		m := med("bio", "active", "", "", "x", 10)
		delete(m, "medicationCodeableConcept")
		m["medicationReference"] = res{"reference": "#m", "display": "tablet"}
		m["contained"] = []any{typed(res{"id": "m", "code": res{"text": "dupilumab 300 MG/2ML"}}, typ)}
		rec := cleanRecord()
		rec.medications = append(rec.medications, m)
		return rec
	}
	for _, typ := range []any{"medication", nil} {
		t.Run(fmt.Sprintf("prefetch: record order with a contained Medication of resourceType %v", typ), func(t *testing.T) {
			c := onlyDataUnavailable(t, s.do(t, "POST", "/cds-services/order-sign", sign(bio(typ), jakDraft("upadacitinib", 15)).body(t)))
			assert.Equal(t, "Not fully checked for upadacitinib: some medications could not be read", c.Summary)
		})
	}
	t.Run("control: prefetch: record order with a contained Medication", func(t *testing.T) {
		r := s.do(t, "POST", "/cds-services/order-sign", sign(bio("Medication"), jakDraft("upadacitinib", 15)).body(t))
		require.Equal(t, http.StatusOK, r.Code, r.Body.String())
		assert.Equal(t, []string{"combination-biologic"}, codesOf(checkResponse(t, r.Body.Bytes())))
	})
}

// TestFailsafe19DirectionControls: a drug name holding a right-to-left
// override (U+202E) or an isolate (U+2066..U+2069) was put on the card as
// sent, in the summary that now names the drug (noise15) and in the
// evidence: the EHR shows the rest of that line turned around ("Trojan
// Source"). They are dropped; the name is still shown, and a zero-width
// space or an accent is kept (controls).
func TestFailsafe19DirectionControls(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	for _, ctl := range []string{"\u202e", "\u202a", "\u2066", "\u2069"} {
		t.Run(fmt.Sprintf("U+%04X", []rune(ctl)[0]), func(t *testing.T) {
			rec := cleanRecord()
			rec.medications = append(rec.medications, med("bio", "active", "", "", "dupilumab é"+ctl+"\u200b300 MG", 10))
			d := jakDraft("upadacitinib", 15)
			d["medicationCodeableConcept"].(res)["text"] = "upadacitinib 15 MG" + ctl + " ER Oral Tablet"
			r := s.do(t, "POST", "/cds-services/order-sign", sign(rec, d).body(t))
			require.Equal(t, http.StatusOK, r.Code, r.Body.String())
			assert.NotContains(t, r.Body.String(), ctl)
			cs := checkResponse(t, r.Body.Bytes())
			require.Equal(t, []string{"combination-biologic"}, codesOf(cs))
			assert.Equal(t, "Avoid combining upadacitinib with a biologic immunomodulator (dupilumab é\u200b300 MG)", cs[0].Summary)
		})
	}
}

// TestFailsafe19JTINul: a signed token whose jti holds a NUL ("\u0000":
// valid JSON and UTF-8) reached the PostgreSQL replay store, which cannot
// hold it: the check failed and the call answered 503 "retry", retried in
// vain, where a malformed jti is a 401 (contract section 2). It is refused
// as a jti that is no id, before the store; a jti with a tab, an accent or
// 255 bytes is accepted (controls). (A replay is not asked here: the
// store's expiry is the database clock, the test's tokens are dated testNow.)
func TestFailsafe19JTINul(t *testing.T) {
	dsn := pgSchema(t, "jakguard_failsafe19_")
	if dsn == "" {
		t.Skip("JAKGUARD_TEST_POSTGRES not set")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(context.Background()) })
	replay, err := auth.NewPostgresReplay(ctx, conn, nil)
	require.NoError(t, err)
	s, key := authServerReplay(t, replay)
	aud := "http://127.0.0.1:8080/cds-services"
	for jti, want := range map[string]int{"a\x00b": 401, "\x00": 401, "a\tb": 200, "é-1": 200, strings.Repeat("j", 255): 200} {
		t.Run(fmt.Sprintf("jti %q", jti), func(t *testing.T) {
			tok := token(t, key, aud, func(c jwt.MapClaims) { c["jti"] = jti })
			r := s.do(t, "GET", "/cds-services", nil, "Authorization", "Bearer "+tok)
			require.Equal(t, want, r.Code, "%.300s", r.Body.String())
		})
	}
}
