package rules

// CellsPerMM3 converts a cell count (lymphocytes, neutrophils, platelets) to
// cells/mm³ (= cells/µL). ok is false when the unit is missing or unknown.
// STUB: the knowledge-base work completes the unit table.
func CellsPerMM3(q *Quantity) (float64, bool) {
	if q == nil {
		return 0, false
	}
	switch q.Unit {
	case "/uL", "/mm3", "{cells}/uL":
		return q.Value, true
	case "10*3/uL", "10*9/L":
		return q.Value * 1000, true
	}
	return 0, false
}

// HemoglobinGdL converts a hemoglobin value to g/dL; ok is false when the
// unit is missing or unknown.
// STUB.
func HemoglobinGdL(q *Quantity) (float64, bool) {
	if q == nil {
		return 0, false
	}
	switch q.Unit {
	case "g/dL":
		return q.Value, true
	case "g/L":
		return q.Value / 10, true
	case "mmol/L":
		return q.Value * 1.611, true
	}
	return 0, false
}

// EGFR returns an eGFR in mL/min/1.73 m²; ok is false when the unit is
// missing or unknown.
// STUB.
func EGFR(q *Quantity) (float64, bool) {
	if q == nil {
		return 0, false
	}
	switch q.Unit {
	case "mL/min/{1.73_m2}", "mL/min/1.73m2":
		return q.Value, true
	}
	return 0, false
}
