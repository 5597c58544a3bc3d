package fhir

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"strings"

	"jakguard/rules"
)

// maxNesting bounds the nesting of JSON objects and arrays, as
// encoding/json does, so hostile input cannot exhaust the stack.
const maxNesting = 10000

// scanner walks JSON text once, validating it as strictly as
// encoding/json.Valid while handing the caller the raw bytes of the
// members it asks for. It lets Builder split a multi-megabyte Bundle into
// entries and peek at each entry's resourceType without decoding the
// entries it will ignore.
type scanner struct {
	data  []byte
	pos   int
	depth int
	// keyStart is where the name of the member last read by member starts
	// (its opening quote).
	keyStart int
	// spans collects the members of the resources read, when record is
	// set (see rawResource.spans).
	spans  []int32
	codes  []rules.Coding // the codes of the resources read, when record is set
	record bool
	// special marks the quotes, backslashes and control characters of data
	// (bit b of special[k] for data[64k+b]); nil when not made (see
	// markSpecial).
	special []uint64
}

// markSpecialMin is the least input markSpecial makes a bitmap for: below
// it the bitmap costs more than it saves.
const markSpecialMin = 4096

// markSpecial makes s.special, with AVX2, for input of markSpecialMin bytes
// or more; the caller gives it back with s.releaseSpecial when done. With
// it, finding where a string ends is a look at one word (quickEnd)
// instead of a call that reads the string.
func (s *scanner) markSpecial() {
	if !hasAVX2 || len(s.data) < markSpecialMin || len(s.data) > 1<<30 {
		return
	}
	s.buildSpecial()
}

// buildSpecial is markSpecial for input of any size (tests use it on
// small input); it needs AVX2.
func (s *scanner) buildSpecial() {
	d := s.data
	n := (len(d) + 63) / 64
	bm := specialPool.get()
	if cap(bm) < n {
		bm = make([]uint64, n)
	}
	bm = bm[:n]
	specialBitsAVX2(d, bm)
	if tail := len(d) % 64; tail != 0 {
		var w uint64
		for b, c := range d[len(d)-tail:] {
			if c == '"' || c == '\\' || c < 0x20 {
				w |= 1 << b
			}
		}
		bm[n-1] = w
	}
	s.special = bm
}

func (s *scanner) releaseSpecial() {
	if bm := s.special; bm != nil {
		s.special = nil
		specialPool.put(bm)
	}
}

// stringEnd is plainEnd(s.data, i), read off s.special when it was made.
// Its first part, quickEnd (a string that ends in its 64-byte block, the
// common case), inlines; the hottest callers call quickEnd and, when it
// answers -1, stringEndSlow themselves.
func (s *scanner) stringEnd(i int) int {
	if j := s.quickEnd(i); j >= 0 {
		return j
	}
	return s.stringEndSlow(i)
}

// quickEnd is stringEnd when s.special shows the end in the block of i,
// and -1 otherwise.
func (s *scanner) quickEnd(i int) int {
	if k := uint(i) >> 6; k < uint(len(s.special)) {
		if w := s.special[k] >> (uint(i) & 63); w != 0 {
			return i + bits.TrailingZeros64(w)
		}
	}
	return -1
}

// stringEndSlow is stringEnd after quickEnd answered -1: the end is past
// the block of i, or there is no bitmap.
func (s *scanner) stringEndSlow(i int) int {
	if s.special == nil {
		return plainEnd(s.data, i)
	}
	for k := i>>6 + 1; k < len(s.special); k++ {
		if w := s.special[k]; w != 0 {
			return k<<6 + bits.TrailingZeros64(w)
		}
	}
	return len(s.data)
}

// syntaxError reports invalid JSON by byte offset only: the input may be
// patient data and never goes into an error message.
type syntaxError struct {
	msg    string
	offset int
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.offset, e.msg)
}

func (s *scanner) fail(msg string) error {
	return &syntaxError{msg: msg, offset: s.pos}
}

func (s *scanner) ws() {
	if s.pos < len(s.data) && s.data[s.pos] > ' ' {
		return // compact JSON: most calls find a token at once
	}
	s.skipSpace()
}

// skipSpace is ws past its first byte, kept out of line so that ws inlines.
//
//go:noinline
func (s *scanner) skipSpace() {
	d, i := s.data, s.pos
	// Indentation comes in long runs of spaces: step over 8 at a time.
	for i+8 <= len(d) && binary.LittleEndian.Uint64(d[i:]) == eightSpaces {
		i += 8
	}
	for i < len(d) {
		c := d[i]
		if c > ' ' || (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
			break
		}
		i++
	}
	s.pos = i
}

// peek skips white space and returns the next byte, 0 at the end.
func (s *scanner) peek() byte {
	if i := s.pos; i < len(s.data) {
		if c := s.data[i]; c > ' ' {
			return c // compact JSON: inlined
		}
	}
	return s.peekSpace()
}

// peekSpace is peek past white space, out of line so that peek inlines.
//
//go:noinline
func (s *scanner) peekSpace() byte {
	s.skipSpace()
	if s.pos >= len(s.data) {
		return 0
	}
	return s.data[s.pos]
}

// end checks that nothing but white space follows the top-level value.
func (s *scanner) end() error {
	if s.ws(); s.pos < len(s.data) {
		return s.fail("data after top-level value")
	}
	return nil
}

// skip validates and steps over one value. It is the scanner's hot loop
// (most of a prefetch is stepped over, not read): one iterative pass with
// the kind of each open container kept in a bit set, no calls but for
// strings and numbers. Values nested more than 64 deep are handed to a
// nested call, so the depth is bounded only by maxNesting.
func (s *scanner) skip() error {
	d := s.data
	i := s.pos
	var objects uint64 // bit k is set when the container at depth k+1 is an object
	depth := 0
	var c byte
	var err error
value:
	for i < len(d) && isSpace(d[i]) {
		i++
	}
	if i >= len(d) {
		s.pos = i
		return s.fail("unexpected end of input")
	}
	switch c = d[i]; c {
	case '"':
		j := s.quickEnd(i + 1)
		if j < 0 {
			j = s.stringEndSlow(i + 1)
		}
		if j < len(d) && d[j] == '"' {
			i = j + 1 // a string without escapes, the common case
			break
		}
		s.pos = i
		if _, _, _, err = s.str(); err != nil {
			return err
		}
		i = s.pos
	case '{', '[':
		if depth == 64 {
			s.pos = i
			s.depth += depth
			err = s.skip()
			s.depth -= depth
			if err != nil {
				return err
			}
			i = s.pos
			break
		}
		if s.depth+depth >= maxNesting {
			s.pos = i
			return s.fail("nesting too deep")
		}
		depth++
		i++
		for i < len(d) && isSpace(d[i]) {
			i++
		}
		if c == '{' {
			objects |= 1 << (depth - 1)
			if i < len(d) && d[i] == '}' {
				i++
				depth--
				break
			}
			goto key
		}
		objects &^= 1 << (depth - 1)
		if i < len(d) && d[i] == ']' {
			i++
			depth--
			break
		}
		goto value
	case 't':
		if len(d)-i < 4 || string(d[i:i+4]) != "true" {
			s.pos = i
			return s.fail("invalid literal")
		}
		i += 4
	case 'f':
		if len(d)-i < 5 || string(d[i:i+5]) != "false" {
			s.pos = i
			return s.fail("invalid literal")
		}
		i += 5
	case 'n':
		if len(d)-i < 4 || string(d[i:i+4]) != "null" {
			s.pos = i
			return s.fail("invalid literal")
		}
		i += 4
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		s.pos = i
		if err = s.number(); err != nil {
			return err
		}
		i = s.pos
	default:
		s.pos = i
		return s.fail("unexpected character")
	}
after: // a value has been read
	if depth == 0 {
		s.pos = i
		return nil
	}
	for i < len(d) && isSpace(d[i]) {
		i++
	}
	if i >= len(d) {
		s.pos = i
		return s.fail("unexpected end of input")
	}
	c = d[i]
	if objects&(1<<(depth-1)) != 0 {
		switch c {
		case ',':
			i++
			goto key
		case '}':
			i++
			depth--
			goto after
		}
		s.pos = i
		return s.fail("expected ',' or '}'")
	}
	switch c {
	case ',':
		i++
		goto value
	case ']':
		i++
		depth--
		goto after
	}
	s.pos = i
	return s.fail("expected ',' or ']'")
key: // inside an object, before a member name
	for i < len(d) && isSpace(d[i]) {
		i++
	}
	if i >= len(d) || d[i] != '"' {
		s.pos = i
		return s.fail("expected a member name")
	}
	j := s.quickEnd(i + 1)
	if j < 0 {
		j = s.stringEndSlow(i + 1)
	}
	if j < len(d) && d[j] == '"' {
		i = j + 1
	} else {
		s.pos = i
		if _, _, _, err = s.str(); err != nil {
			return err
		}
		i = s.pos
	}
	for i < len(d) && isSpace(d[i]) {
		i++
	}
	if i >= len(d) || d[i] != ':' {
		s.pos = i
		return s.fail("expected ':'")
	}
	i++
	goto value
}

func isSpace(c byte) bool { return c <= ' ' && (c == ' ' || c == '\n' || c == '\t' || c == '\r') }

// span steps over one value and returns its bytes.
func (s *scanner) span() ([]byte, error) {
	s.ws()
	start := s.pos
	if err := s.skip(); err != nil {
		return nil, err
	}
	return s.data[start:s.pos], nil
}

// digits steps over a run of ASCII digits and returns its length. It reads
// 8 bytes at a time (decimals such as 110.8437913626005 are common).
func (s *scanner) digits() int {
	d, i := s.data, s.pos
	for i+8 <= len(d) {
		if m := nonDigits(binary.LittleEndian.Uint64(d[i:])); m != 0 {
			i += bits.TrailingZeros64(m) >> 3
			n := i - s.pos
			s.pos = i
			return n
		}
		i += 8
	}
	for i < len(d) && d[i] >= '0' && d[i] <= '9' {
		i++
	}
	n := i - s.pos
	s.pos = i
	return n
}

// nonDigits marks with its high bit each byte of w (8 bytes, little
// endian) that is not an ASCII digit; as with specials, only the lowest
// mark is exact (a byte below '0' borrows from, one above '9' carries into,
// the bytes after it).
func nonDigits(w uint64) uint64 {
	return ((w - ones*'0') | (w + ones*(0x80-'9'-1))) & highBits
}

// number validates -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (s *scanner) number() error {
	if s.data[s.pos] == '-' {
		s.pos++
	}
	if s.pos >= len(s.data) {
		return s.fail("invalid number")
	}
	switch c := s.data[s.pos]; {
	case c == '0':
		s.pos++
	case c >= '1' && c <= '9':
		s.digits()
	default:
		return s.fail("invalid number")
	}
	if s.pos < len(s.data) && s.data[s.pos] == '.' {
		s.pos++
		if s.digits() == 0 {
			return s.fail("invalid number")
		}
	}
	if s.pos < len(s.data) && (s.data[s.pos] == 'e' || s.data[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.data) && (s.data[s.pos] == '+' || s.data[s.pos] == '-') {
			s.pos++
		}
		if s.digits() == 0 {
			return s.fail("invalid number")
		}
	}
	return nil
}

// plainEnd returns the index of the first quote, backslash or control
// character in d at or after i, or len(d): where a string starting at i
// ends when it holds no escape. It reads the first 8 bytes as one word
// (FHIR strings are short: most end there, and a call costs more than they
// do), then, where the CPU has AVX2, 32 bytes at a time in assembly
// (special_amd64.s; codes systems and display texts are longer), and 8
// bytes at a time for the rest.
func plainEnd(d []byte, i int) int {
	if i+8 <= len(d) {
		if m := specials(binary.LittleEndian.Uint64(d[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
		i += 8
		if hasAVX2 && len(d)-i >= 32 {
			r := d[i:]
			j := specialIndexAVX2(r)
			if j < len(r)&^31 {
				return i + j
			}
			i += j
		}
	}
	for i+8 <= len(d) {
		if m := specials(binary.LittleEndian.Uint64(d[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
		i += 8
	}
	for i < len(d) && d[i] != '"' && d[i] != '\\' && d[i] >= 0x20 {
		i++
	}
	return i
}

// str steps over a string at s.pos and returns the bounds of its content
// (without the quotes) and whether it holds escapes.
func (s *scanner) str() (start, end int, escaped bool, err error) {
	d := s.data
	i := s.pos + 1 // after the opening quote
	start = i
	for {
		if i = s.stringEnd(i); i >= len(d) {
			s.pos = i
			return 0, 0, false, s.fail("unterminated string")
		}
		switch c := d[i]; {
		case c == '"':
			s.pos = i + 1
			return start, i, escaped, nil
		case c == '\\':
			escaped = true
			if i+1 >= len(d) {
				s.pos = i
				return 0, 0, false, s.fail("unterminated string")
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(d)-i < 6 || !isHex(d[i+2]) || !isHex(d[i+3]) || !isHex(d[i+4]) || !isHex(d[i+5]) {
					s.pos = i
					return 0, 0, false, s.fail("invalid \\u escape")
				}
				i += 6
			default:
				s.pos = i
				return 0, 0, false, s.fail("invalid escape")
			}
		default:
			s.pos = i
			return 0, 0, false, s.fail("control character in string")
		}
	}
}

const (
	eightSpaces = 0x2020202020202020
	ones        = 0x0101010101010101
	highBits    = 0x8080808080808080
)

// specials marks with its high bit each byte of w (8 bytes, little endian)
// that is '"', '\\' or below 0x20. Bytes after the first marked one may be
// marked wrongly (a borrow of the "has zero byte" test), so only the
// lowest mark is exact: the first special byte is at
// bits.TrailingZeros64(m)/8.
func specials(w uint64) uint64 {
	quote := w ^ (ones * '"')
	backslash := w ^ (ones * '\\')
	return ((quote-ones)&^quote | (backslash-ones)&^backslash | (w-ones*0x20)&^w) & highBits
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// text reads a string value and returns it unescaped.
func (s *scanner) text() (string, error) {
	if s.peek() != '"' {
		return "", s.fail("expected a string")
	}
	start, end, escaped, err := s.str()
	if err != nil {
		return "", err
	}
	if !escaped {
		return string(s.data[start:end]), nil
	}
	out, err := unquote(s.data[start-1 : end+1])
	if err != nil {
		return "", s.fail("invalid string")
	}
	return out, nil
}

// trimmedText reads the string at s.pos, unescaped and trimmed. When known
// recognises an unescaped one (a resource type, a code system), its
// constant comes back without an allocation; known answers "" otherwise.
func (s *scanner) trimmedText(known func([]byte) string) (string, error) {
	start, end, escaped, err := s.str()
	if err != nil {
		return "", err
	}
	if escaped {
		t, err := unquote(s.data[start-1 : end+1])
		return strings.TrimSpace(t), err
	}
	b := bytes.TrimSpace(s.data[start:end])
	if k := known(b); k != "" {
		return k, nil
	}
	return string(b), nil
}

// unquote decodes a (validated) JSON string.
func unquote(q []byte) (string, error) {
	var out string
	if err := json.Unmarshal(q, &out); err != nil {
		return "", errors.New("invalid string")
	}
	return out, nil
}

func (s *scanner) enter() error {
	s.depth++
	if s.depth > maxNesting {
		return s.fail("nesting too deep")
	}
	s.pos++
	return nil
}

// The members of an object and the elements of an array are read with a
// loop, not callbacks (which cost an allocation and an indirect call per
// value on the hot path):
//
//	if err := s.enter(); err != nil { ... }     // at '{'
//	for n := 0; ; n++ {
//		key, ok, err := s.member(n)
//		if err != nil { ... }
//		if !ok { break }                         // '}' consumed
//		... consume exactly the value at s.pos ...
//	}

// member reads the name of the next member of the object entered and
// leaves s at its value; n counts the members read before. ok is false
// when the object ends (its '}' consumed).
func (s *scanner) member(n int) (key []byte, ok bool, err error) {
	// Written out on a local index, with white space handed to skipSpace:
	// this runs for every member the split reads.
	d := s.data
	var c byte
	if s.pos < len(d) && d[s.pos] > ' ' {
		c = d[s.pos]
	} else {
		c = s.peekSpace()
	}
	if n > 0 {
		switch c {
		case ',':
			s.pos++
			if s.pos < len(d) && d[s.pos] > ' ' {
				c = d[s.pos]
			} else {
				c = s.peekSpace()
			}
		case '}':
			s.pos++
			s.depth--
			return nil, false, nil
		case 0:
			return nil, false, s.fail("unexpected end of input")
		default:
			return nil, false, s.fail("expected ',' or '}'")
		}
	} else if c == '}' {
		s.pos++
		s.depth--
		return nil, false, nil
	}
	if c != '"' {
		return nil, false, s.fail("expected a member name")
	}
	s.keyStart = s.pos
	var start, end int
	var escaped bool
	i := s.pos
	j := s.quickEnd(i + 1)
	if j < 0 {
		j = s.stringEndSlow(i + 1)
	}
	if j < len(d) && d[j] == '"' {
		start, end, i = i+1, j, j+1 // a name without escapes, the common case
	} else {
		if start, end, escaped, err = s.str(); err != nil {
			return nil, false, err
		}
		i = s.pos
	}
	if i >= len(d) || d[i] != ':' {
		s.pos = i
		if s.peek() != ':' {
			return nil, false, s.fail("expected ':'")
		}
		i = s.pos
	}
	i++
	if i < len(d) && d[i] <= ' ' {
		s.pos = i
		s.skipSpace()
		i = s.pos
	}
	s.pos = i
	key = d[start:end]
	if escaped {
		var k string
		if err := json.Unmarshal(d[start-1:end+1], &k); err != nil {
			return nil, false, s.fail("invalid member name")
		}
		key = []byte(k)
	}
	return key, true, nil
}

// element moves to the next element of the array entered, leaving s at
// it; n counts the elements read before. ok is false when the array ends
// (its ']' consumed).
func (s *scanner) element(n int) (ok bool, err error) {
	var c byte
	if d := s.data; s.pos < len(d) && d[s.pos] > ' ' {
		c = d[s.pos] // compact JSON, without a call
	} else {
		c = s.peekSpace()
	}
	if n > 0 {
		switch c {
		case ',':
			s.pos++
			if d := s.data; s.pos < len(d) && d[s.pos] <= ' ' {
				s.skipSpace()
			}
			return true, nil
		case ']':
		case 0:
			return false, s.fail("unexpected end of input")
		default:
			return false, s.fail("expected ',' or ']'")
		}
	} else if c != ']' {
		return true, nil
	}
	s.pos++
	s.depth--
	return false, nil
}

// object steps over the object at s.pos. For each member it calls member
// with the (unescaped) key and s positioned at the value; member must
// consume exactly that value. For code off the hot path.
func (s *scanner) object(member func(key []byte) error) error {
	if err := s.enter(); err != nil {
		return err
	}
	for n := 0; ; n++ {
		key, ok, err := s.member(n)
		if err != nil || !ok {
			return err
		}
		if err := member(key); err != nil {
			return err
		}
	}
}

// array steps over the array at s.pos, calling elem for each element with
// s positioned at it; elem must consume exactly that value. For code off
// the hot path.
func (s *scanner) array(elem func(i int) error) error {
	if err := s.enter(); err != nil {
		return err
	}
	for n := 0; ; n++ {
		ok, err := s.element(n)
		if err != nil || !ok {
			return err
		}
		if err := elem(n); err != nil {
			return err
		}
	}
}

// compact appends src, valid JSON, to dst without the white space between
// tokens. Pretty-printed FHIR (Synthea's is 60% indentation) decodes much
// faster with encoding/json once compacted.
func compact(dst, src []byte) []byte {
	inString := false
	start := 0 // start of the run of src not yet copied
	for i := 0; i < len(src); i++ {
		c := src[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case ' ', '\t', '\n', '\r':
			dst = append(dst, src[start:i]...)
			for i+1 < len(src) && (src[i+1] == ' ' || src[i+1] == '\t' || src[i+1] == '\n' || src[i+1] == '\r') {
				i++
			}
			start = i + 1
		}
	}
	return append(dst, src[start:]...)
}

// skim steps over one value quickly without validating it: strings are
// skipped to their closing quote and brackets are counted. It serves
// values that are validated strictly later (prefetch values, which
// Builder.Add splits), so that they are not scanned strictly twice. On
// input that is not JSON it may stop anywhere; it never reads past the end.
func (s *scanner) skim() error {
	s.ws()
	d := s.data
	i := s.pos
	if i >= len(d) {
		return s.fail("unexpected end of input")
	}
	if c := d[i]; c != '{' && c != '[' {
		return s.skip()
	}
	depth := 0
	for i < len(d) {
		switch d[i] {
		case '"':
			j := i + 1
			for {
				k := bytes.IndexByte(d[j:], '"')
				if k < 0 {
					s.pos = len(d)
					return s.fail("unterminated string")
				}
				j += k
				// The quote ends the string unless an odd number of
				// backslashes precedes it.
				n := 0
				for b := j - 1; b > i && d[b] == '\\'; b-- {
					n++
				}
				if n%2 == 0 {
					break
				}
				j++
			}
			i = j + 1
			continue
		case '{', '[':
			depth++
			if depth > maxNesting {
				s.pos = i
				return s.fail("nesting too deep")
			}
		case '}', ']':
			depth--
			if depth == 0 {
				s.pos = i + 1
				return nil
			}
		}
		i++
	}
	s.pos = i
	return s.fail("unexpected end of input")
}
