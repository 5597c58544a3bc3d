package rules

// ObservationValueSets lists the value sets of Observation codes that some
// rule reads. An Observation in none of them cannot change a finding, so the
// decoder may pass over it, and the prefetch templates ask only for these.
func ObservationValueSets() []string {
	return []string{
		VSTBTest, VSHBsAg, VSHBcAb, VSHBVDNA, VSHCVAb, VSHCVRNA,
		VSCBCPanel, VSLymphocytes, VSNeutrophils, VSHemoglobin, VSPlatelets,
		VSALT, VSAST, VSLipids, VSPregnancyTest, VSEGFR, VSSmokingStatus,
	}
}

// ObservationRelevant tells whether an Observation with these codes (its
// own and its components') is in a value set some rule reads.
func (e *Engine) ObservationRelevant(codes []Coding) bool {
	for _, c := range codes {
		if _, ok := e.obsCodes[newCodeKey(c.System, c.Code)]; ok {
			return true
		}
	}
	if !e.obsPatterns {
		return false
	}
	for _, set := range ObservationValueSets() {
		if e.k.Has(set, codes) {
			return true
		}
	}
	return false
}

// indexObservationCodes builds the union of the Observation value sets for
// ObservationRelevant; when a set has code patterns, codes not in the union
// are checked through Has, so the union never passes over a code Has
// would match.
func (e *Engine) indexObservationCodes() {
	e.obsCodes = map[codeKey]struct{}{}
	for _, set := range ObservationValueSets() {
		vs, ok := e.k.Set(set)
		if !ok {
			continue
		}
		if len(vs.Regex) > 0 || len(vs.Exclude) > 0 {
			e.obsPatterns = true
		}
		for _, c := range vs.Codes {
			e.obsCodes[newCodeKey(c.System, c.Code)] = struct{}{}
		}
	}
}
