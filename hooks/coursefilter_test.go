package hooks

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// For an order that only interacts with a JAK inhibitor, the medication
// list is read for the course alone: of its orders and statements only the
// upadacitinib and abrocitinib ones are decoded (fhir.Builder.
// Filters.Medication). A course member is found however it names its drug:
// by RxNorm or NDC code, by text alone, by a display alone, through a
// contained Medication or a Medication elsewhere in the Bundle; and the
// answer is the one of a server that decodes every medication, word for
// word.
func TestCourseFoundWhateverItsCoding(t *testing.T) {
	filtered := newRecordingServer(t, serverOpts{noStore: true})
	full := newRecordingServer(t, serverOpts{noStore: true})
	full.decodeAll = true
	const ndc = "http://hl7.org/fhir/sid/ndc"
	concept := func(text string, codings ...map[string]any) map[string]any {
		c := map[string]any{}
		if text != "" {
			c["text"] = text
		}
		if len(codings) > 0 {
			list := []any{}
			for _, cd := range codings {
				list = append(list, cd)
			}
			c["coding"] = list
		}
		return c
	}
	coding := func(system, code string) map[string]any { return map[string]any{"system": system, "code": code} }
	// medication replaces what the course's order is of.
	medication := func(f func(m, r map[string]any)) func(m map[string]any) {
		return func(m map[string]any) {
			r := upadacitinibEntry(m)
			delete(r, "medicationCodeableConcept")
			f(m, r)
		}
	}
	cases := []struct {
		name string
		edit func(m map[string]any)
	}{
		{"as recorded (RxNorm and text)", func(map[string]any) {}},
		{"NDC only", medication(func(_, r map[string]any) {
			r["medicationCodeableConcept"] = concept("", coding(ndc, "0074-2306-30"))
		})},
		{"text only", medication(func(_, r map[string]any) { r["medicationCodeableConcept"] = concept("Rinvoq 15 mg") })},
		{"a coding's display only", medication(func(_, r map[string]any) {
			r["medicationCodeableConcept"] = concept("", map[string]any{"system": "urn:local", "code": "X1", "display": "RINVOQ 15 MG ER TAB"})
		})},
		{"a contained Medication", medication(func(_, r map[string]any) {
			r["contained"] = []any{map[string]any{"resourceType": "Medication", "id": "m1", "code": concept("", coding(rxnorm, "2196092"))}}
			r["medicationReference"] = map[string]any{"reference": "#m1"}
		})},
		{"a Medication elsewhere in the Bundle", medication(func(m, r map[string]any) {
			r["medicationReference"] = map[string]any{"reference": "Medication/upa"}
			meds := m["prefetch"].(map[string]any)["medications"].(map[string]any)
			meds["entry"] = append(meds["entry"].([]any), map[string]any{"resource": map[string]any{
				"resourceType": "Medication", "id": "upa", "code": concept("", coding(ndc, "0074-2306"))}})
		})},
		{"a medicationReference with a display only", medication(func(_, r map[string]any) {
			r["medicationReference"] = map[string]any{"display": "Rinvoq"}
		})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := edit(t, sandboxSignTofacitinib, tc.edit)
			a := filtered.do(t, "POST", "/cds-services/order-sign", body)
			b := full.do(t, "POST", "/cds-services/order-sign", body)
			require.Equal(t, http.StatusOK, a.Code, a.Body.String())
			require.Equal(t, http.StatusOK, b.Code, b.Body.String())
			cs := checkResponse(t, a.Body.Bytes())
			require.Len(t, cs, 1, a.Body.String())
			assert.Equal(t, []string{"combination-jak"}, cs[0].Findings())
			// Card uuids count the calls of each server: left out.
			uuids := regexp.MustCompile(`"uuid":"[^"]*"`)
			assert.JSONEq(t, uuids.ReplaceAllString(b.Body.String(), `"uuid":""`), uuids.ReplaceAllString(a.Body.String(), `"uuid":""`),
				"the same card as with every medication decoded")
		})
	}
	t.Run("no course: no cards", func(t *testing.T) {
		rec := filtered.do(t, "POST", "/cds-services/order-sign", edit(t, sandboxSignTofacitinib, withoutUpadacitinib))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.Empty(t, checkResponse(t, rec.Body.Bytes()))
	})
}
