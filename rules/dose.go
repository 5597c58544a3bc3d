package rules

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// DailyDose works out the daily dose in mg of a medication order from its
// dose and timing (DoseFacts) and its strength (Medication.ingredient
// strength, or the strength written in the medication text). Engine's
// dose rules also know the strength of a product code the knowledge base
// gives one (dailyDoseWith).
//
//	daily mg = mg per administration × administrations per day
//
// mg per administration is doseQuantity in mg ("mg", "MG"; also g and
// ug/mcg, converted), or doseQuantity
// in tablets ({tablet}, {tbl}, {pill}, {capsule}, TAB, "1", ...) × the
// strength per tablet, or doseQuantity in mL × a per-mL strength (RINVOQ LQ
// 1 mg/mL). When Medication.ingredient and the text give different
// strengths, the dose is not known. Administrations per day come from
// timing.repeat (frequency per period in h, d or wk), else from the timing
// code (QD, BID, TID, QID, QOD, QWK, QnH, AM, PM, BED), else from frequency
// words in the dosage text ("once daily", "twice a day", "BID", "every
// other day"; words that disagree make the frequency unknown).
//
// Assumption (said in how): when no timing is given at all and the dosage
// text has no frequency words, and the medication text names an
// extended-release product (words "extended release", "24 HR", "ER", or
// RINVOQ other than RINVOQ LQ — every RINVOQ tablet is a once-daily
// extended-release tablet, knowledge base section 1.1), the order is taken
// as once daily.
//
// how says where the figure came from ("1 tablet × 30 mg (strength from
// text) × 1/day (timing 1 per 1 d) = 30 mg/day"); when ok is false, how says
// what was missing ("dose not stated"). The dose is never guessed.
func DailyDose(m Medication) (mg float64, how string, ok bool) { return dailyDoseWith(m, 0) }

// dailyDoseWith is DailyDose with codeMg, the strength per tablet (or per
// mL) of the order's product code from the knowledge base (0: none).
//
// When the order has no dose quantity, the dose is read from the dosage
// text (dosageTextDose): "81 mg daily", "take 1 tablet (15 mg) by mouth
// once daily", "2 tablets twice a day" with a known strength, or "200
// mg/day". Amounts that disagree make the dose unknown.
func dailyDoseWith(m Medication, codeMg float64) (mg float64, how string, ok bool) {
	mg, how, ok = dailyDoseOf(m, codeMg)
	// how quotes what the order says (a timing code, a dose unit, the
	// phrases of a sig): a card says it in a line, not in megabytes.
	return mg, clipText(how, maxHowBytes), ok
}

// maxSigBytes is the longest dosage text read: a sig is a line or a
// paragraph, and the regular expressions that read it collect every match
// (megabytes of "once daily 2 times a day" would take a second and
// hundreds of MiB). A longer one makes the dose unknown.
const maxSigBytes = 4096

func sigTooLong(text string) bool { return len(text) > maxSigBytes }

// maxHowBytes is the most of a dose's how that a card repeats.
const maxHowBytes = 1000

// dailyDoseOf is dailyDoseWith before its how is clipped.
func dailyDoseOf(m Medication, codeMg float64) (mg float64, how string, ok bool) {
	if len(m.Dose.More) > 0 {
		return severalInstructions(m, codeMg)
	}
	d := m.Dose
	if sigTooLong(d.DosageText) {
		return 0, fmt.Sprintf("dosage text too long to read (%d characters)", len(d.DosageText)), false
	}
	if d.DoseQuantity == nil {
		if perDay, how, found := dosageTextDailyMg(d.DosageText); found {
			return perDay, how, true
		}
	}
	perAdmin, adminHow, ok := doseMgPerAdministration(m, codeMg)
	if !ok {
		return 0, adminHow, false
	}
	perDay, timingHow, ok := dosesPerDay(d)
	if !ok {
		// No timing, or one that cannot be read (a local timing code): the
		// dosage text, which is what the patient's label says, decides.
		if f, phrase, found := dosageTextPerDay(d.DosageText); found {
			perDay, timingHow, ok = f, fmtAmount(f)+"/day (dosage text: "+phrase+")", true
		} else if phrase != "" {
			return 0, "dosage text gives conflicting frequencies (" + phrase + ")", false
		}
	}
	if !ok {
		if !noTimingGiven(d) || !onceDailyProduct(m.Text) {
			return 0, timingHow, false
		}
		perDay, timingHow = 1, "1/day (timing not stated; assumed once daily for an extended-release tablet)"
	}
	mg = perAdmin * perDay
	if math.IsInf(mg, 0) || math.IsNaN(mg) {
		return 0, "daily dose too large to be read (" + fmtAmount(perAdmin) + " mg × " + fmtAmount(perDay) + "/day)", false
	}
	return mg, adminHow + " × " + timingHow + " = " + fmtAmount(mg) + " mg/day", true
}

// maxHowParts is how many instructions severalInstructions describes one
// by one; past it, the card would hold megabytes of one order's sigs.
const maxHowParts = 4

// severalInstructions is the daily dose of an order with more than one
// dosageInstruction: instructions with the same sequence (or none) are
// taken at the same time and add up ("15 mg in the morning, 30 mg in the
// evening"); instructions in different sequences follow each other, and the
// highest daily dose among them is the order's (the dose limits are about
// the most the patient takes in a day). One unreadable instruction makes
// the dose unknown.
func severalInstructions(m Medication, codeMg float64) (float64, string, bool) {
	n := m.Dose.instructions() // read in place: a copy of 195,000 took 34 MB
	bySeq := map[int]float64{}
	var seqs []int
	var hows []string
	for i := range n {
		one := m
		one.Dose = *m.Dose.instruction(i)
		one.Dose.More = nil
		d := one.Dose
		mg, how, ok := dailyDoseWith(one, codeMg)
		if !ok {
			return 0, fmt.Sprintf("dosage instruction %d of %d: %s", i+1, n, how), false
		}
		if _, seen := bySeq[d.Sequence]; !seen {
			seqs = append(seqs, d.Sequence)
		}
		bySeq[d.Sequence] += mg
		if len(hows) < maxHowParts {
			hows = append(hows, how)
		}
	}
	best, bestSeq := 0.0, 0
	for _, s := range seqs {
		if bySeq[s] > best {
			best, bestSeq = bySeq[s], s
		}
	}
	if math.IsInf(best, 0) || math.IsNaN(best) {
		return 0, fmt.Sprintf("the %d dosage instructions add up to a daily dose too large to be read", n), false
	}
	how := strings.Join(hows, "; ")
	if n > len(hows) {
		how += fmt.Sprintf("; and %d more instructions", n-len(hows))
	}
	if len(seqs) > 1 {
		how += fmt.Sprintf("; highest of the %d instructions in sequence: %s mg/day (sequence %d)", len(seqs), fmtAmount(best), bestSeq)
	} else {
		how += "; taken together: " + fmtAmount(best) + " mg/day"
	}
	return best, how, true
}

// doseMgPerAdministration works out mg per administration.
func doseMgPerAdministration(m Medication, codeMg float64) (float64, string, bool) {
	q := m.Dose.DoseQuantity
	if q == nil {
		return dosageTextDose(m, codeMg)
	}
	if math.IsNaN(q.Value) || math.IsInf(q.Value, 0) || q.Value <= 0 {
		return 0, "dose quantity not usable", false
	}
	unit := doseUnit(q.Unit)
	if !knownDoseUnit(unit) {
		if other := doseUnit(q.UnitText); knownDoseUnit(other) {
			unit = other // the readable unit, or a code of another unit system
		}
	}
	if m.Dose.DoseRange {
		q = &Quantity{Value: q.Value, Unit: unit}
		mg, how, ok := doseMgPerAdministration(Medication{Text: m.Text, Dose: DoseFacts{IngredientStrengthMg: m.Dose.IngredientStrengthMg, DoseQuantity: q}}, codeMg)
		return mg, "up to " + how + " (the high end of the dose range)", ok
	}
	switch {
	case unit == "mg":
		return q.Value, fmtAmount(q.Value) + " mg", true
	case unit == "g":
		return q.Value * 1000, fmtAmount(q.Value) + " g (" + fmtAmount(q.Value*1000) + " mg)", true
	case unit == "ug" || unit == "mcg" || unit == "µg" || unit == "μg":
		return q.Value / 1000, fmtAmount(q.Value) + " " + q.Unit + " (" + fmtAmount(q.Value/1000) + " mg)", true
	case isTabletUnit(unit):
		if splitsExtendedRelease(m.Text, q.Value) {
			return 0, splitERText(q.Value), false
		}
		s, from, ok := tabletStrength(m, codeMg)
		if !ok {
			return 0, from, false
		}
		return q.Value * s, fmtAmount(q.Value) + " " + pluralWord(q.Value, "tablet") + " × " + fmtAmount(s) + " mg (" + from + ")", true
	case unit == "ml":
		s, from, ok := mlStrength(m)
		if !ok {
			return 0, from, false
		}
		return q.Value * s, fmtAmount(q.Value) + " mL × " + fmtAmount(s) + " mg/mL (" + from + ")", true
	case unit == "":
		return 0, "dose quantity has no unit", false
	}
	return 0, fmt.Sprintf("dose unit %q not understood", q.Unit), false
}

// doseUnit is a dose unit as the switch of doseMgPerAdministration reads
// it: lower case, and the spellings of EHRs and SNOMED CT dose forms
// ("milligram", "Tablet(s)", "tablet, film coated", "TBL") folded into
// "mg" and "tablet".
func doseUnit(u string) string {
	u = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(u)), "(s)")
	switch {
	case u == "milligram" || u == "milligrams" || u == "milligramme" || u == "mgs" || u == "mg.":
		return "mg"
	case u == "tbl" || u == "tab." || strings.HasPrefix(u, "tablet,") || strings.HasPrefix(u, "tablet "):
		return "tablet"
	}
	return u
}

// knownDoseUnit reports whether doseMgPerAdministration reads unit.
func knownDoseUnit(unit string) bool {
	switch unit {
	case "mg", "g", "ug", "mcg", "µg", "μg", "ml":
		return true
	}
	return isTabletUnit(unit)
}

// splitsExtendedRelease reports whether n tablets of the product named
// text is a part of an extended-release tablet, which is swallowed whole
// (RINVOQ: do not split, crush or chew): the strength times n is not what
// the patient would get.
func splitsExtendedRelease(text string, n float64) bool {
	return n != math.Trunc(n) && onceDailyProduct(text)
}

func splitERText(n float64) string {
	return fmtAmount(n) + " of an extended-release tablet, which is swallowed whole, not split"
}

// tabletStrength is the mg per tablet from Medication.ingredient, the text
// or the product code (codeMg, 0 when none); sources that disagree make it
// unknown.
func tabletStrength(m Medication, codeMg float64) (float64, string, bool) {
	type source struct {
		mg   float64
		from string
	}
	var found []source
	if ing := m.Dose.IngredientStrengthMg; ing > 0 && m.Dose.IngredientPerML {
		return 0, "dose in tablets but the medication is a solution (Medication.ingredient per mL)", false
	} else if ing > 0 {
		found = append(found, source{ing, "Medication.ingredient"})
	}
	text, textOK := parseStrength(m.Text)
	if textOK && text.perML {
		return 0, "dose in tablets but the medication is a solution", false
	}
	if textOK {
		found = append(found, source{text.mg, "text"})
	}
	if codeMg > 0 {
		found = append(found, source{codeMg, "product code"})
	}
	if len(found) == 0 {
		return 0, "dose in tablets but strength not stated", false
	}
	for _, f := range found[1:] {
		if !sameMg(f.mg, found[0].mg) {
			return 0, fmt.Sprintf("strength conflicts: %s mg in the %s, %s mg in the %s", fmtAmount(found[0].mg), found[0].from, fmtAmount(f.mg), f.from), false
		}
	}
	return found[0].mg, "strength from " + found[0].from, true
}

// mlStrength is the mg per mL of an oral solution, from the medication
// text ("1 MG/ML", "RINVOQ LQ") or Medication.ingredient (1 mg / 1 mL, as
// Epic and Oracle Health send a Medication whose name has no strength);
// when both give one they must agree.
func mlStrength(m Medication) (float64, string, bool) {
	text, textOK := parseStrength(m.Text)
	textOK = textOK && text.perML
	ing := m.Dose.IngredientStrengthMg
	switch {
	case ing > 0 && m.Dose.IngredientPerML && textOK && !sameMg(ing, text.mg):
		return 0, fmt.Sprintf("strength conflicts: %s mg/mL in the Medication.ingredient, %s mg/mL in the text", fmtAmount(ing), fmtAmount(text.mg)), false
	case textOK:
		return text.mg, "strength from text", true
	case ing > 0 && m.Dose.IngredientPerML:
		return ing, "strength from Medication.ingredient", true
	}
	return 0, "dose in mL but no mg/mL strength in the medication text", false
}

// dosageTextDose reads mg per administration from the dosage text when
// there is no dose quantity: "81 mg", "1 tablet (15 mg)", "2 tablets" with a
// known strength. Amounts that disagree make it unknown; a strength alone
// (in the medication text) is not a dose.
func dosageTextDose(m Medication, codeMg float64) (float64, string, bool) {
	text := m.Dose.DosageText
	if strings.TrimSpace(text) == "" {
		return 0, "dose not stated", false
	}
	if n, each, ok := timesMg(text); ok {
		// "2 x 15 mg tablets": the mg is each tablet's, not the dose.
		return n * each, fmtAmount(n) + " × " + fmtAmount(each) + " mg (dosage text)", true
	}
	amounts, perDay, ok := mgAmounts(text)
	if !ok || len(perDay) > 0 {
		return 0, "dosage text gives no single dose in mg", false
	}
	var mg float64
	how := ""
	if len(amounts) > 0 {
		mg, how = amounts[0], fmtAmount(amounts[0])+" mg (dosage text)"
	}
	if n, ok := tabletCount(text); ok {
		s, from, sok := tabletStrength(m, codeMg)
		switch {
		case sok && mg > 0 && !sameMg(n*s, mg):
			return 0, fmt.Sprintf("dosage text says %s mg and %s %s of %s mg", fmtAmount(mg), fmtAmount(n), pluralWord(n, "tablet"), fmtAmount(s)), false
		case splitsExtendedRelease(m.Text, n):
			return 0, splitERText(n), false
		case sok && mg == 0:
			mg, how = n*s, fmtAmount(n)+" "+pluralWord(n, "tablet")+" (dosage text) × "+fmtAmount(s)+" mg ("+from+")"
		}
	}
	if mg == 0 {
		return 0, "dose not stated", false
	}
	return mg, how, true
}

// timesMgRe finds "2 x 15 mg", "2 × 15mg", "two x 15 mg".
var timesMgRe = regexp.MustCompile(`(?:^|[^\w.])(\d+|one|two|three|four)\s*[x×]\s*(\d+(?:\.\d+)?)\s*mg\b`)

// timesMg reads one "<n> x <mg> mg" from a dosage text: n tablets of that
// strength. ok is false when there is none, more than one, or another mg
// amount besides it.
func timesMg(text string) (n, each float64, ok bool) {
	lt := strings.ToLower(text)
	ms := timesMgRe.FindAllStringSubmatch(lt, -1)
	if len(ms) != 1 {
		return 0, 0, false
	}
	n, err := strconv.ParseFloat(ms[0][1], 64)
	if err != nil {
		n = numberWords[ms[0][1]]
	}
	each, err = strconv.ParseFloat(ms[0][2], 64)
	if err != nil || n <= 0 || each <= 0 {
		return 0, 0, false
	}
	amounts, perDay, aok := mgAmounts(lt)
	if !aok || len(perDay) > 0 || len(amounts) != 1 {
		return 0, 0, false
	}
	return n, each, true
}

// dosageTextDailyMg reads a daily dose written as such in the dosage text
// ("200 mg/day", "100 mg per day"), with no other mg amount.
func dosageTextDailyMg(text string) (float64, string, bool) {
	amounts, perDay, ok := mgAmounts(text)
	if !ok || len(perDay) == 0 || len(amounts) > 0 {
		return 0, "", false
	}
	for _, v := range perDay[1:] {
		if !sameMg(v, perDay[0]) {
			return 0, "", false
		}
	}
	return perDay[0], fmtAmount(perDay[0]) + " mg/day (dosage text)", true
}

// mgAmounts finds every "<number> mg" in a dosage text: per administration,
// or per day when followed by "/day", "/d" or "per day". They must agree
// among themselves; "mg/kg" or another "mg/..." makes the text unusable.
func mgAmounts(text string) (perAdmin, perDay []float64, ok bool) {
	lt := strings.ToLower(text)
	for _, m := range mgMentions(lt) {
		rest := strings.TrimLeft(m.rest, " ")
		switch {
		case strings.HasPrefix(rest, "/day"), strings.HasPrefix(rest, "/d ") || rest == "/d", strings.HasPrefix(rest, "per day"), strings.HasPrefix(rest, "a day"):
			perDay = append(perDay, m.mg)
		case strings.HasPrefix(rest, "/"):
			return nil, nil, false
		default:
			perAdmin = append(perAdmin, m.mg)
		}
	}
	for _, v := range perAdmin[min(1, len(perAdmin)):] {
		if !sameMg(v, perAdmin[0]) {
			return nil, nil, false
		}
	}
	return perAdmin, perDay, true
}

// mgMention is one "<number> mg" of a lower-cased text: the amount and
// what follows "mg".
type mgMention struct {
	mg   float64
	rest string
}

// mgMentions finds every "<number> mg" in lt, a lower-cased text: a
// positive number not glued to a letter, digit or point before it, then
// "mg" (after optional spaces) not followed by a letter. mgAmounts and
// parseStrength read what follows each.
func mgMentions(lt string) []mgMention {
	var out []mgMention
	for i := 0; i < len(lt); {
		if !isDigitByte(lt[i]) || (i > 0 && (isDigitByte(lt[i-1]) || lt[i-1] == '.' || isLetterByte(lt[i-1]))) {
			i++
			continue
		}
		numEnd := i
		for numEnd < len(lt) && (isDigitByte(lt[numEnd]) || lt[numEnd] == '.') {
			numEnd++
		}
		v, err := strconv.ParseFloat(lt[i:numEnd], 64)
		j := skipSpaceBytes(lt, numEnd)
		if err != nil || v <= 0 || !strings.HasPrefix(lt[j:], "mg") || (j+2 < len(lt) && isLetterByte(lt[j+2])) {
			i = numEnd
			continue
		}
		out = append(out, mgMention{mg: v, rest: lt[j+2:]})
		i = numEnd
	}
	return out
}

// countWords are the written numbers a dosage text may count tablets with.
var countWords = map[string]float64{"one": 1, "two": 2, "three": 3, "four": 4, "half": 0.5, "½": 0.5, "a": 1}

// tabletCount reads "<n> tablet(s)" (capsule, pill, tab) from a dosage text;
// ok is false when there is none or two different counts.
func tabletCount(text string) (float64, bool) {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return r == ' ' || r == '(' || r == ')' || r == ',' || r == ';' || r == ':'
	})
	var n float64
	found := false
	for i := 1; i < len(words); i++ {
		if !isTabletUnit(doseUnit(strings.TrimSuffix(words[i], "."))) || words[i] == "1" {
			continue
		}
		v, err := strconv.ParseFloat(words[i-1], 64)
		if err != nil {
			w, ok := countWords[words[i-1]]
			if !ok {
				continue
			}
			v = w
		}
		if v <= 0 || found && !sameMg(v, n) {
			return 0, false
		}
		n, found = v, true
	}
	return n, found
}

// isTabletUnit reports whether a (lower-cased) dose unit counts tablets.
func isTabletUnit(u string) bool {
	switch u {
	case "{tablet}", "{tablets}", "{tbl}", "{tab}", "{pill}", "{pills}", "{capsule}", "{capsules}", "{cap}",
		"tablet", "tablets", "tab", "tabs", "pill", "pills", "capsule", "capsules", "cap", "caps", "1", "{each}", "each", "ea":
		return true
	}
	return false
}

// dosesPerDay reads the timing; how describes it.
//
// A repeat without a frequency is once per period (FHIR Timing); a
// frequencyMax ("1-2 times a day") counts as the most a day can hold, and
// so does a list of times of day (timeOfDay "08:00", "20:00"; when MORN,
// EVE) on a daily timing or with no period. A frequencyMax that could not
// be read (negative) leaves the most a day can hold unknown.
func dosesPerDay(d DoseFacts) (float64, string, bool) {
	if d.Frequency > 0 || d.Period > 0 || d.PeriodUnit != "" || d.FrequencyMax > 0 {
		f, p := max(d.Frequency, d.FrequencyMax), d.Period
		if f == 0 && p > 0 && d.Frequency == 0 {
			f = 1
		}
		if f <= 0 || d.FrequencyMax < 0 || p <= 0 || math.IsInf(f, 0) || math.IsInf(p, 0) || math.IsNaN(f) || math.IsNaN(p) {
			return 0, "timing frequency or period not usable", false
		}
		var days float64
		switch strings.ToLower(strings.TrimSpace(d.PeriodUnit)) { // the UCUM code, or a spelling some feeds send
		case "h", "hr", "hour", "hours":
			days = p / 24
		case "d", "day", "days":
			days = p
		case "wk", "week", "weeks":
			days = p * 7
		default:
			return 0, fmt.Sprintf("timing period unit %q not understood", d.PeriodUnit), false
		}
		perDay := f / days
		if math.IsInf(perDay, 0) || math.IsNaN(perDay) {
			return 0, "timing frequency or period not usable", false
		}
		how := fmt.Sprintf("%s/day (timing %s per %s %s)", fmtAmount(perDay), fmtAmount(f), fmtAmount(p), d.PeriodUnit)
		if d.TimesOfDay > 0 && days == 1 && float64(d.TimesOfDay) > perDay {
			perDay = float64(d.TimesOfDay)
			how = fmt.Sprintf("%s/day (timing: %d times of day)", fmtAmount(perDay), d.TimesOfDay)
		}
		return perDay, how, true
	}
	if d.TimesOfDay > 0 && strings.TrimSpace(d.TimingCode) == "" {
		return float64(d.TimesOfDay), fmt.Sprintf("%d/day (timing: %d times of day)", d.TimesOfDay, d.TimesOfDay), true
	}
	if code := strings.ToUpper(strings.TrimSpace(d.TimingCode)); code != "" {
		if perDay, ok := timingCodePerDay(code); ok {
			return perDay, fmt.Sprintf("%s/day (timing code %s)", fmtAmount(perDay), code), true
		}
		// A code in words, or a local code whose text or display is
		// ("Once daily", "2 times daily").
		for _, t := range []string{d.TimingCode, d.TimingText} {
			if perDay, ok := timingCodePerDay(strings.ToUpper(strings.TrimSpace(t))); ok {
				return perDay, fmt.Sprintf("%s/day (timing %q)", fmtAmount(perDay), t), true
			}
			if perDay, phrase, found := dosageTextPerDay(t); found {
				return perDay, fmt.Sprintf("%s/day (timing %q: %s)", fmtAmount(perDay), t, phrase), true
			}
		}
		return 0, fmt.Sprintf("timing code %q not understood", d.TimingCode), false
	}
	return 0, "frequency not stated", false
}

// timingCodePerDay maps a timing abbreviation (HL7 GTSAbbreviation and
// common variants) to administrations per day.
func timingCodePerDay(code string) (float64, bool) {
	switch code {
	case "QD", "DAILY", "AM", "PM", "BED", "QAM", "QPM", "QHS", "HS":
		return 1, true
	case "BID":
		return 2, true
	case "TID":
		return 3, true
	case "QID":
		return 4, true
	case "QOD":
		return 0.5, true
	case "WK", "QWK":
		return 1.0 / 7, true
	}
	if h, ok := strings.CutPrefix(code, "Q"); ok {
		if n, ok := strings.CutSuffix(h, "H"); ok {
			if hours, err := strconv.Atoi(n); err == nil && hours >= 1 && hours <= 24 {
				return 24 / float64(hours), true
			}
		}
	}
	return 0, false
}

// dosageTextPhrases maps frequency wording in dosage instructions to
// administrations per day, longest phrases first so that "twice daily" is
// not also read as "daily". A phrase with a slot names a time of day: two
// different times of day ("every morning" and "at bedtime") are two
// administrations a day. daily marks "daily" and "every day", which a list
// of times of day qualifies ("daily in the morning and in the evening").
func dosageTextPhrases() []dosagePhrase {
	return []dosagePhrase{
		{phrase: "morning and evening", perDay: 2}, {phrase: "morning and night", perDay: 2}, {phrase: "morning and bedtime", perDay: 2},
		{phrase: "and evening", perDay: 1, slot: "evening"}, {phrase: "and night", perDay: 1, slot: "night"},
		{phrase: "every other day", perDay: 0.5}, {phrase: "three times a day", perDay: 3}, {phrase: "three times daily", perDay: 3},
		{phrase: "four times a day", perDay: 4}, {phrase: "four times daily", perDay: 4}, {phrase: "two times a day", perDay: 2},
		{phrase: "two times daily", perDay: 2}, {phrase: "twice a day", perDay: 2}, {phrase: "twice daily", perDay: 2},
		{phrase: "once a day", perDay: 1}, {phrase: "once daily", perDay: 1}, {phrase: "every day", perDay: 1, daily: true},
		{phrase: "each day", perDay: 1, daily: true}, {phrase: "once weekly", perDay: 1.0 / 7}, {phrase: "once a week", perDay: 1.0 / 7},
		{phrase: "daily", perDay: 1, daily: true},
		{phrase: "every morning", perDay: 1, slot: "morning"}, {phrase: "each morning", perDay: 1, slot: "morning"},
		{phrase: "in the morning", perDay: 1, slot: "morning"}, {phrase: "with breakfast", perDay: 1, slot: "morning"},
		{phrase: "every evening", perDay: 1, slot: "evening"}, {phrase: "each evening", perDay: 1, slot: "evening"},
		{phrase: "in the evening", perDay: 1, slot: "evening"}, {phrase: "with dinner", perDay: 1, slot: "evening"},
		{phrase: "at bedtime", perDay: 1, slot: "night"}, {phrase: "every night", perDay: 1, slot: "night"},
		{phrase: "at night", perDay: 1, slot: "night"}, {phrase: "nightly", perDay: 1, slot: "night"},
		{phrase: "bid", perDay: 2}, {phrase: "b.i.d.", perDay: 2}, {phrase: "tid", perDay: 3}, {phrase: "t.i.d.", perDay: 3},
		{phrase: "qid", perDay: 4}, {phrase: "q.i.d.", perDay: 4}, {phrase: "qod", perDay: 0.5},
		{phrase: "qd", perDay: 1}, {phrase: "q.d.", perDay: 1}, {phrase: "qam", perDay: 1, slot: "morning"},
		{phrase: "qpm", perDay: 1, slot: "evening"}, {phrase: "qhs", perDay: 1, slot: "night"},
	}
}

type dosagePhrase struct {
	phrase string
	perDay float64
	slot   string
	daily  bool
}

// countedFrequency finds "2 times a day", "2 (two) times daily", "2x
// daily", "1 time each day", "3 times a week" (the number as digits or a
// word); everyInterval finds "every 12 hours", "q12h", "q 24 hrs", "every
// 2 days", "every 1 week".
var (
	countedFrequency = regexp.MustCompile(`(?:^|[^\w.])(\d+|one|two|three|four)\s*(?:\(\s*(?:one|two|three|four)\s*\)\s*)?(?:x|times?)\s*(?:a|per|each|every|/)?\s*(day|daily|d|week|weekly|wk)\b`)
	everyInterval    = regexp.MustCompile(`\b(?:every|q)\s*(\d+)\s*(hours?|hrs?|h|days?|d|weeks?|wks?)\b`)
)

var numberWords = map[string]float64{"one": 1, "two": 2, "three": 3, "four": 4}

// dosageTextPerDay reads the frequency from dosage text. found is true when
// the text has frequency words that all agree; when they disagree, found is
// false and phrase lists them.
func dosageTextPerDay(text string) (perDay float64, phrase string, found bool) {
	if sigTooLong(text) {
		return 0, "dosage text too long to read", false // not read, and not "no frequency stated"
	}
	t := strings.ToLower(text)
	var phrases []string
	var readings []dosagePhrase
	read := func(re *regexp.Regexp, f func(n float64, unit string) float64) {
		for _, m := range re.FindAllStringSubmatch(t, -1) {
			n, err := strconv.ParseFloat(m[1], 64)
			if err != nil {
				n = numberWords[m[1]]
			}
			if v := f(n, m[2]); n > 0 && v > 0 {
				readings = append(readings, dosagePhrase{phrase: m[0], perDay: v})
			}
		}
		t = re.ReplaceAllString(t, " ")
	}
	read(countedFrequency, func(n float64, unit string) float64 {
		if strings.HasPrefix(unit, "d") {
			return n
		}
		return n / 7
	})
	read(everyInterval, func(n float64, unit string) float64 {
		switch unit[0] {
		case 'h':
			if n > 24 {
				return 0
			}
			return 24 / n
		case 'd':
			return 1 / n
		}
		return 1 / (7 * n)
	})
	for _, p := range dosageTextPhrases() {
		if !hasWord(t, p.phrase) {
			continue
		}
		readings = append(readings, p)
		t = strings.ReplaceAll(t, p.phrase, " ")
	}
	slots := map[string]bool{}
	for _, r := range readings {
		phrases = append(phrases, strings.TrimSpace(r.phrase))
		if r.slot != "" {
			slots[r.slot] = true
		}
	}
	if len(readings) == 0 {
		return 0, "", false
	}
	lt := strings.ToLower(text)
	if len(slots) > 1 && hasWord(lt, "or") && !hasWord(lt, "and") {
		slots = map[string]bool{"either": true} // "in the morning or in the evening": one of them
	}
	perDay = readings[0].perDay
	if len(slots) > 1 {
		perDay = float64(len(slots))
	}
	for _, r := range readings {
		switch {
		case len(slots) > 1 && (r.slot != "" || r.daily):
			// a time of day, or "daily" qualified by the times of day
		case !sameMg(r.perDay, perDay):
			return 0, strings.Join(phrases, ", "), false
		}
	}
	return perDay, strings.Join(phrases, ", "), true
}

func noTimingGiven(d DoseFacts) bool {
	return d.Frequency == 0 && d.FrequencyMax == 0 && d.Period == 0 && d.PeriodUnit == "" && d.TimesOfDay == 0 &&
		strings.TrimSpace(d.TimingCode) == ""
}

// onceDailyProduct reports whether the text names an extended-release
// product, which is taken once daily.
func onceDailyProduct(text string) bool {
	t := strings.ToLower(text)
	if hasWord(t, "lq") || hasWord(t, "solution") {
		return false
	}
	for _, w := range []string{"extended release", "extended-release", "24 hr", "24hr", "24 hour", "tb24", "er", "xr", "rinvoq"} {
		if hasWord(t, w) {
			return true
		}
	}
	return false
}

// StrengthMg parses a strength such as "upadacitinib 30 MG Extended Release
// Oral Tablet", "Rinvoq 15 mg" or "CIBINQO 200MG tablet" from medication
// text: mg per tablet, or mg per mL for a solution ("1 MG/ML"; RINVOQ LQ
// without a written strength is 1 mg/mL, knowledge base section 1.1). ok is
// false when no strength is written, or when the text gives two different
// strengths ("aspirin 25 MG / dipyridamole 200 MG").
func StrengthMg(text string) (float64, bool) {
	s, ok := parseStrength(text)
	return s.mg, ok
}

// parsedStrength is a parsed strength: mg per tablet, or per mL when perML.
type parsedStrength struct {
	mg    float64
	perML bool
}

// unglueDigits puts a space between a letter and the digit that follows
// it ("aspirin81mg" is "aspirin 81mg").
func unglueDigits(lt string) string {
	var b strings.Builder
	for i := 0; i < len(lt); i++ {
		if i > 0 && isDigitByte(lt[i]) && isLetterByte(lt[i-1]) {
			b.WriteByte(' ')
		}
		b.WriteByte(lt[i])
	}
	return b.String()
}

// parseStrength finds every "<number> mg" (optionally "/mL" or "/<n> mL")
// in text. All occurrences must agree, and "mg/" followed by anything but
// mL ("15 mg/day", "mg/kg", "25 MG / dipyridamole") means no strength.
func parseStrength(text string) (parsedStrength, bool) {
	var found []parsedStrength
	lt := strings.ToLower(text)
	ms := mgMentions(lt)
	if len(ms) == 0 {
		// A name with the strength written on ("ASPIRIN81MG", recognised
		// as a drug name since a digit ends a word there: matchLowerName):
		// read as if spaced, only when no strength is written apart.
		ms = mgMentions(unglueDigits(lt))
	}
	for _, m := range ms {
		s := parsedStrength{mg: m.mg}
		k := skipSpaceBytes(m.rest, 0)
		if k < len(m.rest) && m.rest[k] == '/' && perUnit(m.rest[k+1:]) {
			// "30 mg/1 extended-release tablet" (FDA NDC and SPL names),
			// "30 mg/tablet": per tablet.
		} else if k < len(m.rest) && m.rest[k] == '/' {
			per, ok := perMLAmount(m.rest[k+1:])
			if !ok {
				// "mg/day", "mg/kg", or a combination "25 MG / dipyridamole
				// 200 MG": the text does not give one strength.
				return parsedStrength{}, false
			}
			s = parsedStrength{mg: m.mg / per, perML: true}
		}
		found = append(found, s)
	}
	if len(found) == 0 {
		if hasWord(lt, "rinvoq") && hasWord(lt, "lq") {
			return parsedStrength{mg: 1, perML: true}, true
		}
		return parsedStrength{}, false
	}
	for _, s := range found[1:] {
		if s.perML != found[0].perML || !sameMg(s.mg, found[0].mg) {
			return parsedStrength{}, false
		}
	}
	return found[0], true
}

// perUnit reports whether what follows "mg/" makes the strength one per
// tablet: "1" not followed by a digit, a point or a unit of volume or
// mass ("1 tablet", "1 extended-release", "1"), or "tablet"/"tab".
func perUnit(s string) bool {
	s = strings.TrimLeft(s, " ")
	for _, w := range []string{"tablet", "tab ", "tab)", "tab,"} {
		if strings.HasPrefix(s, w) || s == "tab" {
			return true
		}
	}
	if !strings.HasPrefix(s, "1") || len(s) > 1 && (isDigitByte(s[1]) || s[1] == '.') {
		return false
	}
	rest := strings.TrimLeft(s[1:], " ")
	for _, u := range []string{"ml", "l", "kg", "g", "mg", "d", "day", "h", "hr", "wk"} {
		if rest == u || strings.HasPrefix(rest, u) && (len(rest) == len(u) || !isLetterByte(rest[len(u)])) {
			return false
		}
	}
	return true
}

// perMLAmount reads "ml" or "<n> ml" after a slash and returns n (1 when absent).
func perMLAmount(s string) (float64, bool) {
	s = strings.TrimLeft(s, " ")
	end := 0
	for end < len(s) && (isDigitByte(s[end]) || s[end] == '.') {
		end++
	}
	n := 1.0
	if end > 0 {
		v, err := strconv.ParseFloat(s[:end], 64)
		if err != nil || v <= 0 {
			return 0, false
		}
		n = v
	}
	rest := strings.TrimLeft(s[end:], " ")
	if !strings.HasPrefix(rest, "ml") || (len(rest) > 2 && isLetterByte(rest[2])) {
		return 0, false
	}
	return n, true
}

func skipSpaceBytes(s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

func isDigitByte(b byte) bool  { return b >= '0' && b <= '9' }
func isLetterByte(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

func sameMg(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// fmtAmount formats a number without trailing zeros ("30", "0.5").
// Amounts too large or too small to round to 4 decimals ("1e+308", a
// period of "1e-300" d, which read "0 d") are written with 4 significant
// digits, never as "+Inf"; zero has no sign.
func fmtAmount(v float64) string {
	switch a := math.Abs(v); {
	case a == 0:
		return "0"
	case a >= 1e15 || a < 1e-4:
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	return strconv.FormatFloat(math.Round(v*1e4)/1e4, 'f', -1, 64)
}

func pluralWord(n float64, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
