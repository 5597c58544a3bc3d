package cards

import (
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"jakguard/rules"
)

// DataUnavailable is the finding code of the card that says which data
// could not be read when no other card says it (Unchecked).
const DataUnavailable = "data-unavailable"

// Unchecked is the warning card for an order of drug whose evaluation ran
// without kinds (rules.Data* names) when no finding card says so, or with
// entries of some kinds left out as malformed (skipped, by kind): the
// checks that read them did not run, or not on everything, so an answer
// without this card would read as "checked" (contract 6.6, fail safe).
//
// With opt.PatientView it is the info card of a chart opening for a
// patient on a course of drug ("" when on both): it names the course
// checks that did not run (pvChecks) and interrupts no one.
func Unchecked(drug rules.Drug, kinds []string, skipped map[string]int, opt Options) Card {
	newID := opt.NewUUID
	if newID == nil {
		newID = uuid.NewString
	}
	ds := drugOf(drug)
	var short, lines []string
	add := func(n string) {
		if n != "" && !slices.Contains(short, n) {
			short = append(short, n)
		}
	}
	for _, k := range kinds {
		add(uncheckedText([]string{k}))
	}
	lines = append(lines, uncheckedLines(kinds, opt.Partial)...)
	partial := make([]string, 0, len(skipped))
	for k, n := range skipped {
		if n > 0 {
			partial = append(partial, k)
		}
	}
	slices.Sort(partial)
	for _, k := range partial {
		n := uncheckedText([]string{k})
		add(n)
		entries := "entries"
		if skipped[k] == 1 {
			entries = "entry"
		}
		lines = append(lines, md(fmt.Sprintf("Not read: %d %s of %s (malformed, left out); the rest was checked.", skipped[k], entries, n)))
	}
	if m := opt.Unreadable; m != nil {
		lines = append(lines, unreadableLine(m, opt.UnreadableDrug))
	}
	startDate := "its start date"
	if len(opt.Undated) > 1 {
		startDate = "their start dates"
	}
	for _, u := range opt.Undated {
		add(startDate)
		if u.From == "" && u.Ahead != "" {
			lines = append(lines, md("The "+drugOf(u.Drug).name+" course being taken is dated only "+u.Ahead+", after today "+
				"and further ahead than a course is scheduled (a typing error?): its start cannot be read, and the checks counted from the start did not run: "+
				undatedChecks+". Check the order's date, and review these in the chart."))
		} else if u.From == "" {
			lines = append(lines, md("The "+drugOf(u.Drug).name+" course on the record has no start date jakguard can read "+
				"(authoredOn, dispenseRequest.validityPeriod.start or effectivePeriod.start): the checks counted from the start did not run: "+
				undatedChecks+". Record the start date, and review these in the chart."))
		} else {
			lines = append(lines, md("An order or statement of the "+drugOf(u.Drug).name+" course being taken has no start date jakguard can read: "+
				"the course may have begun before "+u.From+", the start of its dated orders, and the checks counted from the start "+
				"read only from that day: "+undatedChecks+". Record the start date, and review these in the chart."))
		}
	}
	if len(opt.UnreadEvents) > 0 {
		add("an event's onset date")
		lines = append(lines, md("A myocardial infarction, stroke, thrombosis or malignancy on record ("+strings.Join(opt.UnreadEvents, ", ")+
			") has an onset jakguard cannot read and no recorded date: it was not checked as new since the course start. "+
			"Record its date, and review it in the chart."))
	}
	lead, indicator := "Not fully checked for "+ds.name+": ", rules.Warning
	after := "The checks of " + md(ds.name) + " that read this data did not run on it. Review it in the chart before signing."
	inPartOnly := len(kinds) > 0 && !slices.ContainsFunc(kinds, func(k string) bool { return !opt.Partial[k] })
	if inPartOnly && len(partial) == 0 {
		after = "The checks of " + md(ds.name) + " that read this data ran only on what could be read. Review it in the chart before signing."
	}
	if opt.PatientView {
		course := ds.name + " course"
		if _, ok := drugTable[drug]; !ok {
			course = "JAK-inhibitor courses"
		}
		lead, indicator = capitalize(course)+" not fully checked: ", rules.Info
		course = "the " + course
		var notRun, partly, inPart []string
		for _, k := range kinds {
			if opt.Partial[k] {
				inPart = appendCheck(inPart, k)
				continue
			}
			notRun = appendCheck(notRun, k)
		}
		for _, k := range partial {
			if !slices.Contains(kinds, k) {
				partly = appendCheck(partly, k)
			}
		}
		var parts []string
		if len(notRun) > 0 {
			parts = append(parts, "Not checked on "+md(course)+": "+strings.Join(notRun, "; ")+".")
		}
		if len(inPart) > 0 {
			parts = append(parts, "Checked on "+md(course)+" only against what could be read: "+strings.Join(inPart, "; ")+".")
		}
		if len(partly) > 0 && !opt.NoCourse {
			parts = append(parts, "Checked without the entries left out: "+strings.Join(partly, "; ")+".")
		}
		after = strings.Join(append(parts, "Review this data in the chart."), " ")
	}
	summary := lead + strings.Join(short, ", ") + " could not be read"
	if len(kinds) == 0 && len(partial) == 0 && len(opt.UnreadEvents) == 0 { // only the start date
		summary = lead + startDate + " could not be read"
	} else if len(kinds) == 0 && len(partial) > 0 || inPartOnly {
		summary = lead + "some " + strings.Join(short, ", ") + " could not be read"
	}
	if r := []rune(summary); len(r) > MaxSummaryRunes {
		summary = string(r[:MaxSummaryRunes-1]) + "…"
	}
	return Card{
		UUID:      newID(),
		Summary:   summary,
		Indicator: indicator,
		Detail:    strings.Join(lines, "\n\n") + "\n\n" + after,
		Source: Source{Label: ds.label, URL: ds.url,
			Topic: &Coding{System: TopicSystem, Code: string(rules.CategoryRecord), Display: categoryTable[rules.CategoryRecord].display}},
		Extension: &Extension{Findings: []string{DataUnavailable}},
	}
}

// undatedChecks are the patient-view checks of a course counted from its
// start (rules: monitoringCodes and the since-the-start rules).
const undatedChecks = "monitoring that is due (CBC, liver enzymes, lipids) and what began since the course start " +
	"(myocardial infarction or stroke, thrombosis, malignancy, latent tuberculosis, hepatitis B or C)"

// appendCheck adds the patient-view checks that read kind to list, once.
func appendCheck(list []string, kind string) []string {
	n, ok := pvChecks[kind]
	if !ok {
		n = uncheckedText([]string{kind})
	}
	n = md(n)
	if n == "" || slices.Contains(list, n) {
		return list
	}
	return append(list, n)
}

// maxStatusRunes bounds the status quoted from the record (unreadableLine).
const maxStatusRunes = 40

// unreadableLine says which JAK-inhibitor medication on record has a status
// that could not be read: it was read neither as taken nor as stopped, so
// no check of a course of it ran.
func unreadableLine(m *rules.Medication, drug rules.Drug) string {
	what := "order"
	if m.ResourceType == "MedicationStatement" {
		what = "statement"
	}
	status := "(none)"
	if r := []rune(strings.TrimSpace(m.Status)); len(r) > maxStatusRunes {
		status = fmt.Sprintf("(%q)", string(r[:maxStatusRunes-1])+"…")
	} else if len(r) > 0 {
		status = fmt.Sprintf("(%q)", string(r))
	}
	return md(fmt.Sprintf("An %s %s on the record has a status jakguard cannot read %s: "+
		"it was read neither as taken nor as stopped, so the checks of a course of it did not run. "+
		"Review its status in the chart.", drugOf(drug).name, what, status))
}
