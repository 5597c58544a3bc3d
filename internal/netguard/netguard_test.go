package netguard

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// The addresses of cloud metadata services and link-local networks are
// never dialled; loopback only when DenyLoopback is off; private networks
// (where hospital FHIR servers live) always.
func TestDeniedAddr(t *testing.T) {
	cases := []struct {
		ip           string
		denyLoopback bool
		want         bool
	}{
		{"169.254.169.254", false, true}, // AWS, GCP, Azure, OCI metadata
		{"169.254.170.2", false, true},   // ECS task metadata
		{"169.254.0.1", false, true},
		{"::ffff:169.254.169.254", false, true}, // IPv4-mapped
		{"fe80::1", false, true},
		{"febf::1", false, true},
		{"fd00:ec2::254", false, true},
		{"100.100.100.200", false, true}, // Alibaba metadata
		{"168.63.129.16", false, true},   // Azure WireServer
		{"0.0.0.0", false, true},
		{"::", false, true},
		{"64:ff9b::a9fe:a9fe", false, true}, // NAT64 of 169.254.169.254
		{"2002:a9fe:a9fe::1", false, true},  // 6to4 of 169.254.169.254
		{"224.0.0.1", false, true},
		{"127.0.0.1", false, false},
		{"127.0.0.1", true, true},
		{"::1", true, true},
		{"::ffff:127.0.0.1", true, true},
		{"10.0.0.5", true, false},
		{"172.16.4.4", true, false},
		{"192.168.1.10", true, false},
		{"100.100.100.201", true, false},
		{"fd00::1", true, false},
		{"203.0.113.7", true, false},
		{"169.253.255.255", true, false},
		{"169.255.0.0", true, false},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s deny-loopback=%v", tc.ip, tc.denyLoopback), func(t *testing.T) {
			if got := DeniedAddr(netip.MustParseAddr(tc.ip), tc.denyLoopback); got != tc.want {
				t.Errorf("DeniedAddr = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestBaseURL(t *testing.T) {
	cases := map[string]string{
		"https://EHR.example.org/fhir/":         "https://ehr.example.org/fhir",
		"https://ehr.example.org:443/fhir":      "https://ehr.example.org/fhir",
		"https://ehr.example.org:8443/fhir/r4":  "https://ehr.example.org:8443/fhir/r4",
		"https://ehr.example.org/fhir/x/../r4/": "https://ehr.example.org/fhir/r4",
		"https://ehr.example.org":               "https://ehr.example.org",
		"http://127.0.0.1:80/fhir":              "http://127.0.0.1/fhir",
		"https://[::1]:443/fhir":                "https://[::1]/fhir",
		"https://ehr.example.org/fhir?x=1":      "",
		"https://u:p@ehr.example.org/fhir":      "",
		"ftp://ehr.example.org/fhir":            "",
		"/fhir":                                 "",
		"https://ehr.example.org/fhir#fragment": "",
	}
	for in, want := range cases {
		got, err := BaseURL(in)
		if want == "" {
			if err == nil {
				t.Errorf("BaseURL(%q) = %q, want an error", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("BaseURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// Budget.Read spends before it holds: a body of known size reserves it at
// once, one of unknown size chunk by chunk, and a body given up on gives
// its bytes back.
func TestBudgetRead(t *testing.T) {
	body := strings.Repeat("x", 100<<10)
	cases := []struct {
		name         string
		size, limit  int64
		budget       int64
		wantErr      error
		wantLeft     int64
		unknownSized bool
	}{
		{"known size within both", int64(len(body)), 1 << 20, 1 << 20, nil, 1<<20 - int64(len(body)), false},
		{"known size over the limit", int64(len(body)), 1 << 10, 1 << 20, ErrTooLarge, 1 << 20, false},
		{"known size over the budget", int64(len(body)), 1 << 20, 1 << 10, ErrExhausted, 1 << 10, false},
		{"unknown size within both", -1, 1 << 20, 1 << 20, nil, 1<<20 - int64(len(body)), true},
		{"unknown size over the limit", -1, 50 << 10, 1 << 20, ErrTooLarge, 1 << 20, true},
		{"unknown size over the budget", -1, 1 << 20, 50 << 10, ErrExhausted, 50 << 10, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBudget(tc.budget)
			got, err := b.Read(strings.NewReader(body), tc.size, tc.limit)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err == nil && string(got) != body {
				t.Errorf("read %d bytes, want %d", len(got), len(body))
			}
			if b.Left() != tc.wantLeft {
				t.Errorf("left %d, want %d", b.Left(), tc.wantLeft)
			}
		})
	}
}

// Join keeps a relative query under the base; anything that could name
// another place is refused.
func TestJoin(t *testing.T) {
	base, _ := url.Parse("https://ehr.example.org/fhir/r4")
	for rel, want := range map[string]string{
		"Observation?code=http://loinc.org|718-7": "https://ehr.example.org/fhir/r4/Observation?code=http://loinc.org|718-7",
		"Patient/1":                 "https://ehr.example.org/fhir/r4/Patient/1",
		"x/../Patient/1":            "https://ehr.example.org/fhir/r4/Patient/1",
		"../admin":                  "",
		"/admin":                    "",
		"//evil.example/Patient/1":  "",
		"https://evil.example/fhir": "",
		"Patient:1":                 "",
		"Patient\\1":                "",
		"Patient?name=a b":          "",
		"Patient#x":                 "",
		"":                          "",
	} {
		u, ok := Join(base, rel)
		switch {
		case ok && u.String() != want:
			t.Errorf("Join(%q) = %q, want %q", rel, u, want)
		case !ok && want != "":
			t.Errorf("Join(%q) refused, want %q", rel, want)
		}
	}
}

// Response headers are bounded on every transport a request on a caller's
// behalf goes through: the guard's own, and one passed in (a smaller
// bound kept).
func TestResponseHeadersBounded(t *testing.T) {
	eq(t, MaxResponseHeaderBytes, Transport(false).MaxResponseHeaderBytes)
	eq(t, MaxResponseHeaderBytes, Guard(&http.Transport{}, false).MaxResponseHeaderBytes)
	eq(t, MaxResponseHeaderBytes, Guard(&http.Transport{MaxResponseHeaderBytes: 1 << 30}, false).MaxResponseHeaderBytes)
	eq(t, 1024, Guard(&http.Transport{MaxResponseHeaderBytes: 1024}, false).MaxResponseHeaderBytes)
	eq(t, MaxResponseHeaderBytes, HTTPClient(nil, false).Transport.(*http.Transport).MaxResponseHeaderBytes)
}

func eq(t *testing.T, want, got int64) {
	t.Helper()
	if want != got {
		t.Errorf("MaxResponseHeaderBytes = %d, want %d", got, want)
	}
}
