package hooks

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/fhir"
	"jakguard/internal/syncbuf"
)

// The code paths added on 2026-12-06 (dosage-text parsing, the supply
// that ends a course, partial birth dates, same-day results, valueBoolean,
// doNotPerform, the fhirAuthorization scope, the suggestion builder) under
// hostile and absurd input: bounded in time and heap (contract 6.6), and
// no NaN, infinity, wrapped date or megabyte phrase in a card.

// upaOrderWith is upaOrder with members added.
func upaOrderWith(members string) string {
	return strings.TrimSuffix(upaOrder, "}") + "," + members + "}"
}

// pastUpa is a completed upadacitinib order in the medications prefetch,
// authored on 2026-06-01 with no end date, with members added.
func pastUpa(members string) string {
	return `,"medications":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"MedicationRequest","id":"old","status":"completed","intent":"order",` +
		`"subject":{"reference":"Patient/p1"},"authoredOn":"2026-06-01","medicationCodeableConcept":{"text":"Rinvoq 15 mg"}` + members + `}}]}`
}

// manyOrders is n draft orders like order, with ids upa (the selected one),
// u1, u2, ...
func manyOrders(n int, order string) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		id := "upa"
		if i > 0 {
			id = fmt.Sprintf("u%d", i)
		}
		b.WriteString(`{"resource":` + strings.Replace(order, `"id":"upa"`, `"id":"`+id+`"`, 1) + `}`)
	}
	return b.String()
}

// absurdCardText finds what no card may say: NaN, an infinity, a year of
// five digits or more.
var absurdCardText = regexp.MustCompile(`NaN|[+-]?Inf\b|\b\d{5,}-\d\d-\d\d\b|year \d{5,}`)

func TestBoundedTodaysPaths(t *testing.T) {
	if testing.Short() {
		t.Skip("sends bodies of 8 MiB")
	}
	const limit = 8 << 20
	s := newTestServer(t, serverOpts{noStore: true})
	s.fhir = nil
	sig := func(size int, unit string) []byte {
		return attackBody("", `{"resource":`+upaOrderWith(fill(size, `"dosageInstruction":[{"text":"`, unit, "", `"}]`))+`}`)
	}
	tod := `{"text":"1 tablet twice daily in the morning and evening","timing":{"repeat":{"timeOfDay":["08:00:00","12:00:00","20:00:00","22:00:00"],"when":["MORN","EVE","HS"],"frequency":2,"frequencyMax":3,"period":1,"periodUnit":"d"}},"doseAndRate":[{"doseRange":{"low":{"value":1,"unit":"tablet"},"high":{"value":2,"unit":"tablet"}}}]}`
	supply := func(members string) []byte { return attackBody(pastUpa(`,"dispenseRequest":{`+members+`}`), "") }
	cases := []boundedCase{
		{"a 4 MiB sig of '2 x 15 mg twice daily every 12 hours'", sig(4<<20, `2 x 15 mg twice daily every 12 hours `), 200},
		{"an 8 MiB sig of disagreeing frequencies", sig(limit-4000, `once daily 2 times a day q8h `), 200},
		{"an 8 MiB sig of numbers as text", sig(limit-4000, `one two three four x mg `), 200},
		{"an 8 MiB sig of digits", sig(limit-4000, `9`), 200},
		{"an 8 MiB sig of disagreeing frequencies, 1 tablet each", attackBody("", `{"resource":`+upaOrderWith(`"dosageInstruction":[{"doseAndRate":[{"doseQuantity":{"value":1,"unit":"tablet"}}],`+fill(limit-4000, `"text":"`, `once daily 2 times a day q8h `, "", `"}]`))+`}`), 200},
		{"an 8 MiB timing code text", attackBody("", `{"resource":`+upaOrderWith(`"dosageInstruction":[{"doseAndRate":[{"doseQuantity":{"value":1,"unit":"tablet"}}],"timing":{"code":{"coding":[{"code":"XYZ"}],`+fill(limit-4000, `"text":"`, `x`, "", `"}}}]`))+`}`), 200},
		{"an 8 MiB timing code", attackBody("", `{"resource":`+upaOrderWith(`"dosageInstruction":[{"doseAndRate":[{"doseQuantity":{"value":1,"unit":"tablet"}}],"timing":{"code":{"coding":[{`+fill(limit-4000, `"code":"`, `x`, "", `"}]}}}]`))+`}`), 200},
		{"an 8 MiB dose unit", attackBody("", `{"resource":`+upaOrderWith(`"dosageInstruction":[{"doseAndRate":[{"doseQuantity":{"value":1,`+fill(limit-4000, `"unit":"`, `x`, "", `"}}]}]`))+`}`), 200},
		{"an 8 MiB timing text of disagreeing frequencies", attackBody("", `{"resource":`+upaOrderWith(`"dosageInstruction":[{"doseAndRate":[{"doseQuantity":{"value":1,"unit":"tablet"}}],"timing":{"code":{"coding":[{"code":"XYZ"}],`+fill(limit-4000, `"text":"`, `once daily 2 times a day q8h `, "", `"}}}]`))+`}`), 200},
		{"an aspirin beside abrocitinib with an 8 MiB sig", attackBody("", `{"resource":{"resourceType":"MedicationRequest","id":"upa","status":"draft","intent":"order","subject":{"reference":"Patient/p1"},"medicationCodeableConcept":{"text":"Cibinqo 100 mg"}}},`+
			`{"resource":{"resourceType":"MedicationRequest","id":"asa","status":"draft","intent":"order","subject":{"reference":"Patient/p1"},"medicationCodeableConcept":{"text":"aspirin 81 mg tablet"},`+fill(limit-4000, `"dosageInstruction":[{"text":"`, `1 tabs `, "", `"}]`)+`}}`), 200},
		{"a sig of a 308-digit mg twice daily", attackBody("", `{"resource":`+upaOrderWith(`"dosageInstruction":[{"text":"1 x `+strings.Repeat("9", 308)+` mg twice daily"}]`)+`}`), 200},
		{"10,000 dosage instructions with timeOfDay", attackBody("", `{"resource":`+upaOrderWith(`"dosageInstruction":[`+strings.Repeat(tod+",", 9999)+tod+`]`)+`}`), 200},
		{"one instruction with 600,000 times of day", attackBody("", `{"resource":`+upaOrderWith(fill(limit-4000, `"dosageInstruction":[{"timing":{"repeat":{"timeOfDay":[`, `"08:00:00"`, ",", `]}}}]`))+`}`), 200},
		{"supply 1e308 days, 2147483647 repeats", supply(`"expectedSupplyDuration":{"value":1e308,"unit":"days","system":"http://unitsofmeasure.org","code":"d"},"numberOfRepeatsAllowed":2147483647`), 200},
		{"supply 3650 days, 2147483647 repeats", supply(`"expectedSupplyDuration":{"value":3650,"code":"d"},"numberOfRepeatsAllowed":2147483647`), 200},
		{"supply -1e308 days, -2147483648 repeats", supply(`"expectedSupplyDuration":{"value":-1e308,"code":"d"},"numberOfRepeatsAllowed":-2147483648`), 200},
		{"supply 1e-308 days", supply(`"expectedSupplyDuration":{"value":1e-308,"code":"a"}`), 200},
		{"supply 1e308 years", supply(`"expectedSupplyDuration":{"value":1e308,"unit":"years","code":"a"}`), 200},
		{"supply 9e18 repeats", supply(`"expectedSupplyDuration":{"value":30,"code":"d"},"numberOfRepeatsAllowed":9223372036854775807`), 200},
		{"supply 1e400 repeats", supply(`"numberOfRepeatsAllowed":1e400`), 200},
		{"dose 1e308 mg four times a day", attackBody("", `{"resource":`+upaOrderWith(`"dosageInstruction":[{"timing":{"repeat":{"frequency":4,"period":1,"periodUnit":"d"}},"doseAndRate":[{"doseQuantity":{"value":1e308,"unit":"mg"}}]}]`)+`}`), 200},
		{"dose range 1e-308 to 1e308 tablets every 1e-308 h", attackBody("", `{"resource":`+upaOrderWith(`"dosageInstruction":[{"timing":{"repeat":{"frequency":2147483647,"frequencyMax":2147483647,"period":1e-308,"periodUnit":"h"}},"doseAndRate":[{"doseRange":{"low":{"value":1e-308,"unit":"tablet"},"high":{"value":1e308,"unit":"tablet"}}}]}]`)+`}`), 200},
		{"20,000 doNotPerform orders", attackBody("", fill(limit-300, `{"resource":`+upaOrder+`},`, `{"resource":{"resourceType":"MedicationRequest","status":"draft","intent":"order","doNotPerform":true,"subject":{"reference":"Patient/p1"},"medicationCodeableConcept":{"text":"Rinvoq 30 mg"}}}`, ",", ``)), 200},
	}
	dose45 := `"dosageInstruction":[{"timing":{"repeat":{"frequency":1,"period":1,"periodUnit":"d","boundsDuration":{"value":12,"unit":"wk"}}},"doseAndRate":[{"doseQuantity":{"value":45,"unit":"mg"}}]}]`
	cases = append(cases,
		boundedCase{"a dose change of an order with a 7 MiB note", attackBody("", `{"resource":`+upaOrderWith(dose45+`,`+fill(limit-4000, `"note":[{"text":"`, `x`, "", `"}]`))+`}`), 200},
		boundedCase{"a dose change of an order with an extension 9,000 deep", attackBody("", `{"resource":`+upaOrderWith(dose45+`,"extension":[`+strings.Repeat(`{"url":"x","extension":[`, 4500)+strings.Repeat(`]}`, 4500)+`]`)+`}`), 200},
		boundedCase{"a dose change of an order with 300,000 contained resources", attackBody("", `{"resource":`+upaOrderWith(dose45+`,`+fill(limit-4000, `"contained":[`, `{"resourceType":"Basic"}`, ",", `]`))+`}`), 413},
		boundedCase{"a dose change of an order with 40,000 contained resources", attackBody("", `{"resource":`+upaOrderWith(dose45+`,`+fill(40_000*24+4000, `"contained":[`, `{"resourceType":"Basic"}`, ",", `]`))+`}`), 200},
		boundedCase{"1,000 orders of a dose change each with a 7 KiB note", attackBody("", manyOrders(1000, upaOrderWith(dose45+`,"note":[{"text":"`+strings.Repeat("y", 7<<10)+`"}]`))), 200},
		boundedCase{"10,000 orders of a dose change", attackBody("", manyOrders(10_000, upaOrderWith(dose45))), 200},
	)
	lab := func(code, value string) []byte {
		return attackBody(`,"observations":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation","id":"o","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"`+code+`"}]},"effectiveDateTime":"2026-11-02",`+value+`}}]}`, "")
	}
	nines := strings.Repeat("9", 308)
	cases = append(cases,
		boundedCase{"a hemoglobin of 1e308 mmol/L", lab("59260-0", `"valueQuantity":{"value":1e308,"unit":"mmol/L"}`), 200},
		boundedCase{"a hemoglobin of -1e308 g/dL", lab("718-7", `"valueQuantity":{"value":-1e308,"unit":"g/dL"}`), 200},
		boundedCase{"a hemoglobin as text of 308 nines mmol/L", lab("59260-0", `"valueString":"`+nines+` mmol/L"`), 200},
		boundedCase{"a hemoglobin as text of 308 nines with thousands commas", lab("718-7", `"valueString":"`+strings.TrimSuffix(strings.Repeat("999,", 102), ",")+` g/dL"`), 200},
		boundedCase{"a hemoglobin as an 8 MiB text number", lab("718-7", fill(limit-4000, `"valueString":"1`, `,000`, "", ` g/dL"`)), 200},
		boundedCase{"an HBsAg valueBoolean beside an 8 MiB valueString", lab("5196-1", `"valueBoolean":true,`+fill(limit-4000, `"valueString":"`, `negative `, "", `"`)), 200},
	)
	for _, bd := range []string{"0001", "9999", "0001-01-01", "9999-12-31", "1980-02", "2026-12", "2026"} {
		cases = append(cases, boundedCase{"birth date " + bd, []byte(strings.Replace(string(attackBody("", "")), `"1980-01-01"`, `"`+bd+`"`, 1)), 200})
	}
	// What the dose card says of the orders it cannot read.
	says := map[string]string{
		"a 4 MiB sig of '2 x 15 mg twice daily every 12 hours'":  "dosage text too long to read (4192247 characters)",
		"an 8 MiB sig of disagreeing frequencies, 1 tablet each": "dosage text too long to read",
		"an 8 MiB timing text of disagreeing frequencies":        `timing code \"XYZ\" not understood`,
		"an 8 MiB timing code":                                   `timing code \"xxxxxxxxxx`,
		"an 8 MiB dose unit":                                     `dose unit \"xxxxxxxxxx`,
		"a sig of a 308-digit mg twice daily":                    "daily dose too large to be read (1e+308 mg × 2/day)",
		"10,000 dosage instructions with timeOfDay":              "; and 9996 more instructions; taken together: 2400000 mg/day",
		"dose 1e308 mg four times a day":                         "daily dose too large to be read (1e+308 mg × 4/day)",
		"dose range 1e-308 to 1e308 tablets every 1e-308 h":      "timing frequency or period not usable",
		"an aspirin beside abrocitinib with an 8 MiB sig":        "aspirin at an unknown daily dose (dosage text too long to read)",
	}
	checkBounded(t, s, limit, cases)
	// The same hostile bodies: their answers are not held to the output
	// validator either (an order 9,000 levels deep took it 4 s).
	s.bounded = true
	defer func() { s.bounded = false }()
	for _, tc := range cases {
		if tc.status != 200 {
			continue
		}
		t.Run("card text of "+tc.name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-select", tc.body)
			body := rec.Body.String()
			if m := absurdCardText.FindString(body); m != "" {
				t.Errorf("absurd card text %.200q in %.600s", m, body)
			}
			assert.Contains(t, body, says[tc.name])
			var ans struct {
				Cards []struct{ Summary, Detail string }
			}
			assert.NoError(t, json.Unmarshal(rec.Body.Bytes(), &ans))
			for _, c := range ans.Cards {
				assert.Less(t, len(c.Summary)+len(c.Detail), 8<<10, "a card of %d bytes: %.300s", len(c.Summary)+len(c.Detail), c.Detail)
			}
		})
	}
}

// 49,000 results of one code on one day (under the 50,000 resources of a request; a body limit of 32 MiB): the
// same-day reading stays linear.
func TestBoundedSameDayResults(t *testing.T) {
	if testing.Short() {
		t.Skip("sends a body of 32 MiB")
	}
	const limit = 32 << 20
	s := newTestServer(t, serverOpts{noStore: true, bodyLimit: limit})
	s.fhir = nil
	var b strings.Builder
	b.WriteString(`,"observations":{"resourceType":"Bundle","entry":[`)
	for i := range 49_000 {
		if i > 0 {
			b.WriteString(",")
		}
		v := []string{`"valueBoolean":false`, `"valueBoolean":true`, `"valueString":"indeterminate"`, `"valueQuantity":{"value":0.1}`}[i%4]
		fmt.Fprintf(&b, `{"resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"5196-1"}]},"effectiveDateTime":"2026-11-02T%02d:%02d:00Z",%s}}`, i/60%24, i%60, v)
	}
	b.WriteString(`]}`)
	checkBounded(t, s, limit, []boundedCase{{"49,000 HBsAg results on one day", attackBody(b.String(), ""), 200}})
}

// A fhirAuthorization scope of a megabyte, or of 100,000 scopes, is read
// in bounded time and heap, and read right: a token that cannot read the
// conditions is not used (they could not be checked), one that can is.
func TestBoundedFHIRAuthorizationScope(t *testing.T) {
	if testing.Short() {
		t.Skip("sends scopes of megabytes")
	}
	var calls atomic.Int32
	ok := func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/fhir+json")
		fmt.Fprint(w, searchPage(-1, ""))
	}
	for _, tc := range []struct {
		name, scope string
		fetched     bool
	}{
		{"100,000 scopes of another type", strings.Repeat("patient/Observation.read ", 100_000), false},
		{"100,000 scopes, the last one reads conditions", strings.Repeat("patient/Observation.read ", 100_000) + "patient/Condition.rs", true},
		{"a 1 MiB permission", "patient/Condition." + strings.Repeat("r", 1<<20), false},
		{"a 1 MiB query", "patient/Condition.rs?" + strings.Repeat("a=b&", 1<<18), false},
		{"1 MiB of spaces, then a read scope", strings.Repeat(" ", 1<<20) + "patient/*.read", true},
		{"1 MiB of slashes and dots", strings.Repeat("patient/./", 1<<17), false},
		{"a 1 MiB type", "patient/" + strings.Repeat("C", 1<<20) + ".read", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls.Store(0)
			sampler := sampleHeap()
			start := time.Now()
			rec := hostileFallback(t, ok, fhir.ClientConfig{}, func(m map[string]any) {
				m["fhirAuthorization"] = map[string]any{"access_token": "tok", "token_type": "Bearer", "expires_in": 300, "scope": tc.scope, "subject": "jakguard"}
			})
			took, peak := time.Since(start), sampler.peak()
			t.Logf("%s: %d in %v, peak extra heap %.1f MiB", tc.name, rec.Code, took.Round(time.Millisecond), float64(peak)/(1<<20))
			assert.Less(t, took, 6*time.Second) // the default deadline (5 s) plus a second
			assert.Less(t, peak, uint64(maxExtraHeap))
			if tc.fetched {
				require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
				assert.JSONEq(t, `{"cards":[]}`, rec.Body.String())
				assert.EqualValues(t, 1, calls.Load())
				return
			}
			c := onlyDataUnavailable(t, rec)
			assert.Contains(t, c.Detail, "Could not be checked: conditions")
			assert.Less(t, len(c.Detail), 8<<10, "the scope is not repeated in the card")
			assert.Zero(t, calls.Load())
		})
	}
}

// The logs hold none of what today's readers read from an order or a
// token (a sig, a timing code, a dose unit, a supply, a birth date),
// hostile or not, and no line of over 2 KB. (The scope: TestHostileIdentifiersLogBounded.)
func TestTodaysPathsLogNoPatientData(t *testing.T) {
	const (
		mark   = "Zyxwvutsrq"
		secret = "tok-SECRET-4711"
	)
	var logs syncbuf.Buffer
	s := newTestServer(t, serverOpts{})
	s.logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s.echo = s.routes()
	s.fhir = nil
	hostile := mark + "\n{\"level\":\"ERROR\",\"msg\":\"injected\"}\r" + strings.Repeat(" 2 x 15 mg twice daily q8h", 1<<14)
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	for name, order := range map[string]string{
		"sig":                    `"dosageInstruction":[{"text":` + q(hostile) + `}]`,
		"short sig":              `"dosageInstruction":[{"text":` + q(mark+" 1 x 15 mg once daily 2 times a day") + `}]`,
		"timing code":            `"dosageInstruction":[{"doseAndRate":[{"doseQuantity":{"value":1,"unit":"tablet"}}],"timing":{"code":{"coding":[{"code":` + q(hostile) + `}],"text":` + q(hostile) + `}}}]`,
		"dose unit":              `"dosageInstruction":[{"doseAndRate":[{"doseQuantity":{"value":1,"unit":` + q(hostile) + `}}]}]`,
		"supply":                 `"dispenseRequest":{"expectedSupplyDuration":{"value":1e308,"unit":` + q(hostile) + `},"numberOfRepeatsAllowed":2147483647}`,
		"doNotPerform, 1e308 mg": `"doNotPerform":true,"dosageInstruction":[{"text":` + q(mark) + `,"doseAndRate":[{"doseQuantity":{"value":1e308,"unit":"mg"}}]}]`,
	} {
		t.Run(name, func(t *testing.T) {
			logs.Take()
			body := attackBody(`,"x":{"fhirAuthorization":{"access_token":"`+secret+`"}}`, `{"resource":`+upaOrderWith(order)+`}`)
			body = []byte(strings.Replace(string(body), `"birthDate":"1980-01-01"`, `"birthDate":"1980-02-30"`, 1))
			rec := s.do(t, "POST", "/cds-services/order-select", body)
			assert.Less(t, rec.Code, 500, "%.300s", rec.Body.String())
			out := logs.String()
			assert.Contains(t, out, "order-select", "the call was logged")
			checkLogLines(t, out, mark, secret, "1980-02", "twice daily")
		})
	}
}

// An Observation has one value[x]: a valueBoolean beside a coded or text
// value is not read by the boolean alone (false beside "positive" read as a
// negative HBsAg, and hepatitis B screening passed). A positive beside a
// negative counts, as same-day results do; an indeterminate beside false is
// no screening done.
func TestValueBooleanBesideAnotherValue(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	s.fhir = nil
	const (
		positive      = "Do not start upadacitinib: active hepatitis B"
		indeterminate = "HBsAg on 2026-11-02 was indeterminate; it does not count as screening done."
		screened      = ""
	)
	for _, tc := range []struct{ name, value, says string }{
		{"false beside valueString positive", `"valueBoolean":false,"valueString":"positive"`, positive},
		{"valueString Positive before false", `"valueString":"Positive","valueBoolean":false`, positive},
		{"true beside valueString negative", `"valueBoolean":true,"valueString":"negative"`, positive},
		{"false beside a coded display Reactive", `"valueBoolean":false,"valueCodeableConcept":{"text":"Reactive"}`, positive},
		{"false beside valueString indeterminate", `"valueBoolean":false,"valueString":"indeterminate"`, indeterminate},
		{"false beside valueString negative", `"valueBoolean":false,"valueString":"negative"`, screened},
		{"false beside a text that is no answer", `"valueBoolean":false,"valueString":"see report"`, screened},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, "POST", "/cds-services/order-select", attackBody(`,"observations":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation","id":"o","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"5196-1"}]},"effectiveDateTime":"2026-11-02",`+tc.value+`}}]}`, ""))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			if tc.says == screened {
				assert.NotContains(t, rec.Body.String(), "hepatitis B and C tests")
				assert.NotContains(t, rec.Body.String(), positive)
				return
			}
			assert.Contains(t, rec.Body.String(), tc.says)
		})
	}
}
