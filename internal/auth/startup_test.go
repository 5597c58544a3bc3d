package auth

import (
	"strings"
	"testing"

	"jakguard/internal/syncbuf"
)

func TestCheckStartup(t *testing.T) {
	tests := []struct {
		name     string
		addr     string
		clients  string
		allow    bool
		wantAuth bool
		wantErr  string
		wantLog  string
	}{
		{name: "clients file", addr: "0.0.0.0:8080", clients: "clients.json", wantAuth: true},
		{name: "no clients on 127.0.0.1", addr: "127.0.0.1:8080", wantLog: `"level":"WARN"`},
		{name: "no clients on ::1", addr: "[::1]:8080", wantLog: "AUTHENTICATION DISABLED"},
		{name: "no clients on localhost", addr: "localhost:8080", wantLog: "AUTHENTICATION DISABLED"},
		{name: "no clients on all interfaces", addr: ":8080", wantErr: "refusing to serve unauthenticated"},
		{name: "no clients on 0.0.0.0", addr: "0.0.0.0:8080", wantErr: "refusing to serve unauthenticated"},
		{name: "no clients on a LAN address", addr: "10.1.2.3:8080", wantErr: "--allow-unauthenticated"},
		{name: "allow-unauthenticated anywhere, loudly", addr: "0.0.0.0:8080", allow: true, wantLog: `"level":"ERROR"`},
		{name: "both flags contradict", addr: "127.0.0.1:8080", clients: "c.json", allow: true, wantErr: "contradict"},
		{name: "bad address", addr: "nonsense", wantErr: "listen address"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logs := &syncbuf.Buffer{}
			auth, err := CheckStartup(tc.addr, tc.clients, tc.allow, newLogger(logs))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("CheckStartup error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || auth != tc.wantAuth {
				t.Fatalf("CheckStartup = %v, %v; want %v, nil", auth, err, tc.wantAuth)
			}
			if tc.wantLog != "" && !strings.Contains(logs.String(), tc.wantLog) {
				t.Fatalf("log %q lacks %q", logs, tc.wantLog)
			}
			if tc.wantAuth && logs.String() != "" {
				t.Fatalf("authenticated start logged %q", logs)
			}
		})
	}
}
