package cards

import (
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"jakguard/rules"
)

// DataUnavailable is the finding code of the card that says which data
// could not be read when no other card said it (Unchecked).
const DataUnavailable = "data-unavailable"

// Unchecked is the warning card for an order of drug whose evaluation ran
// without kinds (rules.Data* names), when no finding card says so: the
// checks that read them did not run, so an answer without cards would
// read as "safe" (contract 6.6, fail safe).
func Unchecked(drug rules.Drug, kinds []string, opt Options) Card {
	newID := opt.NewUUID
	if newID == nil {
		newID = uuid.NewString
	}
	ds := drugOf(drug)
	var short []string
	for _, k := range kinds {
		if n := uncheckedText([]string{k}); n != "" && !slices.Contains(short, n) {
			short = append(short, n)
		}
	}
	summary := "Not fully checked for " + ds.name + ": " + strings.Join(short, ", ") + " could not be read"
	if r := []rune(summary); len(r) > MaxSummaryRunes {
		summary = string(r[:MaxSummaryRunes-1]) + "…"
	}
	return Card{
		UUID:      newID(),
		Summary:   summary,
		Indicator: rules.Warning,
		Detail: md(fmt.Sprintf(uncheckedLine, uncheckedText(kinds))) + "\n\nThe checks of " + md(ds.name) +
			" that read this data did not run, and none of the other checks found anything to report. " +
			"Review it in the chart before signing.",
		Source: Source{Label: ds.label, URL: ds.url,
			Topic: &Coding{System: TopicSystem, Code: string(rules.CategoryRecord), Display: categoryTable[rules.CategoryRecord].display}},
		Extension: &Extension{Findings: []string{DataUnavailable}},
	}
}
