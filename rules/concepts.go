package rules

// Value set identifiers. Each names one embedded FHIR ValueSet
// (rules/valuesets/<id>.json, ValueSet.id == the identifier) that a rule
// uses. A hospital may replace or extend any of them with --valuesets.
const (
	// Trigger drugs (RxNorm ingredient and product codes).
	VSUpadacitinib = "upadacitinib"
	VSAbrocitinib  = "abrocitinib"

	// Other medications (RxNorm).
	VSOtherJAK                = "other-jak-inhibitors"
	VSBiologics               = "biologic-immunomodulators"
	VSImmunosuppressants      = "potent-immunosuppressants"
	VSAntiplatelets           = "antiplatelets"
	VSAspirin                 = "aspirin"
	VSCYP3A4StrongInhibitors  = "cyp3a4-strong-inhibitors"
	VSCYP3A4StrongInducers    = "cyp3a4-strong-inducers"
	VSCYP2C19StrongInhibitors = "cyp2c19-strong-inhibitors"
	VSCYP2C19CYP2C9Inhibitors = "cyp2c19-cyp2c9-dual-inhibitors"
	VSCYP2C19CYP2C9Inducers   = "cyp2c19-cyp2c9-inducers"
	VSTBTreatment             = "tb-treatment"
	VSPriorSystemicADTherapy  = "prior-systemic-ad-therapy"
	// VSPgpSubstratesNTI: P-gp substrates with a narrow therapeutic index
	// (abrocitinib raises their levels).
	VSPgpSubstratesNTI = "pgp-substrates-nti"

	// Laboratory tests (LOINC).
	VSTBTest      = "tb-test"
	VSHBsAg       = "hbsag"
	VSHBcAb       = "hbc-antibody"
	VSHBVDNA      = "hbv-dna"
	VSHCVAb       = "hcv-antibody"
	VSHCVRNA      = "hcv-rna"
	VSCBCPanel    = "cbc-panel"
	VSLymphocytes = "lymphocyte-count"
	VSNeutrophils = "neutrophil-count"
	VSHemoglobin  = "hemoglobin"
	VSPlatelets   = "platelet-count"
	VSALT         = "alt"
	VSAST         = "ast"
	VSLipids      = "lipids"
	// VSLipidPanelOrLDL is the subset of VSLipids that makes a baseline
	// lipid panel (the contract's "lipid panel or LDL cholesterol").
	VSLipidPanelOrLDL = "lipid-panel-or-ldl"
	VSPregnancyTest   = "pregnancy-test"
	// VSPregnancyStatus: the pregnancy status Observation (LOINC 82810-3),
	// answered with a SNOMED finding.
	VSPregnancyStatus = "pregnancy-status"
	// VSModerateRenal: chronic kidney disease stage 3 conditions (eGFR
	// 30-59 by definition), read when no eGFR is on record.
	VSModerateRenal = "moderate-renal-impairment"
	VSEGFR          = "egfr"
	VSSmokingStatus = "smoking-status"
	// VSChildPugh: Observations stating a Child-Pugh score or class.
	VSChildPugh = "child-pugh"
	// VSCYP2C19Genotype: Observations naming CYP2C19 (genotype, phenotype).
	VSCYP2C19Genotype = "cyp2c19-genotype"
	// VSBodyWeight: body weight Observations.
	VSBodyWeight = "body-weight"

	// Qualitative result answers (SNOMED CT).
	VSResultPositive      = "result-positive"
	VSResultNegative      = "result-negative"
	VSResultIndeterminate = "result-indeterminate"
	// Smoking-status answers meaning a current or former smoker (SNOMED CT).
	VSSmokerAnswers = "smoker-answers"
	// CYP2C19 poor-metabolizer answers (codes or text).
	VSCYP2C19PoorMetabolizer = "cyp2c19-poor-metabolizer"

	// Conditions (SNOMED CT and ICD-10-CM).
	VSAtopicDermatitis     = "atopic-dermatitis"
	VSActiveTB             = "active-tuberculosis"
	VSLatentTB             = "latent-tuberculosis"
	VSChronicHBV           = "hepatitis-b"
	VSHCV                  = "hepatitis-c"
	VSSevereHepatic        = "severe-hepatic-impairment"
	VSPregnancyCondition   = "pregnancy"
	VSBreastfeeding        = "breastfeeding"
	VSVTE                  = "venous-thromboembolism"
	VSThrombophilia        = "thrombophilia"
	VSMalignancy           = "malignancy"
	VSNMSC                 = "non-melanoma-skin-cancer"
	VSHypertension         = "hypertension"
	VSDiabetes             = "diabetes"
	VSHyperlipidemia       = "hyperlipidemia"
	VSCoronaryDisease      = "coronary-disease"
	VSMyocardialInfarction = "myocardial-infarction"
	VSStroke               = "stroke"
	// VSEventHistory: codes that say an MI, stroke, VTE or malignancy is
	// past (old MI, personal history, sequela of stroke); copied from the
	// four sets above (historycodes review).
	VSEventHistory     = "event-history"
	VSSmokerCondition  = "tobacco-use"
	VSSeriousInfection = "serious-infection"
	VSSevereRenal      = "severe-renal-impairment"
	// VSESRDDialysis: end-stage renal disease, CKD stage 5 or dialysis.
	VSESRDDialysis = "esrd-dialysis"
	// VSCirrhosis: cirrhosis that does not by itself say severe (confirm
	// the Child-Pugh class); VSSevereHepatic holds decompensation.
	VSCirrhosis = "cirrhosis"

	// Immunizations (CVX).
	VSZosterRecombinant = "zoster-recombinant-vaccine"
	VSLiveVaccines      = "live-vaccines"
)

// ValueSetIDs returns every value set id above: LoadKnowledge fails unless
// each is loaded (rules/concepts_test.go checks the list is complete).
func ValueSetIDs() []string {
	return []string{
		VSUpadacitinib, VSAbrocitinib,
		VSOtherJAK, VSBiologics, VSImmunosuppressants, VSAntiplatelets, VSAspirin,
		VSCYP3A4StrongInhibitors, VSCYP3A4StrongInducers, VSCYP2C19StrongInhibitors,
		VSCYP2C19CYP2C9Inhibitors, VSCYP2C19CYP2C9Inducers, VSTBTreatment, VSPriorSystemicADTherapy,
		VSTBTest, VSHBsAg, VSHBcAb, VSHBVDNA, VSHCVAb, VSHCVRNA, VSCBCPanel, VSLymphocytes,
		VSNeutrophils, VSHemoglobin, VSPlatelets, VSALT, VSAST, VSLipids, VSLipidPanelOrLDL, VSPregnancyTest, VSEGFR,
		VSSmokingStatus,
		VSResultPositive, VSResultNegative, VSResultIndeterminate, VSSmokerAnswers,
		VSAtopicDermatitis, VSActiveTB, VSLatentTB, VSChronicHBV, VSHCV, VSSevereHepatic,
		VSPregnancyCondition, VSBreastfeeding, VSVTE, VSThrombophilia, VSMalignancy, VSNMSC,
		VSHypertension, VSDiabetes, VSHyperlipidemia, VSCoronaryDisease, VSMyocardialInfarction,
		VSStroke, VSSmokerCondition, VSSeriousInfection, VSSevereRenal,
		VSZosterRecombinant, VSLiveVaccines,
		VSESRDDialysis, VSCirrhosis, VSChildPugh, VSCYP2C19Genotype, VSBodyWeight,
		VSCYP2C19PoorMetabolizer, VSPgpSubstratesNTI, VSPregnancyStatus, VSModerateRenal,
		VSEventHistory,
	}
}
