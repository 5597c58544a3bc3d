package rules

// DailyDose works out the daily dose in mg of a medication order from its
// text/display strength, Medication.ingredient strength, or doseQuantity in
// mg, times the timing. how says where the figure came from ("30 mg tablet,
// once daily"); ok is false when the dose cannot be known (then it is said,
// not guessed).
// STUB: the knowledge-base work implements this.
func DailyDose(m Medication) (mg float64, how string, ok bool) { return 0, "", false }

// StrengthMg parses a strength such as "upadacitinib 30 MG Extended Release
// Oral Tablet" or "Cibinqo 200 mg" from medication text.
// STUB.
func StrengthMg(text string) (float64, bool) { return 0, false }
