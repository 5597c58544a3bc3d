package cards

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"jakguard/rules"
)

// detailOf writes the card's Markdown detail: per finding, what was found
// (with dates and values), what to order, what to do, and what could not be
// checked or is unverified; then the dose to use and, when the findings cite
// several sources, the sources.
func detailOf(g *group, ds drugSource, sg suggestions, partial map[string]bool) string {
	var parts []string
	var unchecked []string
	unverified := false
	// The course start is said once per card, before the sections, when
	// several sections would each repeat it (pvnoise review: a monitoring
	// card said "upadacitinib (Rinvoq) course started on ..." under CBC,
	// ALT/AST and lipids alike).
	shared := sharedStartLines(g.findings)
	for _, t := range shared {
		parts = append(parts, "- "+md(t))
	}
	for _, f := range g.findings {
		for _, st := range f.Stops { // what the label stops the course's drug for, first
			parts = append(parts, findingDetail(st, shared))
			unverified = unverified || st.Unverified
		}
		parts = append(parts, findingDetail(f, shared))
		for _, k := range f.Unchecked {
			if !slices.Contains(unchecked, k) {
				unchecked = append(unchecked, k)
			}
		}
		unverified = unverified || f.Unverified
	}
	// What could not be checked and what is unverified is said once per
	// card, not once per finding: a screening card lists up to nine.
	parts = append(parts, uncheckedLines(unchecked, partial)...)
	if unverified {
		parts = append(parts, unverifiedLine)
	}
	if mg := minDose(g.findings); mg > 0 && isReverse(g.findings) {
		with := md(oneLine(g.findings[0].Subject))
		if with == "" {
			with = "this drug"
		}
		dose := "Dose of " + md(ds.name) + " with " + with + ": " + md(doseText(ds, mg)) + ". "
		if c := g.findings[0].Course; c != nil && !c.Ongoing {
			// The course has ended: no current order to change (noise15).
			parts = append(parts, dose+"If "+md(ds.name)+" is resumed while "+with+" is taken, order it at this dose"+ds.noSplit+".")
		} else if c != nil && !c.SuppliedUntil.IsZero() {
			// Taken from a completed order (its supply runs on): no
			// current order to change either (pvsupply).
			parts = append(parts, dose+"The "+md(ds.name)+" order on record is completed (its end date or supply runs to "+
				c.SuppliedUntil.Format("2006-01-02")+"), so jakguard offers no change to it: order "+md(ds.name)+" at this dose"+ds.noSplit+".")
		} else {
			parts = append(parts, dose+"The "+md(ds.name)+" order is on record, not part of this order session, so jakguard offers no change to it: change the dose in the "+
				md(ds.name)+" order itself"+ds.noSplit+".")
		}
	} else if mg > 0 {
		switch {
		case sg.updated:
			parts = append(parts, "Suggested dose: "+md(doseText(ds, mg))+" (accept the suggestion to update the draft order).")
		case sg.noProduct:
			parts = append(parts, "Dose for this order: "+md(doseText(ds, mg))+". jakguard's knowledge base has no product code for "+
				md(ds.name)+" "+mgText(mg)+" mg, so it offers no change to the order: change the product and dose in the order itself"+
				ds.noSplit+".")
		case !slices.ContainsFunc(g.findings, func(f rules.Finding) bool {
			return strings.Contains(f.Action, "Use "+ds.name+" "+mgText(mg)+" mg once daily")
		}): // patient-view: no update to accept; not when an action says it already
			parts = append(parts, "Adjust the dose to "+mgText(mg)+" mg once daily.")
		}
	}
	if srcs := citations(g.findings); len(srcs) > 1 {
		parts = append(parts, "Sources: "+strings.Join(srcs, "; ")+".")
	}
	return strings.Join(parts, "\n\n")
}

// headingCase capitalises a section heading that starts with a word in
// lower case ("abrocitinib not recommended: ..."), not an abbreviation
// whose second letter is a capital ("eGFR", "mL").
func headingCase(s string) string {
	if len(s) > 1 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z' {
		return capitalize(s)
	}
	return s
}

// sharedStartLines are the course-start evidence lines (rules.Evidence
// CourseStart) that more than one finding of the card carries, in order.
func sharedStartLines(fs []rules.Finding) []string {
	count := map[string]int{}
	var order []string
	for _, f := range fs {
		seen := map[string]bool{}
		for _, e := range f.Evidence {
			t := evidenceText(e)
			if !e.CourseStart || t == "" || seen[t] {
				continue
			}
			seen[t] = true
			if count[t] == 0 {
				order = append(order, t)
			}
			count[t]++
		}
	}
	var out []string
	for _, t := range order {
		if count[t] > 1 {
			out = append(out, t)
		}
	}
	return out
}

// findingDetail is one finding's section, without the course-start lines
// the card says once before the sections (skip).
func findingDetail(f rules.Finding, skip []string) string {
	title := md(headingCase(oneLine(f.Title)))
	if title == "" {
		title = md(capitalize(shortOf(f)))
	}
	if title == "" {
		title = "Finding"
	}
	parts := []string{"**" + title + "**"}

	var items []string
	for _, e := range f.Evidence {
		// A line said already (one dose on the chart and in the registry)
		// is said once (polypharm).
		t := evidenceText(e)
		if t == "" || e.CourseStart && slices.Contains(skip, t) {
			continue
		}
		if t == rules.OutsideUnchecked && slices.Contains(f.Unchecked, rules.DataMedicationStatements) {
			// The card's "Could not be checked: outside medications
			// (MedicationStatement: ...)" line says it: once (noise15).
			continue
		}
		if line := "- " + md(t); !slices.Contains(items, line) {
			items = append(items, line)
		}
	}
	action := orderedAction(f)
	for _, t := range f.Tests {
		name := testName(t)
		if name == "" {
			continue
		}
		line := "- To order: " + md(name)
		if r := oneLine(t.Reason); r != "" && !reasonInAction(r, action) {
			line += " (" + md(r) + ")"
		}
		items = append(items, line)
	}
	switch {
	case f.DaysOverdue == 1:
		items = append(items, "- Overdue by 1 day")
	case f.DaysOverdue > 1:
		items = append(items, "- Overdue by "+strconv.Itoa(f.DaysOverdue)+" days")
	}
	if len(items) > 0 {
		parts = append(parts, strings.Join(items, "\n"))
	}
	if a := md(oneLine(orderedAction(f))); a != "" {
		parts = append(parts, a)
	}
	return strings.Join(parts, "\n\n")
}

// reasonInAction reports whether a test's reason ("ALT/AST due every 12
// weeks on upadacitinib, last on DATE") is what the action already says
// ("Order ALT/AST (due every 12 weeks on upadacitinib, last on DATE)."):
// each test line repeated it, three times in an ALT/AST section (noise11).
func reasonInAction(reason, action string) bool {
	i := strings.Index(reason, "due ")
	return i >= 0 && strings.Contains(oneLine(action), reason[i:])
}

// orderedAction is the finding's action, or, when every test it asks for
// is being ordered in this session, what is left to do: sign the order and
// read the result (not "Order a TB test" beside the TB test being ordered).
func orderedAction(f rules.Finding) string {
	if !f.Ordered {
		return f.Action
	}
	if f.OnTreatment {
		return "Being ordered in this session: sign the order and review the result."
	}
	return "Being ordered in this session: sign the order and review the result before starting " + drugOf(f.Drug).name + "."
}

// evidenceText is one evidence line, with its date when the text lacks it.
func evidenceText(e rules.Evidence) string {
	t := oneLine(e.Text)
	if t == "" {
		return ""
	}
	if !e.Date.IsZero() {
		if d := e.Date.Format("2006-01-02"); !strings.Contains(t, d) {
			t += " (" + d + ")"
		}
	}
	return t
}

// uncheckedLines says which kinds could not be checked: those read in
// part (partial: a search that failed after some pages, whose entries the
// card may cite) apart from those not had at all.
func uncheckedLines(kinds []string, partial map[string]bool) []string {
	var none, some []string
	for _, k := range kinds {
		if partial[k] {
			some = append(some, k)
		} else {
			none = append(none, k)
		}
	}
	var out []string
	if u := uncheckedText(none); u != "" {
		out = append(out, md(fmt.Sprintf(uncheckedLine, u)))
	}
	if u := uncheckedText(some); u != "" {
		out = append(out, md(fmt.Sprintf(partialLine, u)))
	}
	return out
}

// uncheckedText names the data that could not be checked.
func uncheckedText(kinds []string) string {
	var names []string
	for _, k := range kinds {
		n, ok := dataNames[k]
		if !ok {
			n = oneLine(k)
		}
		if n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// citations lists the distinct usable citations of the findings as
// Markdown links.
func citations(fs []rules.Finding) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range fs {
		for _, c := range append([]rules.Citation{f.Citation}, f.Also...) {
			label, url := oneLine(c.Label), c.URL
			if label == "" || !absoluteURL(url, false) || seen[label+"\x00"+url] {
				continue
			}
			seen[label+"\x00"+url] = true
			if strings.ContainsAny(url, "()<> ") {
				out = append(out, md(label))
				continue
			}
			out = append(out, "["+md(label)+"]("+url+")")
		}
	}
	return out
}

// mdEscaper escapes the characters that GitHub Markdown would read as
// markup (and < > so no raw HTML can pass from the record to the EHR).
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
	`<`, `\<`, `>`, `\>`, `|`, `\|`, `~`, `\~`, `#`, `\#`,
)

// orderedListStart matches text that Markdown would read as an ordered list item.
var orderedListStart = regexp.MustCompile(`^(\d{1,9})([.)])`)

// md escapes one line of text for Markdown, including a leading "-", "+"
// or "1." that would start a list.
func md(s string) string {
	s = mdEscaper.Replace(s)
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		return `\` + s
	}
	if s == "" || s[0] < '0' || s[0] > '9' {
		return s // not a list item; the common case, without the regexp
	}
	return orderedListStart.ReplaceAllString(s, `$1\$2`)
}
