package hooks

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestZZGallery(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	var out strings.Builder
	show := func(name string, c call) {
		rec := s.do(t, "POST", "/cds-services/"+c.service(), c.body(t))
		var resp struct{ Cards []map[string]any }
		json.Unmarshal(rec.Body.Bytes(), &resp)
		fmt.Fprintf(&out, "\n######## %s (%d)\n", name, rec.Code)
		for _, cd := range resp.Cards {
			src := cd["source"].(map[string]any)
			fmt.Fprintf(&out, "== [%s] %v %q\n   source: %s\n", cd["indicator"], cd["extension"].(map[string]any)["org.jakguard.findings"], cd["summary"], src["label"])
			fmt.Fprintf(&out, "%s\n", cd["detail"])
			if sg, ok := cd["suggestions"].([]any); ok {
				for _, x := range sg {
					fmt.Fprintf(&out, "   suggestion: %v\n", x.(map[string]any)["label"])
				}
			}
		}
	}
	r := cleanRecord().drop("igra").drop("hbsag").drop("hcv").drop("alt").drop("ldl").drop("hcg").drop("rzv").drop("dupi")
	show("new start, nothing on record, abrocitinib 100", sign(r, jakDraft("abrocitinib", 100)))
	show("breastfeeding abro", sign(cleanRecord().replace(condition("bf", sct, "866041003", "active")), jakDraft("abrocitinib", 100)))
	show("pregnant upa", sign(cleanRecord().replace(condition("preg", sct, "77386006", "active")), jakDraft("upadacitinib", 15)))
	show("Z22.51 carrier", sign(cleanRecord().replace(condition("hb", "http://hl7.org/fhir/sid/icd-10-cm", "Z22.51", "active")), jakDraft("upadacitinib", 15)))
	show("fluoxetine abro 200", sign(func() *record { r := cleanRecord(); r.medications = append(r.medications, med("f", "active", rxnorm, "4493", "fluoxetine 20 MG", 10)); return r }(), jakDraft("abrocitinib", 200)))
	show("aspirin 325 abro", sign(func() *record { r := cleanRecord(); r.medications = append(r.medications, med("a", "active", rxnorm, "212033", "aspirin 325 MG Oral Tablet", 10)); return r }(), jakDraft("abrocitinib", 100)))
	show("rifampin upa", sign(func() *record { r := cleanRecord(); r.medications = append(r.medications, med("a", "active", rxnorm, "9384", "rifampin 300 mg", 10)); return r }(), jakDraft("upadacitinib", 15)))
	show("65yo upa 30 no risk", sign(cleanRecord().born("1958-01-01").drop("hcg"), jakDraft("upadacitinib", 30)))
	show("eGFR 12 upa 30 70yo", sign(cleanRecord().born("1955-01-01").drop("hcg").replace(obsQty("egfr", "98979-8", 12, "mL/min/{1.73_m2}", "2026-11-02")), jakDraft("upadacitinib", 30)))
	show("cirrhosis", sign(cleanRecord().replace(condition("c", sct, "19943007", "active")), jakDraft("upadacitinib", 15)))
	show("zoster active", sign(cleanRecord().replace(condition("z", "http://hl7.org/fhir/sid/icd-10-cm", "B02.9", "active")), jakDraft("upadacitinib", 15)))
	show("MI past, renewal", sign(stable("upadacitinib", 15).replace(condition("mi", sct, "22298006", "resolved")), jakDraft("upadacitinib", 15)))
	show("CYP2C19 PM renewal 200 days 100mg", sign(stable("abrocitinib", 100).replace(res{"resourceType": "Observation", "id": "cyp", "status": "final", "effectiveDateTime": ago(400),
		"code": res{"text": "CYP2C19 genotype"}, "valueCodeableConcept": res{"text": "Poor metabolizer"}}), jakDraft("abrocitinib", 100)))
	show("hbc positive", sign(cleanRecord().replace(obsCode("hbc", "16933-4", positive, "2026-11-02")), jakDraft("upadacitinib", 15)))
	show("tb latent positive igra", sign(cleanRecord().replace(obsCode("igra", "71773-6", positive, "2026-11-02")), jakDraft("upadacitinib", 15)))
	show("reverse live vaccine upa ended", sign(endedCourse("upadacitinib", 15, 30), drugDraft("x", cvx, "03", "MMR vaccine")))
	show("reverse fluconazole abro", sign(onCourseAt("abrocitinib", 100, 30), drugDraft("x", rxnorm, "4450", "fluconazole 150 MG")))
	show("renewal upa 15 smoker new since start? no; stable 67", sign(stable("upadacitinib", 15).born("1959-01-01"), jakDraft("upadacitinib", 15)))
	show("12yo 35kg upa", sign(cleanRecord().born(bornAged(12)).replace(qty("wt", "29463-7", 35, "kg", "", ago(20))), jakDraft("upadacitinib", 15)))
	show("pv abro on treatment pregnant", view(cleanRecord().onCourse("abrocitinib").replace(condition("preg", sct, "77386006", "active"))))
	show("statements unavailable, clarithro upa", call{r: func() *record { r := cleanRecord(); r.medications = append(r.medications, med("c", "active", rxnorm, "21212", "clarithromycin", 10)); return r }(), drafts: []res{jakDraft("upadacitinib", 30)}, noStatements: true})
	os.WriteFile("/tmp/exp/gallery.txt", []byte(out.String()), 0o644)
}
