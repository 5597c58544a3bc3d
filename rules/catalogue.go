package rules

// RuleInfo describes one rule for the rule catalogue (docs/rules.md, the
// operator console's GET /console/api/rules): what it reports, when in a
// course it applies, what it reads and what it rests on. It is written from
// the rule tables themselves (orderRules, pvRules), so it cannot drift from
// what runs.
type RuleInfo struct {
	Code string
	// Hook is "order" (order-select, order-sign: a JAK-inhibitor order),
	// "order-interacting" (order-select, order-sign: a draft order of an
	// interacting drug for a patient with an active or recent course, the
	// reverse direction of contract 6.1) or "patient-view".
	Hook     string
	Level    Level // the rule's level; Notes says when a case raises or lowers it
	Category Category
	Drug     Drug // "" for both drugs
	// Initiation and Continuation say when an order-time rule applies
	// (contract 6.2); patient-view rules apply to an ongoing course.
	Initiation, Continuation bool
	// NewOnCourse: on a continuation (and, for a patient-view rule, on
	// patient-view) the rule reads only what is dated on or after the
	// course start.
	NewOnCourse bool
	// CourseLimit is how long into a course the rule applies ("first 90
	// days of the course"), "" when throughout.
	CourseLimit string
	ValueSets   []string // the value sets it reads
	Limits      string   // thresholds and windows, from the engine's Config
	Reads       []string // the kinds of data it reads (Data* constants)
	// Sources cite each drug's US label section the rule rests on (EU or
	// guideline sources a finding adds are named in docs/rules.md).
	Sources map[Drug]Citation
}

// Catalogue lists every rule of the engine, order-time rules first, in
// evaluation order, with the engine's configured limits.
func (e *Engine) Catalogue() []RuleInfo {
	var out []RuleInfo
	sources := func(drug Drug, upa, abro string) map[Drug]Citation {
		m := map[Drug]Citation{}
		for _, d := range triggerDrugs {
			if drug != "" && drug != d {
				continue
			}
			p, _ := Profile(d)
			sec := upa
			if d == Abrocitinib {
				sec = abro
			}
			m[d] = p.Cite(sec)
		}
		return m
	}
	for _, r := range orderRules {
		ri := RuleInfo{
			Code: r.code, Hook: "order", Level: r.level, Category: r.category, Drug: r.drug,
			Initiation: r.when.start, Continuation: r.when.course, NewOnCourse: r.when.newOnCourse,
			ValueSets: r.sets, Reads: r.needs, Sources: sources(r.drug, r.upa, r.abro),
		}
		if r.when.within != nil {
			ri.CourseLimit = "first " + durationText(r.when.within(e.cfg)) + " of the course"
		}
		if r.limits != nil {
			ri.Limits = r.limits(e.cfg)
		}
		out = append(out, ri)
	}
	for _, r := range reverseRules {
		ri := RuleInfo{
			Code: r.code, Hook: "order-interacting", Level: r.level, Category: r.category, Drug: r.drug,
			Continuation: true, ValueSets: r.sets, Reads: needMeds, Sources: sources(r.drug, r.upa, r.abro),
			Limits: "course active, or ended within " + durationText(e.cfg.RecentCourse),
		}
		if r.within != nil {
			ri.CourseLimit = "first " + durationText(r.within(e.cfg)) + " of the course"
		}
		out = append(out, ri)
	}
	for _, r := range pvRules {
		out = append(out, RuleInfo{
			Code: r.code, Hook: "patient-view", Level: r.level, Category: r.category, Drug: r.drug,
			Continuation: true, NewOnCourse: pvSinceStart[r.code], Reads: r.needs, Sources: sources(r.drug, r.upa, r.abro),
		})
	}
	return out
}

// FindingCodes lists every finding code the rules can report, once each,
// in catalogue order.
func FindingCodes() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range orderRules {
		if !seen[r.code] {
			seen[r.code] = true
			out = append(out, r.code)
		}
	}
	for _, r := range pvRules {
		if !seen[r.code] {
			seen[r.code] = true
			out = append(out, r.code)
		}
	}
	return out
}
