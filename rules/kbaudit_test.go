package rules

import "testing"

// Traceability of the clinical knowledge base (clinical-knowledge.md) to
// the value sets: every code the knowledge base grades C or U (the code, or
// its membership in the set) is in its set and flagged unverified, and the
// product RxCUIs whose strength mapping it grades U carry no strength.
// Membership and exclusions are in TestBuiltinMembership.

func TestKBAuditLowGradesUnverified(t *testing.T) {
	k := mustLoadKB(t, nil)
	tests := []struct {
		kb   string // where the knowledge base grades it
		set  string
		code Coding
	}{
		{"1.3 ustekinumab RxCUI recalled (U)", VSBiologics, kbRx("847083")},
		{"1.3 dupilumab RxCUI recalled (U)", VSBiologics, kbRx("1876376")},
		{"1.3 dupilumab RxCUI recalled (U), prior AD therapy", VSPriorSystemicADTherapy, kbRx("1876376")},
		{"1.3 omalizumab RxCUI recalled (U)", VSBiologics, kbRx("302379")},
		{"1.4 mycophenolate mofetil RxCUI recalled (U)", VSImmunosuppressants, kbRx("68149")},
		{"1.4 tacrolimus RxCUI recalled (U)", VSImmunosuppressants, kbRx("42316")},
		{"1.5 fluvoxamine RxCUI recalled (U)", VSCYP2C19StrongInhibitors, kbRx("42355")},
		{"1.5 fluoxetine strong CYP2C19 inhibitor (class C)", VSCYP2C19StrongInhibitors, kbRx("4493")},
		{"1.5 ticlopidine strong CYP2C19 inhibitor (class C)", VSCYP2C19StrongInhibitors, kbRx("10594")},
		{"1.5 fluconazole dual CYP2C19/CYP2C9 inhibitor (class C)", VSCYP2C19CYP2C9Inhibitors, kbRx("4450")},
		{"1.5 rifapentine: a CYP3A4 inducer, not said strong", VSCYP3A4StrongInducers, kbRx("35617")},
		{"2.1 IGRA panel 71775-1 (C)", VSTBTest, kbLoinc("71775-1")},
		{"2.1 TST 39263-9 (C)", VSTBTest, kbLoinc("39263-9")},
		{"2.2 HBV DNA presence 29610-3 (C)", VSHBVDNA, kbLoinc("29610-3")},
		{"2.5 ALT with P-5'-P 1743-4 (C)", VSALT, kbLoinc("1743-4")},
		{"2.5 lipid panel 24331-1 (C)", VSLipids, kbLoinc("24331-1")},
		{"2.5 lipid panel 24331-1 (C), baseline", VSLipidPanelOrLDL, kbLoinc("24331-1")},
		{"2.6 eGFR MDRD 33914-3 (C)", VSEGFR, kbLoinc("33914-3")},
		{"3 inactive TB 11999007 (C)", VSLatentTB, kbSCT("11999007")},
		{"3 CKD stage 4 431857002 (C)", VSSevereRenal, kbSCT("431857002")},
		{"4 influenza nasal unspecified CVX 151 (live presumed)", VSLiveVaccines, kbCVX("151")},
		{"4 dengue unspecified CVX 330 (live presumed)", VSLiveVaccines, kbCVX("330")},
	}
	for _, tc := range tests {
		t.Run(tc.kb, func(t *testing.T) {
			c := []Coding{tc.code}
			if !k.Has(tc.set, c) {
				t.Fatalf("%s is not in %s", tc.code.Code, tc.set)
			}
			if !k.Unverified(tc.set, c) {
				t.Errorf("%s in %s is not flagged unverified; the knowledge base grades it C or U", tc.code.Code, tc.set)
			}
		})
	}
}

func TestKBAuditProductStrengthsNotMapped(t *testing.T) {
	k := mustLoadKB(t, nil)
	// Knowledge base 1.1: SPL membership B, strength mapping U.
	products := map[string][]string{
		VSUpadacitinib: {"2196894", "2196900", "2590051", "2596957"},
		VSAbrocitinib:  {"2591481", "2591487", "2591489", "2591491", "2591493", "2591495"},
	}
	for set, codes := range products {
		want := map[string]bool{}
		for _, c := range codes {
			want[c] = true
		}
		for _, c := range k.Codes(set) {
			if want[c.Code] {
				delete(want, c.Code)
				if c.StrengthMg != 0 {
					t.Errorf("%s %s carries strength %v mg; the knowledge base has no verified strength for it", set, c.Code, c.StrengthMg)
				}
				if c.Unverified {
					t.Errorf("%s %s is flagged unverified; its membership is grade B", set, c.Code)
				}
			}
		}
		for c := range want {
			t.Errorf("%s: product %s of the knowledge base is missing", set, c)
		}
	}
}
