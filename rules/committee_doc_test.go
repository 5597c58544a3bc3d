package rules

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// committeeSection starts the heading of every review's list of open
// questions in docs/rules.md section 5.
const committeeSection = "### Open for the CDS committee"

var (
	mdQuestion = regexp.MustCompile(`^(\d+)\. `)
	mdRefDef   = regexp.MustCompile(`^\[([^\]]+)\]:\s*(\S+)`)
	mdInline   = regexp.MustCompile(`\[([^\]]+)\]\(([^)\s]+)\)`)
	mdRef      = regexp.MustCompile(`\[([^\]]+)\]\[([^\]]*)\]`)
	mdLinkNum  = regexp.MustCompile(`\s(\d+)$`)
)

// mdAnchor is the anchor GitHub gives a heading: lower case, punctuation
// other than '-' and '_' dropped, each space a '-'.
func mdAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdHeadings returns the anchors of a Markdown file's headings (a repeated
// heading gets -1, -2 as on GitHub), each with its text, and, for every
// "Open for the CDS committee" section, the numbers of its questions.
func mdHeadings(text string) (anchors map[string]string, questions map[string][]int, order []string) {
	anchors = map[string]string{}
	questions = map[string][]int{}
	seen := map[string]int{}
	fenced := false
	current := ""
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			continue
		}
		if strings.HasPrefix(line, "#") {
			h := strings.TrimSpace(strings.TrimLeft(line, "#"))
			a := mdAnchor(h)
			if n := seen[a]; n > 0 {
				seen[a]++
				a = fmt.Sprintf("%s-%d", a, n)
			} else {
				seen[a] = 1
			}
			anchors[a] = h
			current = ""
			if strings.HasPrefix(line, committeeSection) {
				current = a
				questions[a] = nil
				order = append(order, a)
			}
			continue
		}
		if m := mdQuestion.FindStringSubmatch(line); m != nil && current != "" {
			n, _ := strconv.Atoi(m[1])
			questions[current] = append(questions[current], n)
		}
	}
	return anchors, questions, order
}

type mdLink struct{ text, target string }

// mdLinks returns the inline and reference links of a Markdown file, and
// the reference labels used without a definition.
func mdLinks(text string) (links []mdLink, undefined []string) {
	defs := map[string]string{}
	var body []string
	for _, line := range strings.Split(text, "\n") {
		if m := mdRefDef.FindStringSubmatch(line); m != nil {
			defs[strings.ToLower(m[1])] = m[2]
			continue
		}
		body = append(body, line)
	}
	for _, line := range body {
		for _, m := range mdInline.FindAllStringSubmatch(line, -1) {
			links = append(links, mdLink{m[1], m[2]})
		}
		for _, m := range mdRef.FindAllStringSubmatch(line, -1) {
			label := m[2]
			if label == "" {
				label = m[1]
			}
			target, ok := defs[strings.ToLower(label)]
			if !ok {
				undefined = append(undefined, m[0])
				continue
			}
			links = append(links, mdLink{m[1], target})
		}
	}
	return links, undefined
}

// committeeIndexProblems checks docs/committee.md against docs/rules.md:
// every "Open for the CDS committee" section and each of its numbered
// questions is linked from the index (a link to the section's anchor whose
// text ends with the question's number, "dose 3"), and every link to
// rules.md names a heading it has.
func committeeIndexProblems(rulesText, indexText string) []string {
	var problems []string
	anchors, questions, order := mdHeadings(rulesText)
	links, undefined := mdLinks(indexText)
	for _, u := range undefined {
		problems = append(problems, fmt.Sprintf("committee.md: link %s has no reference definition", u))
	}
	linkedSection := map[string]bool{}
	linkedQuestion := map[string]map[int]bool{}
	for _, l := range links {
		target, ok := strings.CutPrefix(l.target, "rules.md")
		if !ok {
			continue
		}
		anchor, ok := strings.CutPrefix(target, "#")
		if !ok {
			continue
		}
		if _, ok := anchors[anchor]; !ok {
			problems = append(problems, fmt.Sprintf("committee.md: link [%s](rules.md#%s) names no heading of rules.md", l.text, anchor))
			continue
		}
		qs, open := questions[anchor]
		if !open {
			continue
		}
		linkedSection[anchor] = true
		m := mdLinkNum.FindStringSubmatch(l.text)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		found := false
		for _, q := range qs {
			found = found || q == n
		}
		if !found {
			problems = append(problems, fmt.Sprintf("committee.md: [%s] links question %d of %q, which has no question %d", l.text, n, anchors[anchor], n))
			continue
		}
		if linkedQuestion[anchor] == nil {
			linkedQuestion[anchor] = map[int]bool{}
		}
		linkedQuestion[anchor][n] = true
	}
	for _, a := range order {
		if len(questions[a]) == 0 {
			problems = append(problems, fmt.Sprintf("rules.md: %q has no numbered question (number them 1., 2., ... so the committee index can name them)", anchors[a]))
		}
		if !linkedSection[a] {
			problems = append(problems, fmt.Sprintf("committee.md does not index %q (rules.md#%s)", anchors[a], a))
			continue
		}
		for _, q := range questions[a] {
			if !linkedQuestion[a][q] {
				problems = append(problems, fmt.Sprintf("committee.md does not index question %d of %q (rules.md#%s)", q, anchors[a], a))
			}
		}
	}
	return problems
}

// TestCommitteeIndex: docs/committee.md, the CDS committee's index of the
// open questions, names every "Open for the CDS committee" section of
// docs/rules.md and every numbered question in it, and each of its links
// into rules.md resolves to a heading. A review that adds questions to
// rules.md must index them.
func TestCommitteeIndex(t *testing.T) {
	rulesText, err := os.ReadFile("../docs/rules.md")
	if err != nil {
		t.Fatal(err)
	}
	indexText, err := os.ReadFile("../docs/committee.md")
	if err != nil {
		t.Fatal(err)
	}
	_, questions, order := mdHeadings(string(rulesText))
	total := 0
	for _, a := range order {
		total += len(questions[a])
	}
	if len(order) < 42 || total < 222 {
		t.Errorf("read %d committee sections and %d questions from docs/rules.md; expected at least 42 and 222", len(order), total)
	}
	for _, p := range committeeIndexProblems(string(rulesText), string(indexText)) {
		t.Error(p)
	}
}

// TestCommitteeIndexCheck: the check itself, on small documents: it finds
// an unindexed section, an unindexed question, a link to a question or a
// heading that does not exist, an undefined reference, and a section with
// no numbered question; a complete index passes.
func TestCommitteeIndexCheck(t *testing.T) {
	rules := strings.Join([]string{
		"## 5. Choices",
		"### Open for the CDS committee (dose review, December 2026)",
		"1. **A**: one.",
		"   continued, not a question: 3. no",
		"2. **B**: two.",
		"### Open for the CDS committee (tz review, December 2026)",
		"1. **C**: three.",
		"## Configuration (--rules-config)",
		"```",
		"# not a heading",
		"```",
	}, "\n")
	const dose = "rules.md#open-for-the-cds-committee-dose-review-december-2026"
	const tz = "rules.md#open-for-the-cds-committee-tz-review-december-2026"
	cases := []struct {
		name  string
		index string
		want  []string // substrings, one per expected problem
	}{
		{"complete, reference links", "- [dose 1][d], [dose 2][d]\n- [tz 1][t]\n\n[d]: " + dose + "\n[t]: " + tz, nil},
		{"complete, inline links", "[dose 1](" + dose + ") [dose 2](" + dose + ") [tz 1](" + tz + ") [settings](rules.md#configuration---rules-config)", nil},
		{"question missing", "[dose 1](" + dose + ") [tz 1](" + tz + ")", []string{"question 2 of"}},
		{"section missing", "[dose 1](" + dose + ") [dose 2](" + dose + ")", []string{"does not index \"Open for the CDS committee (tz review"}},
		{"no such question", "[dose 1](" + dose + ") [dose 2](" + dose + ") [dose 3](" + dose + ") [tz 1](" + tz + ")", []string{"has no question 3"}},
		{"no such heading", "[dose 1](" + dose + ") [dose 2](" + dose + ") [tz 1](" + tz + ") [x](rules.md#not-a-heading)", []string{"names no heading"}},
		{"fenced line is no heading", "[dose 1](" + dose + ") [dose 2](" + dose + ") [tz 1](" + tz + ") [x](rules.md#not-a-heading-1)", []string{"names no heading"}},
		{"undefined reference", "[dose 1](" + dose + ") [dose 2][dz] [tz 1](" + tz + ")", []string{"no reference definition", "question 2 of"}},
		{"section link without number indexes no question", "[dose](" + dose + ") [tz 1](" + tz + ")", []string{"question 1 of", "question 2 of"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := committeeIndexProblems(rules, c.index)
			if len(got) != len(c.want) {
				t.Fatalf("problems %q, want %d matching %q", got, len(c.want), c.want)
			}
			for i, w := range c.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
	unnumbered := strings.Replace(rules, "1. **C**", "- **C**", 1)
	got := committeeIndexProblems(unnumbered, "[dose 1]("+dose+") [dose 2]("+dose+") [tz]("+tz+")")
	if len(got) != 1 || !strings.Contains(got[0], "has no numbered question") {
		t.Errorf("unnumbered section: problems %q, want one \"has no numbered question\"", got)
	}
}

// TestMDAnchor: anchors as GitHub makes them, checked against links the
// project already uses.
func TestMDAnchor(t *testing.T) {
	for _, c := range []struct{ heading, want string }{
		{"Configuration (--rules-config)", "configuration---rules-config"},
		{"Open for the CDS committee (label statement sweep, labsweep, December 2026)", "open-for-the-cds-committee-label-statement-sweep-labsweep-december-2026"},
		{"Open for the CDS committee (failsafe7 review of the 5-7 December paths, December 2026)", "open-for-the-cds-committee-failsafe7-review-of-the-5-7-december-paths-december-2026"},
		{"2b. The reverse direction: an interacting drug ordered for a patient on a course (contract 6.1)", "2b-the-reverse-direction-an-interacting-drug-ordered-for-a-patient-on-a-course-contract-61"},
		{"Store, retention, audit_key & disk", "store-retention-audit_key--disk"},
	} {
		if got := mdAnchor(c.heading); got != c.want {
			t.Errorf("mdAnchor(%q) = %q, want %q", c.heading, got, c.want)
		}
	}
}
