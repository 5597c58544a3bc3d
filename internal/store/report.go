package store

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"
)

// Report formats accepted by WriteReport.
const (
	FormatTable = "table"
	FormatJSON  = "json"
	FormatCSV   = "csv"
)

// WriteReport writes r as "table" (aligned text), "json" or "csv". In CSV,
// the last row, code "(unattributed)", carries the unattributed feedback
// count in its feedback column. Any other format is an error.
func WriteReport(w io.Writer, r Report, format string) error {
	switch format {
	case FormatTable:
		return writeTable(w, r)
	case FormatJSON:
		if r.Findings == nil {
			r.Findings = []FindingStats{}
		}
		for i := range r.Findings {
			if r.Findings[i].TopReasons == nil {
				r.Findings[i].TopReasons = []ReasonCount{}
			}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case FormatCSV:
		return writeCSV(w, r)
	default:
		return fmt.Errorf("unknown report format %q (want table, json or csv)", format)
	}
}

func writeTable(w io.Writer, r Report) error {
	since := "the beginning"
	if !r.Since.IsZero() {
		since = r.Since.UTC().Format(time.RFC3339)
	}
	if _, err := fmt.Fprintf(w, "Feedback since %s\n\n", since); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FINDING\tSHOWN\tACCEPTED\tOVERRIDDEN\tOVERRIDE RATE\tACCEPTED SUGGESTIONS\tTOP OVERRIDE REASONS")
	for _, f := range r.Findings {
		reasons := reasonsText(f.TopReasons)
		if reasons == "" {
			reasons = "-"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%d\t%s\n", f.Code, f.Shown, f.Accepted, f.Overridden,
			percent(f.OverrideRate, f.Accepted+f.Overridden), f.AcceptedSuggestions, reasons)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nUnattributed feedback (unknown cards): %d\n", r.Unattributed)
	return err
}

func writeCSV(w io.Writer, r Report) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"code", "shown", "feedback", "accepted", "overridden", "override_rate", "accepted_suggestions", "top_override_reasons"})
	for _, f := range r.Findings {
		_ = cw.Write([]string{
			csvText(f.Code), strconv.Itoa(f.Shown), strconv.Itoa(f.Accepted + f.Overridden),
			strconv.Itoa(f.Accepted), strconv.Itoa(f.Overridden),
			strconv.FormatFloat(f.OverrideRate, 'f', 4, 64),
			strconv.Itoa(f.AcceptedSuggestions), csvText(reasonsText(f.TopReasons)),
		})
	}
	_ = cw.Write([]string{"(unattributed)", "", strconv.Itoa(r.Unattributed), "", "", "", "", ""})
	cw.Flush()
	return cw.Error()
}

// csvText keeps a CSV cell from being read as a formula by a spreadsheet
// (CSV injection): a cell starting with =, +, -, @, a tab or a carriage
// return, or with their fullwidth forms (＝＋－＠, which a spreadsheet in a
// Japanese or Chinese locale may read as the ASCII ones), gets a leading
// apostrophe. Override reasons are an EHR's free text, and the committee
// opens the CSV in a spreadsheet.
func csvText(s string) string {
	if r, _ := utf8.DecodeRuneInString(s); strings.ContainsRune("=+-@\t\r＝＋－＠", r) {
		return "'" + s
	}
	return s
}

// plainText replaces the control characters of a caller's text (terminal
// escape sequences, newlines) with U+FFFD for a report: the table is read
// in a terminal.
func plainText(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return utf8.RuneError
		}
		return r
	}, s)
}

// reasonsText renders reasons as "display (code) ×n; ...", the EHR's
// codes and displays without control characters (plainText).
func reasonsText(rs []ReasonCount) string {
	parts := make([]string, 0, len(rs))
	for _, rc := range rs {
		label := plainText(rc.Code)
		if rc.Display != "" {
			label = plainText(rc.Display) + " (" + label + ")"
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", label, rc.Count))
	}
	return strings.Join(parts, "; ")
}

func percent(rate float64, acted int) string {
	if acted == 0 {
		return "-"
	}
	return strconv.FormatFloat(rate*100, 'f', 1, 64) + "%"
}
