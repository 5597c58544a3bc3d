package hooks

import (
	"sort"
	"strconv"
	"strings"

	"jakguard/rules"
)

// Service is one entry of the discovery document.
type Service struct {
	Hook              string            `json:"hook"`
	Title             string            `json:"title"`
	Description       string            `json:"description"`
	ID                string            `json:"id"`
	Prefetch          map[string]string `json:"prefetch,omitempty"`
	UsageRequirements string            `json:"usageRequirements,omitempty"`

	// required names the prefetch keys without which the service answers 412.
	required []string
	// courseOnly is set on the service courseService makes: only what
	// tells the JAK-inhibitor course is read.
	courseOnly bool
}

// Discovery is the answer of GET /cds-services.
type Discovery struct {
	Services []Service `json:"services"`
}

// usage is the usageRequirements text shared by the three services.
const usage = "Needs read access to the patient's Patient, Condition, MedicationRequest, MedicationStatement, " +
	"Observation and Immunization resources, through prefetch or fhirServer with fhirAuthorization " +
	"(SMART v1 patient/Patient.read patient/Condition.read patient/MedicationRequest.read " +
	"patient/MedicationStatement.read patient/Observation.read patient/Immunization.read; SMART v2 the same with .rs). " +
	"MedicationStatement is optional: without it outside medications are not checked."

// The medication templates ask for every status, newest first: a treatment
// course (contract 6.2) is built from the orders and statements that follow
// each other back from the newest, ended ones included, and 200 of them
// reach years back for a patient on a JAK inhibitor.
//
// Immunizations are not filtered by vaccine code either: the rules also
// know a vaccine by its name (a pharmacy dose coded by NDC only, an MMR
// written as text), which a code filter would leave on the EHR's side; a
// patient's immunizations are a few dozen, newest first.
const (
	medicationRequests   = "MedicationRequest?patient={{context.patientId}}&_sort=-authoredon&_count=200"
	medicationStatements = "MedicationStatement?patient={{context.patientId}}&_sort=-effective&_count=200"
	immunizations        = "Immunization?patient={{context.patientId}}&_sort=-date&_count=100"
)

// services builds the three services and their prefetch templates from the
// knowledge base, so that a hospital's --valuesets overlay of local codes
// also reaches the templates. Templates stay inside the CDS Hooks 2.0 query
// subset: type searches with patient={{context.patientId}}, token lists,
// _sort and _count; no chaining, no _include, no date arithmetic.
func services(k *rules.Knowledge) []Service {
	orderObs := observationQuery(k, rules.ObservationValueSets(), 200)
	// patient-view reads the monitoring labs and pregnancy, and what turned
	// positive since the course start: a TB test, HBsAg, HBV DNA, HCV RNA
	// (metarev: without them in the template, an EHR filling prefetch from
	// it, or the FHIR fallback, never sent them, and those critical cards
	// never came).
	viewObs := observationQuery(k, []string{
		rules.VSCBCPanel, rules.VSLymphocytes, rules.VSNeutrophils, rules.VSHemoglobin, rules.VSPlatelets,
		rules.VSALT, rules.VSAST, rules.VSLipids, rules.VSPregnancyTest, rules.VSPregnancyStatus,
		rules.VSTBTest, rules.VSHBsAg, rules.VSHBVDNA, rules.VSHCVRNA,
	}, 100)
	orderPrefetch := map[string]string{
		rules.DataPatient:       "Patient/{{context.patientId}}",
		rules.DataConditions:    "Condition?patient={{context.patientId}}&_count=200",
		rules.DataMedications:   medicationRequests,
		rules.DataObservations:  orderObs,
		rules.DataImmunizations: immunizations,
		// Optional (contract 6.1): outside, OTC and supplement lists.
		rules.DataMedicationStatements: medicationStatements,
	}
	viewPrefetch := map[string]string{
		rules.DataPatient: "Patient/{{context.patientId}}",
		// Every clinical status, as on the order hooks (metarev): an
		// encounter diagnosis has none (a pneumonia, breastfeeding), and an
		// MI, thrombosis or malignancy since the course start counts
		// resolved; the rules judge the status.
		rules.DataConditions: "Condition?patient={{context.patientId}}&_count=200",
		// Every status: a course is active or recent (ended within 90
		// days), so ended orders count too.
		rules.DataMedications:          medicationRequests,
		rules.DataObservations:         viewObs,
		rules.DataMedicationStatements: medicationStatements,
		// Live vaccines given during the course (live-vaccine-recent).
		rules.DataImmunizations: immunizations,
	}
	checks := "Checks pre-treatment screening (TB, hepatitis B and C, CBC with differential, liver enzymes, " +
		"lipids, pregnancy test, zoster vaccine), contraindications (active infection, severe hepatic impairment, " +
		"pregnancy, breastfeeding, cytopenias, other JAK inhibitors or biologics, antiplatelets with abrocitinib), " +
		"boxed-warning risk factors with a lower-dose suggestion, and the labelled dose"
	reverseChecks := "; and, for a patient on either drug (or who stopped it within 90 days), checks an order of another " +
		"JAK inhibitor, a biologic, a potent immunosuppressant, a live vaccine, an antiplatelet (abrocitinib, first 3 months), " +
		"a strong CYP inhibitor or inducer, or a narrow-therapeutic-index P-gp substrate (abrocitinib)."
	return []Service{
		{
			Hook:              HookOrderSelect,
			ID:                HookOrderSelect,
			Title:             "JAK inhibitor safety check (upadacitinib, abrocitinib): order select",
			Description:       checks + " for a selected upadacitinib (Rinvoq) or abrocitinib (Cibinqo) order" + reverseChecks,
			Prefetch:          orderPrefetch,
			UsageRequirements: usage,
			required:          []string{rules.DataPatient},
		},
		{
			Hook:              HookOrderSign,
			ID:                HookOrderSign,
			Title:             "JAK inhibitor safety check (upadacitinib, abrocitinib): order sign",
			Description:       checks + " for every upadacitinib (Rinvoq) or abrocitinib (Cibinqo) order about to be signed" + reverseChecks,
			Prefetch:          orderPrefetch,
			UsageRequirements: usage,
			required:          []string{rules.DataPatient},
		},
		{
			Hook:  HookPatientView,
			ID:    HookPatientView,
			Title: "JAK inhibitor monitoring (upadacitinib, abrocitinib)",
			Description: "For a patient taking upadacitinib (Rinvoq) or abrocitinib (Cibinqo): monitoring that is due " +
				"(CBC, liver enzymes, lipids) and on-treatment results that require interrupting or stopping treatment " +
				"(lymphopenia, neutropenia, anemia, thrombocytopenia), serious infection, active tuberculosis, pregnancy, " +
				"breastfeeding, a live vaccine given during the course, what began since the course start (myocardial infarction " +
				"or stroke, thrombosis, malignancy, a positive TB test, hepatitis B or C), combination " +
				"therapy and interacting drugs on the chart (CYP, P-gp, antiplatelets in the first 3 months of abrocitinib). " +
				"Silent for every other patient.",
			Prefetch:          viewPrefetch,
			UsageRequirements: usage,
			// Without medications it cannot tell whether the patient is on a
			// JAK inhibitor; it then answers no cards (see evaluate).
		},
	}
}

// observationQuery lists every code of the value sets, most recent first.
func observationQuery(k *rules.Knowledge, sets []string, count int) string {
	return "Observation?patient={{context.patientId}}&code=" + tokenList(k, sets...) + "&_sort=-date&_count=" + strconv.Itoa(count)
}

// tokenList renders the codes of the value sets as a FHIR token list
// (system|code,system|code), sorted and without duplicates.
func tokenList(k *rules.Knowledge, sets ...string) string {
	seen := map[string]bool{}
	var toks []string
	for _, id := range sets {
		for _, c := range k.Codes(id) {
			t := c.System + "|" + c.Code
			if c.Code == "" || seen[t] {
				continue
			}
			seen[t] = true
			toks = append(toks, t)
		}
	}
	sort.Strings(toks)
	return strings.Join(toks, ",")
}
