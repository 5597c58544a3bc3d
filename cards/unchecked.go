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
	if len(kinds) > 0 {
		lines = append(lines, md(fmt.Sprintf(uncheckedLine, uncheckedText(kinds))))
	}
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
	summary := "Not fully checked for " + ds.name + ": " + strings.Join(short, ", ") + " could not be read"
	if len(kinds) == 0 {
		summary = "Not fully checked for " + ds.name + ": some " + strings.Join(short, ", ") + " could not be read"
	}
	if r := []rune(summary); len(r) > MaxSummaryRunes {
		summary = string(r[:MaxSummaryRunes-1]) + "…"
	}
	return Card{
		UUID:      newID(),
		Summary:   summary,
		Indicator: rules.Warning,
		Detail: strings.Join(lines, "\n\n") + "\n\nThe checks of " + md(ds.name) +
			" that read this data did not run on it. Review it in the chart before signing.",
		Source: Source{Label: ds.label, URL: ds.url,
			Topic: &Coding{System: TopicSystem, Code: string(rules.CategoryRecord), Display: categoryTable[rules.CategoryRecord].display}},
		Extension: &Extension{Findings: []string{DataUnavailable}},
	}
}
