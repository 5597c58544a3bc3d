package cards

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"strings"

	"github.com/google/uuid"

	"jakguard/rules"
)

// Options are the per-call inputs of FromFindings.
type Options struct {
	// PatientID is context.patientId (a bare FHIR id); it becomes the subject
	// of the ServiceRequests suggested. Empty: no create suggestions.
	PatientID string
	// Orders holds the draft order JSON by "MedicationRequest/<id>"; the
	// dose-update suggestion is built from it.
	Orders map[string]json.RawMessage
	// NewUUID makes card and suggestion uuids; nil means random UUIDv4.
	NewUUID func() string
	// Ambiguous holds the "<resourceType>/<id>" of drafts sent more than
	// once in the call (two draft orders with one id): no update or delete
	// names them, since the EHR could apply it to the wrong order.
	Ambiguous map[string]bool
	// PatientView selects the on-treatment wording (interrupt, discontinue)
	// and suppresses update and delete suggestions: on patient-view the
	// orders are active orders, not drafts of this session.
	PatientView bool
	// Unreadable is a record medication of an upadacitinib or abrocitinib
	// course whose status is no code (rules.Engine.UnreadableCourse), nil
	// when none, and its drug: Unchecked names it.
	Unreadable     *rules.Medication
	UnreadableDrug rules.Drug
	// NoCourse: on patient-view, no course could be read (Unreadable is
	// the only one): no course check ran, so none is said to have.
	NoCourse bool
	// Undated: on patient-view, the ongoing courses whose start date could
	// not be read (the checks counted from the start did not run), or that
	// have a current member with no start date (they may have begun before
	// the start read): Unchecked says so for each.
	Undated []Undated
	// UnreadEvents: on patient-view on a course with a start, the MI,
	// stroke, thrombosis or malignancy conditions whose onset could not be
	// read and that have no recorded date (rules.Engine.UnreadEventDates).
	UnreadEvents []string
	// Partial: the data kinds (rules.Data*) of which only some pages could
	// be read (a search that failed part-way): the cards say they could not
	// be checked in full, rather than "neither in prefetch nor obtainable",
	// beside evidence taken from what was read (noise8 review).
	Partial map[string]bool
}

// Undated is a course of Drug with a member whose start date could not be
// read; From is the start of its dated members ("" when none has one);
// Ahead the date after today its only start is written with ("" when none).
type Undated struct {
	Drug  rules.Drug
	From  string
	Ahead string
}

// group is the findings of one card.
type group struct {
	order    string
	cat      rules.Category
	findings []rules.Finding
	level    rules.Level
}

// FromFindings turns findings into cards: one card for all missing
// screening of an order, one for its boxed-warning risk factors (with the
// lower dose), one for the monitoring due, and one per other finding. Each
// finding code appears on exactly one card per order. Cards come critical
// first, then warning, then info, and within a level by order, category and
// code. It never returns nil.
func FromFindings(findings []rules.Finding, opt Options) []Card {
	newID := opt.NewUUID
	if newID == nil {
		newID = uuid.NewString
	}
	groups := groupFindings(findings)
	cards := make([]Card, 0, len(groups))
	for _, g := range groups {
		cards = append(cards, buildCard(g, opt, newID))
	}
	return cards
}

// groupFindings puts findings into cards and sorts both.
func groupFindings(findings []rules.Finding) []*group {
	var groups []*group
	byKey := map[string]*group{}
	byCode := map[string]*group{} // order + code: a code goes to one card per order
	for _, f := range findings {
		order := f.OrderID
		if f.Course != nil {
			order += "\x01" // the reverse direction never shares a card with a JAK order's findings
		}
		codeKey := order + "\x00" + f.Code
		g, ok := byCode[codeKey]
		if !ok {
			cat := categoryOf(f)
			key := order + "\x00" + string(cat)
			if !categoryTable[cat].grouped {
				key += "\x00" + f.Code
			}
			if g, ok = byKey[key]; !ok {
				g = &group{order: f.OrderID, cat: cat}
				byKey[key] = g
				groups = append(groups, g)
			}
			byCode[codeKey] = g
		}
		g.findings = append(g.findings, f)
	}
	for _, g := range groups {
		slices.SortStableFunc(g.findings, func(a, b rules.Finding) int { return compareCodes(a.Code, b.Code) })
		g.level = rules.Info
		for _, f := range g.findings {
			g.level = maxLevel(g.level, levelOf(f))
		}
	}
	slices.SortStableFunc(groups, func(a, b *group) int {
		return cmp.Or(
			cmp.Compare(b.level.Rank(), a.level.Rank()),
			strings.Compare(a.order, b.order),
			cmp.Compare(slices.Index(categoryOrder, a.cat), slices.Index(categoryOrder, b.cat)),
			compareCodes(a.findings[0].Code, b.findings[0].Code),
		)
	})
	return groups
}

// compareCodes orders codes as in codeOrder, unknown codes last by name.
func compareCodes(a, b string) int {
	ra, rb := codeRank(a), codeRank(b)
	if ra != rb {
		return cmp.Compare(ra, rb)
	}
	return strings.Compare(a, b)
}

func codeRank(code string) int {
	if i := slices.Index(codeOrder, code); i >= 0 {
		return i
	}
	return len(codeOrder)
}

// levelOf is a finding's effective level: its own, raised to the contract's
// level for its code; an unknown level counts as warning.
func levelOf(f rules.Finding) rules.Level {
	l := f.Level
	if l.Rank() < 0 {
		l = rules.Warning
	}
	if ci, ok := codeTable[f.Code]; ok {
		l = maxLevel(l, ci.level)
	}
	for _, st := range f.Stops { // a serious infection: critical, as on patient-view
		l = maxLevel(l, levelOf(st))
	}
	return l
}

func maxLevel(a, b rules.Level) rules.Level {
	if b.Rank() > a.Rank() {
		return b
	}
	return a
}

// minDose is the lowest usable SuggestedDailyMg of the group, 0 when none.
func minDose(group []rules.Finding) float64 {
	var mg float64
	for _, f := range group {
		d := f.SuggestedDailyMg
		if d <= 0 || math.IsNaN(d) || math.IsInf(d, 0) || d > 10000 {
			continue
		}
		if mg == 0 || d < mg {
			mg = d
		}
	}
	return mg
}

func hasCode(group []rules.Finding, code string) bool {
	return slices.ContainsFunc(group, func(f rules.Finding) bool { return f.Code == code })
}

// buildCard writes one card.
func buildCard(g *group, opt Options, newID func() string) Card {
	ds := drugOf(g.findings[0].Drug)
	c := Card{
		UUID:      newID(),
		Summary:   Summary(g.findings, opt.PatientView),
		Indicator: g.level,
		Source:    sourceOf(g, ds),
	}
	var codes []string
	for _, f := range g.findings {
		// A finding without a code is "unknown", also beside coded ones
		// on a shared card (FuzzFromFindings: it was left out there).
		if code := cmp.Or(f.Code, "unknown"); !slices.Contains(codes, code) {
			codes = append(codes, code)
		}
	}
	c.Extension = &Extension{Findings: codes}

	sg := suggestionsFor(g, ds, opt)
	for _, s := range sg.list {
		s.UUID = newID()
		c.Suggestions = append(c.Suggestions, s)
	}
	if len(c.Suggestions) > 0 {
		c.SelectionBehavior = SelectAny
		if sg.exclusive {
			c.SelectionBehavior = SelectAtMostOne
		}
	}
	c.Detail = detailOf(g, ds, sg, opt.Partial)
	c.OverrideReasons = overrideReasons(g.findings, g.cat)
	return c
}

// sourceOf is the card's source: the first finding citation with a label
// and an absolute URL, else the drug's prescribing information; the topic
// names the card category.
func sourceOf(g *group, ds drugSource) Source {
	s := Source{Label: ds.label, URL: ds.url}
	fs := g.findings
	if i := slices.IndexFunc(fs, stops); i >= 0 {
		// The card says discontinue (RINVOQ 5.4): it cites that, not the
		// EU advice on the lower dose that sorts first.
		fs = append([]rules.Finding{fs[i]}, fs...)
	}
	for _, f := range fs {
		if label := oneLine(f.Citation.Label); label != "" && absoluteURL(f.Citation.URL, false) {
			s = Source{Label: label, URL: f.Citation.URL}
			break
		}
	}
	s.Topic = &Coding{System: TopicSystem, Code: string(g.cat), Display: categoryTable[g.cat].display}
	return s
}
