package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestMembers(t *testing.T) {
	cases := []struct {
		name   string
		in     string
		err    bool
		notObj bool
		top    []string
		inner  []string
	}{
		{"object with prefetch", `{"hook":"x","prefetch":{"a":{"resourceType":"Patient"},"b":null},"n":1}`, false, false, []string{"hook", "prefetch", "n"}, []string{"a", "b"}},
		{"prefetch null", `{"prefetch":null}`, false, false, []string{"prefetch"}, nil},
		{"no prefetch", `{"hook":"x"}`, false, false, []string{"hook"}, nil},
		{"prefetch an array", `{"prefetch":[1]}`, true, true, nil, nil},
		{"not an object", `[1,2]`, true, true, nil, nil},
		{"not JSON", `{"a":}`, true, false, nil, nil},
		{"trailing data", `{"a":1} x`, true, false, nil, nil},
		{"escaped quote inside a prefetch string", `{"prefetch":{"a":{"t":"say \"hi\" \\"}}}`, false, false, []string{"prefetch"}, []string{"a"}},
		{"unterminated prefetch", `{"prefetch":{"a":{"t":"x}}}`, true, false, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			top, inner, err := Members([]byte(tc.in), "prefetch")
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if tc.notObj != errors.Is(err, ErrNotObject) {
				t.Errorf("ErrNotObject = %v, want %v (%v)", errors.Is(err, ErrNotObject), tc.notObj, err)
			}
			for _, k := range tc.top {
				if _, ok := top[k]; !ok {
					t.Errorf("member %q missing", k)
				}
			}
			for _, k := range tc.inner {
				v, ok := inner[k]
				if !ok || !json.Valid(v.Raw) {
					t.Errorf("inner member %q = %+v", k, v)
				}
			}
		})
	}
}

// Outside the nested member Members is exactly as strict as encoding/json;
// inside it, whatever it accepts is located within the input.
func FuzzMembers(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"prefetch":{"k":{"x":[1,"\""]}}}`, `{"prefetch":null,"a":[true,false,null]}`, `[]`, `{"a":"\u00e9"}`, `{"a":1,}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, err := Members(data, "")
		isObj := json.Valid(data) && bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("{"))
		if (err == nil) != isObj {
			t.Fatalf("Members accepts %q = %v, json says object %v", data, err == nil, isObj)
		}
		top, inner, err := Members(data, "prefetch")
		// Padded past markSpecialMin with white space, which changes
		// nothing, the input is read with the bitmap of markSpecial (where
		// the CPU has AVX2): the same members, the same prefetch splits.
		padded := append(bytes.Clone(data), bytes.Repeat([]byte{' '}, markSpecialMin)...)
		ptop, pinner, perr := Members(padded, "prefetch")
		if (err == nil) != (perr == nil) || !reflect.DeepEqual(top, ptop) || len(inner) != len(pinner) {
			t.Fatalf("padded: %v / %v, members %q / %q", err, perr, top, ptop)
		}
		if err != nil {
			return
		}
		for k, v := range inner {
			if len(v.Raw) > 0 && !bytes.Contains(data, v.Raw) {
				t.Fatalf("inner value %q not in input", v.Raw)
			}
			pv := pinner[k]
			if pv == nil || !bytes.Equal(v.Raw, pv.Raw) || !reflect.DeepEqual(v.doc.entries, pv.doc.entries) ||
				!reflect.DeepEqual(v.doc.self, pv.doc.self) || fmt.Sprint(v.err) != fmt.Sprint(pv.err) {
				t.Fatalf("prefetch %q differs when padded: %+v / %+v", k, v, pv)
			}
		}
	})
}

// FuzzMembersSplit: splitting prefetch in the pass that validates the
// request (Members, AddSplit) gives exactly what splitting each value
// afterwards gives (Add of its raw bytes): the same errors, the same pages
// and the same record.
func FuzzMembersSplit(f *testing.F) {
	for _, pattern := range []string{"../testdata/sandbox/*.json", "../testdata/requests/*.json"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`{"prefetch":{"a":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"code":"1"}]}}},{"resource":null},7]},"b":{"x":1,},"c":"s","d":null,"e":{"resourceType":"OperationOutcome"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, inner, err := Members(data, "prefetch")
		if err != nil {
			return
		}
		b1, b2 := NewBuilder(nil), NewBuilder(nil)
		for k, sp := range inner {
			if sp == nil || (len(sp.Raw) > 0 && !bytes.Contains(data, sp.Raw)) {
				t.Fatalf("prefetch %q: %+v", k, sp)
			}
			p1, e1 := b1.Add(k, sp.Raw)
			p2, e2 := b2.AddSplit(k, sp)
			if p1 != p2 || (e1 == nil) != (e2 == nil) || (e1 != nil && e1.Error() != e2.Error()) {
				t.Fatalf("prefetch %q: Add %+v %v, AddSplit %+v %v", k, p1, e1, p2, e2)
			}
		}
		if r1, r2 := b1.Record(), b2.Record(); !reflect.DeepEqual(r1, r2) {
			t.Fatalf("records differ:\n%+v\n%+v", r1, r2)
		}
	})
}
