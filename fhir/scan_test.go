package fhir

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/bits"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

var scanCases = []string{
	``, ` `, `{}`, `[]`, `{"a":1}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{"a" 1}`, `{a:1}`, `{"a":1}}`,
	`"x"`, `"x`, `"\u12"`, `"\u12ab"`, `"\x"`, `"a\"b"`, "\"a\tb\"", `"\/\b\f\n\r\t\\"`,
	`0`, `-0`, `01`, `-`, `1.`, `1.5`, `.5`, `1e`, `1e+`, `1E-7`, `-12.5e10`, `1.5e+3x`,
	`true`, `tru`, `false`, `null`, `nul`, `nulll`, `[true,false,null]`,
	`{"a":[{"b":{"c":[1,"2",null]}}]}`, `{"a":[{"b":{"c":[1,"2",null]}}]`, ` {"a" : [ 1 , 2 ] } `,
	"{\"a\":1}\n", `{"a":1} {}`, `[[[[[]]]]]`, `[[[[[]]]]`, `{"\u0061":1}`, `{"a":1,"a":2}`,
	`"0123456789\"abcdefghijklmnop"`, `"abcdefgh\u0041ijklmnopqrstuvwxyz"`, "\"abcdefghi\x01jklmnopq\"",
	`"abcdefghijklmnopqrstuvw`, `"abcdefghijklmnopqrstuvw\`, "\"héllo wörld, ünïcode ok\"",
	"{\n        \"a\":\n                1}", "[1,                \n]",
	`[110.8437913626005,12345678901234567890.123456789012e+1234567890]`, `[1.23456789a]`, `[123456789012345678.]`,
	`[-0.000000001]`, `[1.5E-123456789x]`, `{"value":12345678}`, `12345678`, `0123456789`,
}

func TestScannerAgreesWithJSONValid(t *testing.T) {
	cases := append(scanCases, strings.Repeat("[", maxNesting)+strings.Repeat("]", maxNesting),
		strings.Repeat("[", maxNesting+1)+strings.Repeat("]", maxNesting+1))
	for _, in := range cases {
		t.Run(in, func(t *testing.T) {
			assert.Equal(t, json.Valid([]byte(in)), validates([]byte(in)))
		})
	}
}

// validates tells whether the scanner accepts data, as it reads it without
// a bitmap of its special characters and, where the CPU has AVX2, with one
// (markSpecial makes it only for large input); it panics if the two differ.
func validates(data []byte) bool {
	s := &scanner{data: data}
	ok := s.skip() == nil && s.end() == nil
	if hasAVX2 {
		m := &scanner{data: data}
		m.buildSpecial()
		defer m.releaseSpecial()
		okM := m.skip() == nil && m.end() == nil
		if okM != ok || m.pos != s.pos {
			panic(fmt.Sprintf("%q: without bitmap valid %v (stopped at %d), with %v (at %d)", data, ok, s.pos, okM, m.pos))
		}
	}
	return ok
}

func TestScannerKeysAndText(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{`{"resourceType":"Patient"}`, "Patient"},
		{`{"resource\u0054ype":"Pat\u0069ent"}`, "Patient"},
		{`{"id":"x","resourceType" : " Observation "}`, "Observation"},
		{`{"resourceType":"A","resourceType":"B"}`, "B"},
		{`{"resourceType":3}`, ""},
		{`{"nested":{"resourceType":"Claim"}}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			var r rawResource
			s := &scanner{data: []byte(tc.in)}
			s.ws()
			assert.NoError(t, s.resource(&r))
			assert.Equal(t, tc.want, r.resourceType)
		})
	}
}

// FuzzScanner checks that the scanner accepts exactly what encoding/json
// does, and that compact agrees with json.Compact.
func FuzzScanner(f *testing.F) {
	for _, c := range scanCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, want := validates(data), json.Valid(data)
		if got != want {
			t.Fatalf("scanner says valid=%v, encoding/json says %v", got, want)
		}
		if !want {
			return
		}
		var std bytes.Buffer
		if err := json.Compact(&std, data); err != nil {
			t.Fatal(err)
		}
		if c := compact(nil, data); !bytes.Equal(c, std.Bytes()) {
			t.Fatalf("compact gave %q, encoding/json %q", c, std.Bytes())
		}
	})
}

func TestCompact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"{\n  \"a\" : [ 1 ,\t2 ]\r\n}", `{"a":[1,2]}`},
		{`{"s":" keep  \" spaces \\ "}`, `{"s":" keep  \" spaces \\ "}`},
		{`  "x"  `, `"x"`},
		{`[]`, `[]`},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, string(compact(nil, []byte(tc.in))))
	}
}

// TestSpecials checks that the lowest mark of specials is exactly the first
// quote, backslash or control character of the word, whatever follows it.
func TestSpecials(t *testing.T) {
	checkFirstMark(t, specials, func(c byte) bool { return c == '"' || c == '\\' || c < 0x20 },
		"abcdefgh", []byte{'a', '"', '\\', 0x00, 0x1f, 0x20, 0x7f, 0x80, 0xff})
}

// checkFirstMark checks a word-at-a-time test (specials, nonDigits): the
// lowest byte it marks is exactly the first byte of the word for which
// marked holds, for every byte value at every position of base, whatever
// byte of fill follows it.
func checkFirstMark(t *testing.T, mark func(uint64) uint64, marked func(byte) bool, base string, fill []byte) {
	t.Helper()
	for b := range 256 {
		for pos := range 8 {
			for _, f := range fill {
				w := []byte(base)
				w[pos] = byte(b)
				for k := pos + 1; k < 8; k++ {
					w[k] = f
				}
				want := 8
				for k, c := range w {
					if marked(c) {
						want = k
						break
					}
				}
				m := mark(binary.LittleEndian.Uint64(w))
				got := 8
				if m != 0 {
					got = bits.TrailingZeros64(m) / 8
				}
				if got != want {
					t.Fatalf("%q: first mark at %d, want %d", w, got, want)
				}
			}
		}
	}
}

// naivePlainEnd is plainEnd written plainly, byte by byte.
func naivePlainEnd(d []byte, i int) int {
	for i < len(d) && d[i] != '"' && d[i] != '\\' && d[i] >= 0x20 {
		i++
	}
	return i
}

// TestPlainEnd checks plainEnd (8 bytes at a time, then 32 at a time with
// AVX2 where the CPU has it) against the plain loop: every byte value at
// every position of strings long enough to take each path, from every
// start, whatever follows the first special byte.
func TestPlainEnd(t *testing.T) {
	t.Logf("AVX2 path in use: %v", hasAVX2)
	for _, n := range []int{0, 1, 7, 8, 9, 31, 39, 40, 41, 71, 72, 73, 100, 200} {
		for b := range 256 {
			for pos := 0; pos < n; pos += 1 + pos/9 {
				d := bytes.Repeat([]byte{'a'}, n)
				d[pos] = byte(b)
				for k := pos + 1; k < n; k++ {
					d[k] = "\"\\\x00\x1f\x80\xff a"[k%8]
				}
				for i := 0; i <= n; i += 1 + i/5 {
					if got, want := plainEnd(d, i), naivePlainEnd(d, i); got != want {
						t.Fatalf("len %d, byte %#x at %d, from %d: plainEnd %d, want %d", n, b, pos, i, got, want)
					}
				}
			}
		}
	}
}

func FuzzPlainEnd(f *testing.F) {
	f.Add([]byte(`"http://terminology.hl7.org/CodeSystem/observation-category"`), 1)
	f.Add(bytes.Repeat([]byte("\x80\xffabc"), 30), 3)
	f.Fuzz(func(t *testing.T, d []byte, i int) {
		if i < 0 || i > len(d) {
			return
		}
		if got, want := plainEnd(d, i), naivePlainEnd(d, i); got != want {
			t.Fatalf("%q from %d: plainEnd %d, want %d", d, i, got, want)
		}
	})
}

// TestStringEnd checks the bitmap that markSpecial makes (assembly for
// whole 64-byte blocks, Go for the tail) and stringEnd, which reads it,
// against plainEnd, from every start of inputs of many lengths, with
// special bytes at block edges and bytes above 0x7f.
func TestStringEnd(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2: markSpecial makes no bitmap, stringEnd is plainEnd")
	}
	for _, n := range []int{1, 63, 64, 65, 127, 128, 129, 200, 1000, markSpecialMin, markSpecialMin + 37} {
		d := make([]byte, n)
		for i := range d {
			d[i] = "abc\x80\xffdefghijklmnopqrstuvwxyz0123456789 -_:/."[(i*7+n)%40]
		}
		for _, p := range []int{0, 31, 32, 63, 64, 65, n - 1, n / 2} {
			for _, c := range []byte{'"', '\\', 0x00, 0x1f} {
				if p < 0 || p >= n {
					continue
				}
				e := bytes.Clone(d)
				e[p] = c
				s := &scanner{data: e}
				s.buildSpecial()
				for i := 0; i <= n; i++ {
					if got, want := s.stringEnd(i), plainEnd(e, i); got != want {
						t.Fatalf("len %d, %#x at %d, from %d: stringEnd %d, plainEnd %d", n, c, p, i, got, want)
					}
				}
				s.releaseSpecial()
			}
		}
	}
}

// TestNonDigits checks that the lowest mark of nonDigits is exactly the
// first byte that is not an ASCII digit, whatever follows it.
func TestNonDigits(t *testing.T) {
	checkFirstMark(t, nonDigits, func(c byte) bool { return c < '0' || c > '9' },
		"01234567", []byte{'0', '9', '/', ':', 0x00, 0x7f, 0x80, 0xff, 'e', '.'})
}
