package hooks

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/fhir"
)

// The second metamorphic review (metamorphic2, December 2026; docs/rules.md
// section 4 "Metamorphic review 2"). Relations the first (metarev) did not
// check: a course's answers day after day (the timeline sweep), equivalent
// JSON texts of one request, and where the data comes from (prefetch and
// FHIR server split, searches answered in pages).

// mm2Course is a realistic course of one drug: the first order on day 0,
// renewed every 90 days (each earlier order completed), with the
// monitoring labs of each day in labs (a CBC is lymphocytes, neutrophils,
// hemoglobin and platelets; "alt" ALT; "ldl" a lipid panel's LDL).
type mm2Course struct {
	name string
	drug string
	mg   int
	// increase: from this day the course is at mg2 (a renewal at a
	// higher dose; 0 none).
	increase, mg2 int
	labs          map[int][]string
	// due: the expected interval [from, to] (inclusive) of each finding
	// on patient-view and on a renewal; none outside it.
	// (a finding keyed "hook code" is expected on that hook only).
	due map[string][2]int
	// days: the last day swept (0: mm2Days); born: the birth date; add:
	// resources on the chart from before the start.
	days int
	// stop: the last order is stopped on this day, and no labs are
	// drawn after it (0: none); each order then holds a 90-day supply.
	stop int
	born string
	add  []res
	// at, orderAt: the labs' and the orders' time of day (a dateTime
	// suffix; "": a date).
	at, orderAt string
	// events: resources on the chart from their day on (made
	// "completed" from done on, when done > 0).
	events []mm2Event
}

type mm2Event struct {
	day, done int
	r         func(date string) res
}

func (c mm2Course) last() int {
	if c.days == 0 {
		return mm2Days
	}
	return c.days
}

// expected is the interval of code on hook, if any.
func (c mm2Course) expected(hook, code string) ([2]int, bool) {
	if w, ok := c.due[hook+" "+code]; ok {
		return w, true
	}
	w, ok := c.due[code]
	return w, ok
}

// mm2Start is day 0 of the sweep; day d's now is noon UTC d days later.
var mm2Start = time.Date(2025, 1, 6, 12, 0, 0, 0, time.UTC)

func mm2Day(d int) string { return mm2Start.AddDate(0, 0, d).Format("2006-01-02") }

const mm2Days = 800

// record is the chart as it stands on day d: only what is dated on or
// before it.
func (c mm2Course) record(d int) (*record, bool) {
	r := cleanRecord().labsOn(mm2Day(-10))
	for _, o := range r.observations {
		if o["id"] == "hcg" {
			o["effectiveDateTime"] = mm2Day(-3)
		}
	}
	r.medications[0]["authoredOn"] = mm2Day(-400) // dupilumab, stopped
	r.immunizations[0]["occurrenceDateTime"] = mm2Day(-300)
	changed := false
	if c.born != "" {
		r.patient["birthDate"] = c.born
	}
	for _, x := range c.add {
		r.replace(metaCopy(x))
	}
	for _, e := range c.events {
		if e.day > d {
			continue
		}
		x := e.r(mm2Day(e.day))
		if e.done > 0 && d >= e.done {
			x["status"] = "completed"
		}
		r.replace(x)
		changed = changed || e.day == d || e.done == d
	}
	var orders []res
	for _, day := range c.orderDays() {
		if day > d {
			break
		}
		mg := c.mg
		if c.increase > 0 && day >= c.increase {
			mg = c.mg2
		}
		orders = append(orders, with(courseMed(fmt.Sprintf("%s-%d", c.drug, day), "MedicationRequest", "completed", c.drug, mg, 0), "authoredOn", mm2Day(day)+c.orderAt))
		changed = changed || day == d
	}
	orders[len(orders)-1]["status"] = "active"
	if c.stop > 0 {
		for _, o := range orders {
			o["dispenseRequest"] = res{"expectedSupplyDuration": res{"value": 90, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"}}
		}
		if d >= c.stop {
			orders[len(orders)-1]["status"] = "stopped"
		}
		changed = changed || d == c.stop
	}
	r.medications = append(r.medications, orders...)
	days := make([]int, 0, len(c.labs))
	for day := range c.labs {
		days = append(days, day)
	}
	sort.Ints(days)
	for _, day := range days {
		if day > d || (c.stop > 0 && day > c.stop) {
			continue
		}
		changed = changed || day == d
		for _, l := range c.labs[day] {
			id := fmt.Sprintf("%s-d%d", l, day)
			date := mm2Day(day) + c.at
			switch l {
			case "cbc":
				r.replace(qty(id+"-alc", "731-0", 1.7, "10*3/uL", "", date)).replace(qty(id+"-anc", "751-8", 3.4, "10*3/uL", "", date)).
					replace(qty(id+"-hgb", "718-7", 13.0, "g/dL", "", date)).replace(qty(id+"-plt", "777-3", 230, "10*3/uL", "", date))
			case "alt":
				r.replace(qty(id, "1742-6", 24, "U/L", "", date))
			case "egfr":
				r.replace(qty(id, "98979-8", 45, "mL/min/{1.73_m2}", "", date))
			case "ldl":
				r.replace(qty(id, "13457-7", 112, "mg/dL", "", date))
			}
		}
	}
	return r, changed
}

// orderDays: the first order on day 0, renewed every 90 days; an increase
// is an order on its day, renewed every 90 days from it.
func (c mm2Course) orderDays() []int {
	var out []int
	for day := 0; day <= mm2Days; day += 90 {
		if (c.increase > 0 && day >= c.increase) || (c.stop > 0 && day > c.stop) {
			break
		}
		out = append(out, day)
	}
	for day := c.increase; c.increase > 0 && day <= mm2Days; day += 90 {
		out = append(out, day)
	}
	return out
}

// mm2Due adds to due the codes on hook over the interval w.
func mm2Due(due map[string][2]int, w [2]int, hook string, codes ...string) map[string][2]int {
	for _, c := range codes {
		due[hook+" "+c] = w
	}
	return due
}

// mm2Every gives the labs every step days from first to mm2Days.
func mm2Every(first, step int, labs ...string) map[int][]string {
	out := map[int][]string{}
	for d := first; d <= mm2Days; d += step {
		out[d] = append(out[d], labs...)
	}
	return out
}

func mm2Merge(ms ...map[int][]string) map[int][]string {
	out := map[int][]string{}
	for _, m := range ms {
		for d, l := range m {
			out[d] = append(out[d], l...)
		}
	}
	return out
}

// mm2Without drops lab l on day d.
func mm2Without(m map[int][]string, d int, l string) map[int][]string {
	out := mm2Merge(m)
	var keep []string
	for _, x := range out[d] {
		if x != l {
			keep = append(keep, x)
		}
	}
	out[d] = keep
	return out
}

func mm2Courses() []mm2Course {
	// Upadacitinib: lipids 12 weeks after the start (R9); CBC and ALT/AST
	// every 12 weeks (section 3, chosen policy).
	upa := mm2Merge(mm2Every(84, 84, "cbc", "alt"), map[int][]string{84: {"ldl"}})
	// Abrocitinib: CBC, ALT/AST and lipids 4 weeks after the start (C6),
	// then the same quarterly.
	abro := mm2Merge(map[int][]string{28: {"cbc", "alt", "ldl"}}, mm2Every(112, 84, "cbc", "alt"))
	// Abrocitinib 100 mg raised to 200 mg on day 150: a CBC 4 weeks after
	// the increase (C6), on day 178.
	abroInc := mm2Merge(abro, map[int][]string{178: {"cbc"}})
	return []mm2Course{
		{name: "upadacitinib 15 mg, monitored", drug: "upadacitinib", mg: 15, labs: upa},
		{name: "abrocitinib 200 mg, monitored", drug: "abrocitinib", mg: 200, labs: abro},
		{name: "abrocitinib 100 mg raised to 200 mg on day 150, monitored", days: 430, drug: "abrocitinib", mg: 100, increase: 150, mg2: 200, labs: abroInc},
		// One check missed: due from the window's day until the next
		// check.
		{name: "upadacitinib 30 mg, the day-84 lipids, day-168 CBC and day-336 ALT missed", days: 430, drug: "upadacitinib", mg: 30,
			labs: mm2Without(mm2Without(mm2Without(upa, 84, "ldl"), 168, "cbc"), 336, "alt"),
			due:  map[string][2]int{"monitoring-lipids-due": {84, 430}, "monitoring-cbc-due": {169, 251}, "monitoring-liver-due": {337, 419}}},
		// The same with every lab drawn at 23:30 in New York (04:30 UTC
		// the next day): the day of a result is its date as written.
		{name: "upadacitinib 30 mg, checks missed, labs drawn at 23:30 New York time", days: 430, drug: "upadacitinib", mg: 30, at: "T23:30:00-05:00",
			labs: mm2Without(mm2Without(mm2Without(upa, 84, "ldl"), 168, "cbc"), 336, "alt"),
			due:  map[string][2]int{"monitoring-lipids-due": {84, 430}, "monitoring-cbc-due": {169, 251}, "monitoring-liver-due": {337, 419}}},
		{name: "abrocitinib 100 mg, the 4-week CBC and lipids missed", days: 430, drug: "abrocitinib", mg: 100,
			labs: mm2Without(mm2Without(abro, 28, "cbc"), 28, "ldl"),
			due:  map[string][2]int{"monitoring-cbc-due": {28, 111}, "monitoring-lipids-due": {28, 430}}},
		// Orders signed at 20:00 in Los Angeles (04:00 UTC the next day).
		{name: "abrocitinib 100 mg, the 4-week CBC and lipids missed, orders at 20:00 Los Angeles time", days: 200, drug: "abrocitinib", mg: 100,
			orderAt: "T20:00:00-08:00", labs: mm2Without(mm2Without(abro, 28, "cbc"), 28, "ldl"),
			due: map[string][2]int{"monitoring-cbc-due": {28, 111}, "monitoring-lipids-due": {28, 200}}},
		{name: "abrocitinib raised to 200 mg on day 150, the CBC 4 weeks after missed", days: 300, drug: "abrocitinib", mg: 100, increase: 150, mg2: 200,
			labs: abro, due: map[string][2]int{"monitoring-cbc-due": {178, 195}}},
		// Label windows on a monitored course: a 65th birthday on day 400
		// on upadacitinib 30 mg (R4: 15 mg from 65; a renewal says it
		// from the birthday on); an antiplatelet on the chart from before
		// an abrocitinib start (C13: the first 3 months, day 90
		// included); abrocitinib 50 mg for an eGFR of 45 measured before
		// the start and again on day 350 and 700.
		{name: "upadacitinib 30 mg, 65 on day 400", drug: "upadacitinib", mg: 30, labs: upa, born: mm2Start.AddDate(0, 0, 400).AddDate(-65, 0, 0).Format("2006-01-02"),
			due: map[string][2]int{"order-sign lower-dose-recommended": {400, mm2Days}}},
		{name: "abrocitinib 100 mg, clopidogrel from before the start", days: 430, drug: "abrocitinib", mg: 100, labs: abro,
			add: []res{with(medication("clop", "active", rxnorm, "32968", "clopidogrel 75 MG Oral Tablet"), "authoredOn", mm2Day(-30))},
			due: map[string][2]int{"antiplatelet-abrocitinib": {0, 90}}},
		// Stopped on day 300 (the order of day 270 supplied to day 360),
		// ordered again on each day after.
		// The course ends with that supply and stays recent 90 days
		// (contract 6.2): an order on days 361 to 450 continues it, and
		// its CBC and ALT/AST are due 12 weeks after the last (day 252);
		// from day 451 it is a new start, and the screening results are
		// past their windows (TB, hepatitis and lipids 12 months, CBC and
		// ALT/AST 90 days, pregnancy test 30 days). patient-view: no
		// course since the stop, nothing to say.
		{name: "upadacitinib 15 mg, stopped on day 300", drug: "upadacitinib", mg: 15, labs: upa, stop: 300, days: 560,
			due: mm2Due(map[string][2]int{
				"order-sign monitoring-cbc-due": {337, 450}, "order-sign monitoring-liver-due": {337, 450},
			}, [2]int{451, 560}, "order-sign", "tb-screening-missing", "hbv-screening-missing", "hcv-screening-missing", "cbc-missing",
				"liver-enzymes-missing", "lipids-missing", "pregnancy-test-missing")},
		// Events on a monitored course: an MMR vaccine on day 200 (28
		// days, the day given and 28 after), a pneumonia (an encounter
		// diagnosis, 90 days) on day 250, a positive IGRA on day 500
		// (until TB treatment) and rifampin from day 530 (completed on
		// day 650: a strong CYP3A4 inducer while current).
		{name: "upadacitinib 15 mg, vaccine, pneumonia, positive IGRA, rifampin", drug: "upadacitinib", mg: 15, labs: upa, days: 700,
			events: []mm2Event{
				{day: 200, r: func(d string) res { return immunization("mmr", "03", d) }},
				{day: 250, r: func(d string) res { return with(encounterDx("pna", icd, "J18.9", -1), "onsetDateTime", d) }},
				{day: 500, r: func(d string) res { return obsCode("igra2", "71773-6", positive, d) }},
				{day: 530, done: 650, r: func(d string) res {
					return with(medication("rif", "active", rxnorm, "9384", "rifampin 300 MG Oral Capsule"), "authoredOn", d)
				}},
			},
			due: map[string][2]int{"live-vaccine-recent": {200, 228}, "serious-infection-active": {250, 340},
				"tb-latent-untreated": {500, 529}, "cyp-interaction": {530, 649}}},
		{name: "abrocitinib 50 mg, eGFR 45", drug: "abrocitinib", mg: 50, labs: mm2Merge(abro, map[int][]string{350: {"egfr"}, 700: {"egfr"}}),
			add: []res{obsQty("egfr", "98979-8", 45, "mL/min/{1.73_m2}", mm2Day(-10))},
			due: map[string][2]int{"order-sign renal-impairment": {0, mm2Days}}},
	}
}

// TestAcceptanceMetamorphic2Timeline: relation 7, the timeline sweep. A
// course monitored as the labels ask, opened on patient-view and renewed
// every day from day 0 to day 800, gives no monitoring card; with one check
// missed, the card shows from the day the check falls due until the day
// it is done, and on no other day. On any day, the finding set changes
// only on a day the data changed or at a label window (a card never
// flaps).
func TestAcceptanceMetamorphic2Timeline(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	calls := 0
	for _, c := range mm2Courses() {
		t.Run(c.name, func(t *testing.T) {
			type step struct {
				codes   string
				changed bool
			}
			for _, hook := range []string{HookPatientView, HookOrderSign} {
				var prev step
				seen := map[string][]int{}
				for d := 0; d <= c.last(); d++ {
					now := mm2Start.AddDate(0, 0, d)
					s.now = func() time.Time { return now }
					r, changed := c.record(d)
					cl := call{hook: hook, r: r}
					if hook == HookOrderSign {
						mg := c.mg
						if c.increase > 0 && d >= c.increase {
							mg = c.mg2
						}
						cl.drafts = []res{with(jakDraft(c.drug, mg), "authoredOn", mm2Day(d))}
					}
					rec := s.do(t, "POST", "/cds-services/"+hook, cl.body(t))
					calls++
					require.Equal(t, 200, rec.Code, rec.Body.String())
					cs := checkResponse(t, rec.Body.Bytes())
					for code := range metaLevels(cs) {
						seen[code] = append(seen[code], d)
					}
					// Findings, levels and summaries, dates masked.
					cur := step{strings.Join(metaSigs(cs, metaMaskDates), "\n"), changed}
					if d > 0 && cur.codes != prev.codes && !changed && !mm2Window(c, d) {
						t.Errorf("%s day %d (%s): findings changed with no data change and no window: %q -> %q", hook, d, mm2Day(d), prev.codes, cur.codes)
					}
					prev = cur
				}
				for code, days := range seen {
					want, ok := c.expected(hook, code)
					if !ok {
						t.Errorf("%s: %s on %d days (first %d, last %d), expected on none", hook, code, len(days), days[0], days[len(days)-1])
						continue
					}
					assert.Equal(t, want, [2]int{days[0], days[len(days)-1]}, "%s: %s from day to day", hook, code)
					assert.Len(t, days, want[1]-want[0]+1, "%s: %s shown every day of its interval (no flapping)", hook, code)
				}
				for key := range c.due {
					if code, ok := strings.CutPrefix(key, hook+" "); ok || !strings.Contains(key, " ") {
						if !ok {
							code = key
						}
						assert.NotEmpty(t, seen[code], "%s: %s never shown", hook, code)
					}
				}
			}
		})
	}
	t.Logf("%d calls", calls)
}

// mm2Window: the label windows of the sweep's courses (monitoring due 4
// weeks after the start or an increase, 12 weeks after the start or the
// last check; the abrocitinib first 90 days).
func mm2Window(c mm2Course, d int) bool {
	for _, from := range c.due {
		if d == from[0] || d == from[1]+1 {
			return true
		}
	}
	return false
}

// mm2Enc writes a decoded request as JSON text in one of the encodings
// JSON allows for the same value.
type mm2Enc struct {
	name string
	num  func(f float64) string // decimals (Quantity "value", Timing "period"); nil: shortest
	str  func(s string) string  // string values; nil: Go's quoting
	key  func(s string) string  // member names; nil: Go's quoting
	// order sorts the member names of each object (nil: Go's order,
	// sorted).
	order func(keys []string)
	sp    string // between tokens
	// allNums: num writes every number, integers (frequency, count,
	// Bundle.total) too.
	allNums bool
}

func mm2Quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// mm2Escape writes every ASCII letter of s as a \u escape (upper: the hex
// digits in capitals), the rest as Go quotes it.
func mm2Escape(upper bool) func(s string) string {
	return func(s string) string {
		q := mm2Quote(s)
		var b strings.Builder
		for _, r := range q {
			if r < 128 && unicode.IsLetter(r) {
				f := `\u%04x`
				if upper {
					f = `\u%04X`
				}
				fmt.Fprintf(&b, f, r)
				continue
			}
			b.WriteRune(r)
		}
		return b.String()
	}
}

// mm2EscapeAll writes every character of s as a \u escape (a surrogate
// pair beyond the BMP).
func mm2EscapeAll(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, `\u%04x`, u)
	}
	b.WriteByte('"')
	return b.String()
}

func (e mm2Enc) write(b *strings.Builder, member string, v any) {
	switch x := v.(type) {
	case res:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if e.order != nil {
			e.order(keys)
		}
		b.WriteString("{" + e.sp)
		for i, k := range keys {
			if i > 0 {
				b.WriteString(e.sp + "," + e.sp)
			}
			if e.key != nil {
				b.WriteString(e.key(k))
			} else {
				b.WriteString(mm2Quote(k))
			}
			b.WriteString(e.sp + ":" + e.sp)
			e.write(b, k, x[k])
		}
		b.WriteString(e.sp + "}")
	case []any:
		b.WriteString("[" + e.sp)
		for i, c := range x {
			if i > 0 {
				b.WriteString(e.sp + "," + e.sp)
			}
			e.write(b, member, c)
		}
		b.WriteString(e.sp + "]")
	case string:
		if e.str != nil {
			b.WriteString(e.str(x))
		} else {
			b.WriteString(mm2Quote(x))
		}
	case float64:
		if e.num != nil && (e.allNums || member == "value" || member == "period") {
			b.WriteString(e.num(x))
		} else {
			b.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
		}
	default:
		bs, _ := json.Marshal(x)
		b.Write(bs)
	}
}

// mm2Exp writes f as mantissa and exponent: 30 is "3e1" (point: "3.0e1"),
// with e in capitals and a "+" before a positive exponent when upper.
func mm2Exp(point, upper bool) func(f float64) string {
	return func(f float64) string {
		s := strconv.FormatFloat(f, 'e', -1, 64) // "3e+01"
		mant, exp, _ := strings.Cut(s, "e")
		if point && !strings.Contains(mant, ".") {
			mant += ".0"
		}
		n, _ := strconv.Atoi(exp)
		e := "e"
		if upper {
			e = "E"
		}
		if upper && n >= 0 {
			return fmt.Sprintf("%s%s+%d", mant, e, n)
		}
		return fmt.Sprintf("%s%s%d", mant, e, n)
	}
}

func mm2Encodings() []mm2Enc {
	return []mm2Enc{
		{name: "Quantity values with a decimal point (30.0, 1.80)", num: func(f float64) string {
			s := strconv.FormatFloat(f, 'f', -1, 64)
			if strings.Contains(s, ".") {
				return s + "0"
			}
			return s + ".0"
		}},
		{name: "Quantity values as 3e1", num: mm2Exp(false, false)},
		{name: "every number as 3.0E+1, integers too", num: mm2Exp(true, true), allNums: true},
		{name: "Quantity values as 3.0E+1", num: mm2Exp(true, true)},
		{name: "Quantity values as 300e-1", num: func(f float64) string { return strconv.FormatFloat(f*10, 'f', -1, 64) + "e-1" }},
		{name: "letters of every string value as \\u escapes", str: mm2Escape(false)},
		{name: "letters of every string value as \\u escapes, capital hex", str: mm2Escape(true)},
		{name: "letters of every member name as \\u escapes", key: mm2Escape(false)},
		{name: "every character of every string value and member name as \\u escapes", str: mm2EscapeAll, key: mm2EscapeAll},
		{name: "slashes as \\/", str: func(s string) string { return strings.ReplaceAll(mm2Quote(s), "/", `\/`) }},
		{name: "insignificant whitespace (space, tab, CR LF)", sp: " \t\r\n "},
		{name: "members in reverse order", order: func(k []string) { sort.Sort(sort.Reverse(sort.StringSlice(k))) }},
		{name: "resourceType and hook last, id first", order: func(k []string) {
			sort.SliceStable(k, func(i, j int) bool { return mm2Rank(k[i]) < mm2Rank(k[j]) })
		}},
	}
}

func mm2Rank(k string) int {
	switch k {
	case "id":
		return 0
	case "resourceType", "hook", "fullUrl":
		return 2
	}
	return 1
}

// mm2Requests: each base's request, and the same with the JAK draft dosed
// in mg and its strength in a contained Medication (numbers such as 15 and
// 200 in a dose and a strength).
func mm2Requests(t *testing.T, prefixes ...string) []struct {
	name, service string
	req           res
} {
	var out []struct {
		name, service string
		req           res
	}
	var rels []metaRelation
	for _, rel := range metaEquivalences() {
		for _, p := range prefixes {
			if strings.HasPrefix(rel.name, p) {
				rels = append(rels, rel)
			}
		}
	}
	require.Len(t, rels, len(prefixes))
	for _, b := range metaBases() {
		out = append(out, struct {
			name, service string
			req           res
		}{b.name, b.service(), b.request(t)})
		for _, rel := range rels {
			if req := b.request(t); rel.f(req) {
				out = append(out, struct {
					name, service string
					req           res
				}{b.name + ", " + rel.name, b.service(), req})
			}
		}
	}
	return out
}

// TestAcceptanceMetamorphic2JSONText: relation 8, the same request in
// another JSON text (numbers 30, 30.0, 3e1, 3.0E+1; \u escapes; white
// space; member order) gives the same cards.
func TestAcceptanceMetamorphic2JSONText(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true})
	calls := 0
	for _, r := range mm2Requests(t, "the JAK draft dosed in mg", "the JAK draft's strength in a contained") {
		plain, err := json.Marshal(r.req)
		require.NoError(t, err)
		rec := s.do(t, "POST", "/cds-services/"+r.service, plain)
		require.Equal(t, 200, rec.Code, rec.Body.String())
		want := metaSigs(checkResponse(t, rec.Body.Bytes()), nil)
		for _, e := range mm2Encodings() {
			if strings.Contains(r.name, ", the JAK draft") && e.num == nil {
				continue // the dose and strength variants: for the numbers
			}
			var b strings.Builder
			e.write(&b, "", r.req)
			var check res
			require.NoError(t, json.Unmarshal([]byte(b.String()), &check), "%s: valid JSON", e.name)
			rec := s.do(t, "POST", "/cds-services/"+r.service, []byte(b.String()))
			calls++
			if !assert.Equal(t, 200, rec.Code, "%s: %s: %s", r.name, e.name, rec.Body.String()) {
				continue
			}
			assert.Equal(t, want, metaSigs(checkResponse(t, rec.Body.Bytes()), nil), "%s: %s", r.name, e.name)
		}
	}
	t.Logf("%d calls", calls)
}

// mm2FHIR is a FHIR server holding one request's record: it answers the
// Patient read, each search with the resources of its key that the query
// selects (as an EHR's prefetch from the template: metaTemplateFilter),
// size to a page with next links (a server that caps _count), every page
// after the first starting with the last entry of the page before it when
// dup (a server whose pages overlap), and Medication?_id.
type mm2FHIR struct {
	t      *testing.T
	prefix string // the base path
	req    res
	size   int
	dup    bool
	url    string
	// empty: a next link from the last page to an empty one; relative:
	// next links relative to the base; firstTotal: Bundle.total on the
	// first page only.
	empty, relative, firstTotal bool
}

var mm2Keys = map[string]string{"Condition": "conditions", "MedicationRequest": "medications", "MedicationStatement": "medicationStatements",
	"Observation": "observations", "Immunization": "immunizations"}

func (f *mm2FHIR) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/fhir+json")
	b, _ := json.Marshal(f.page(strings.Trim(strings.TrimPrefix(r.URL.Path, f.prefix), "/"), r.URL.Query()))
	w.Write(b)
}

// page is the answer to GET typ?q.
func (f *mm2FHIR) page(typ string, q url.Values) res {
	pf := f.req["prefetch"].(res)
	if strings.HasPrefix(typ, "Patient/") {
		return pf["patient"].(res)
	}
	var all []any
	if typ == "Medication" {
		ids := strings.Split(q.Get("_id"), ",")
		for _, e := range metaEntries(pf["medications"].(res)) {
			if r := e.(res)["resource"].(res); r["resourceType"] == "Medication" && slicesContains(ids, fmt.Sprint(r["id"])) {
				all = append(all, e)
			}
		}
	} else {
		key := mm2Keys[typ]
		require.NotEmpty(f.t, key, "search of %s", typ)
		var sel []string // unescaped, as metaTemplateFilter reads it
		for k, v := range q {
			if k != "_page" {
				sel = append(sel, k+"="+strings.Join(v, ","))
			}
		}
		one := res{"prefetch": res{key: metaCopy(pf[key].(res))}}
		metaTemplateFilter(f.t, Service{Prefetch: map[string]string{key: typ + "?" + strings.Join(sel, "&")}}, one)
		all = metaEntries(one["prefetch"].(res)[key].(res))
	}
	n, _ := strconv.Atoi(q.Get("_page"))
	lo, hi := n*f.size, min((n+1)*f.size, len(all))
	if lo > len(all) {
		lo = len(all)
	}
	entries := append([]any(nil), all[lo:hi]...)
	if f.dup && n > 0 && lo > 0 {
		entries = append([]any{all[lo-1]}, entries...)
	}
	out := res{"resourceType": "Bundle", "type": "searchset", "total": len(all), "entry": entries}
	if f.firstTotal && n > 0 {
		delete(out, "total")
	}
	if hi < len(all) || (f.empty && lo < len(all)) {
		q.Set("_page", strconv.Itoa(n+1))
		q.Set("_count", strconv.Itoa(f.size))
		link := f.url + "/" + typ + "?" + q.Encode()
		if f.relative {
			link = typ + "?" + q.Encode()
		}
		out["link"] = []any{res{"relation": "next", "url": link}}
	}
	return out
}

// TestAcceptanceMetamorphic2Sources: relation 9, where the data comes
// from. The record an EHR prefetches as the templates ask gives the cards
// it gives when some keys are prefetched and the others fetched from
// fhirServer, when the searches are answered in pages of 1, 2 or 7 entries
// (next links, pages that overlap), and when the prefetch holds only a
// search's first page and a next link.
func TestAcceptanceMetamorphic2Sources(t *testing.T) {
	s := newTestServer(t, serverOpts{noStore: true, allowHTTP: true})
	// A page cap above the longest search at 1 entry a page (beyond it
	// the key is unavailable and said so: a bound, not this relation).
	s.fhir = fhir.NewClient(fhir.ClientConfig{AllowHTTP: true, QueryTimeout: 5 * time.Second, PageCap: 100}, &http.Client{})
	svcs := map[string]Service{}
	for _, svc := range s.Services() {
		svcs[svc.ID] = svc
	}
	calls, variants := 0, map[string]int{}
	// The bases, and those with medications as bundled Medications (a
	// search's _include: on another page than the order).
	for _, b := range mm2Requests(t, "medication as a bundled Medication, urn:uuid") {
		svc := svcs[b.service]
		transformed := strings.Contains(b.name, ", medication as")
		if transformed && !mm2HasMedication(b.req) {
			continue
		}
		req := metaCopy(b.req)
		metaTemplateFilter(t, svc, req)
		want := metaSigs(checkResponse(t, s.do(t, "POST", "/cds-services/"+b.service, mm2JSON(t, req)).Body.Bytes()), nil)
		keys := make([]string, 0, len(svc.Prefetch))
		for k := range svc.Prefetch {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		type variant struct {
			name  string
			size  int
			dup   bool
			fetch func(k string, j int) bool // fetched, not prefetched
			first bool                       // prefetch the first page with its next link
			base  bool                       // fhirServer with a base path and a trailing slash
			// as mm2FHIR's
			empty, relative, firstTotal bool
		}
		vs := []variant{
			{name: "even keys fetched", size: 1000, fetch: func(_ string, j int) bool { return j%2 == 0 }},
			{name: "odd keys fetched", size: 1000, fetch: func(_ string, j int) bool { return j%2 == 1 }},
			{name: "only the patient fetched", size: 1000, fetch: func(k string, _ int) bool { return k == "patient" }},
		}
		vs = append(vs, variant{name: "every key fetched, pages of 3, fhirServer with a base path and a trailing slash", size: 3, base: true,
			fetch: func(string, int) bool { return true }})
		all := func(string, int) bool { return true }
		vs = append(vs,
			variant{name: "every key fetched, pages of 2, the last next link to an empty page", size: 2, empty: true, fetch: all},
			variant{name: "every key fetched, pages of 2, relative next links", size: 2, relative: true, fetch: all},
			variant{name: "every key fetched, pages of 2, overlapping, Bundle.total on the first page only", size: 2, dup: true, firstTotal: true, fetch: all},
			variant{name: "prefetch of the first page of 3, relative next links, base path", size: 3, relative: true, base: true, first: true,
				fetch: func(string, int) bool { return false }})
		for _, size := range []int{1, 2, 7} {
			vs = append(vs,
				variant{name: fmt.Sprintf("every key fetched, pages of %d", size), size: size, fetch: func(string, int) bool { return true }},
				variant{name: fmt.Sprintf("every key fetched, pages of %d overlapping", size), size: size, dup: true, fetch: func(string, int) bool { return true }},
				variant{name: fmt.Sprintf("prefetch of the first page of %d and a next link", size), size: size, first: true, fetch: func(string, int) bool { return false }},
				variant{name: fmt.Sprintf("prefetch of the first page of %d, overlapping pages", size), size: size, dup: true, first: true, fetch: func(string, int) bool { return false }},
			)
		}
		for _, v := range vs {
			if transformed && (v.size != 1 || v.first) {
				continue // pages of 1: the Medication on another page
			}
			fs := &mm2FHIR{t: t, req: b.req, size: v.size, dup: v.dup, empty: v.empty, relative: v.relative, firstTotal: v.firstTotal}
			srv := httptest.NewServer(fs)
			fs.url = srv.URL
			out := metaCopy(req)
			out["fhirServer"] = srv.URL
			if v.base {
				fs.prefix, fs.url = "/fhir/r4", srv.URL+"/fhir/r4"
				out["fhirServer"] = srv.URL + "/fhir/r4/"
			}
			pf := out["prefetch"].(res)
			for j, k := range keys {
				if v.fetch(k, j) {
					delete(pf, k)
					continue
				}
				if v.first && k != "patient" {
					tmpl := strings.ReplaceAll(svc.Prefetch[k], "{{context.patientId}}", "p1")
					typ, q, _ := strings.Cut(tmpl, "?")
					vals, err := url.ParseQuery(q)
					require.NoError(t, err)
					pf[k] = fs.page(typ, vals)
				}
			}
			rec := s.do(t, "POST", "/cds-services/"+b.service, mm2JSON(t, out))
			srv.Close()
			calls++
			variants[v.name]++
			require.Equal(t, 200, rec.Code, rec.Body.String())
			assert.Equal(t, want, metaSigs(checkResponse(t, rec.Body.Bytes()), nil), "%s: %s", b.name, v.name)
		}
	}
	assert.Len(t, variants, 20)
	assert.Greater(t, variants["every key fetched, pages of 1"], len(metaBases()), "bases with bundled Medications")
	t.Logf("%d calls: %v", calls, variants)
}

func mm2JSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// mm2HasMedication: the record's medications are sent with Medication
// resources (as a search's _include).
func mm2HasMedication(req res) bool {
	for _, e := range metaEntries(req["prefetch"].(res)["medications"].(res)) {
		if e.(res)["resource"].(res)["resourceType"] == "Medication" {
			return true
		}
	}
	return false
}
