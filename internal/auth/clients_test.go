package auth

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLoadClients(t *testing.T) {
	k := mustKey(t, "ES384", "clients-es384")
	goodJWKS := string(jwksJSON(t, k))
	tests := []struct {
		name    string
		clients string
		files   map[string]string // extra files beside the clients file
		want    []Client          // JWKSFile relative to the directory
		wantErr string
	}{
		{
			name: "full entry, relative jwks_file",
			clients: `{"clients":[{"issuer":"https://sandbox.cds-hooks.org","jwks_file":"keys/jwks.json","jwks_url":"https://ehr.example.org/jwks.json",
				"jku_allowlist":["https://sandbox.cds-hooks.org/.well-known/jwks.json"],"tenants":["t1"],"max_token_lifetime":"5m",
				"fhir_servers":["https://ehr.example.org/fhir/r4","https://ehr.example.org:8443/fhir"]}]}`,
			files: map[string]string{"keys/jwks.json": goodJWKS},
			want: []Client{{Issuer: "https://sandbox.cds-hooks.org", JWKSFile: "keys/jwks.json", JWKSURL: "https://ehr.example.org/jwks.json",
				JKUAllowlist: []string{"https://sandbox.cds-hooks.org/.well-known/jwks.json"}, Tenants: []string{"t1"}, MaxTokenLifetime: 5 * time.Minute,
				FHIRServers: []string{"https://ehr.example.org/fhir/r4", "https://ehr.example.org:8443/fhir"}}},
		},
		{
			name:    "lifetime defaults to 15 minutes",
			clients: `{"clients":[{"issuer":"a","jwks_url":"https://a.example/jwks"},{"issuer":"b","jku_allowlist":["https://b.example/jwks"]}]}`,
			want: []Client{{Issuer: "a", JWKSURL: "https://a.example/jwks", MaxTokenLifetime: 15 * time.Minute},
				{Issuer: "b", JKUAllowlist: []string{"https://b.example/jwks"}, MaxTokenLifetime: 15 * time.Minute}},
		},
		{name: "not JSON", clients: `clients: []`, wantErr: "not a valid clients file"},
		{name: "unknown field", clients: `{"clients":[{"issuer":"a","jwks_uri":"https://a.example/jwks"}]}`, wantErr: `unknown object member name "jwks_uri"`},
		{name: "unknown top-level field", clients: `{"clients":[{"issuer":"a","jwks_url":"https://a.example/jwks"}],"extra":1}`, wantErr: `unknown object member name "extra"`},
		{name: "trailing data", clients: `{"clients":[{"issuer":"a","jwks_url":"https://a.example/jwks"}]} {}`, wantErr: "unexpected data"},
		{name: "no clients", clients: `{"clients":[]}`, wantErr: "no clients listed"},
		// failsafe20: a member given twice, or in another letter case, was
		// read by encoding/json as the last one given: "tenants":["t1"]
		// then "Tenants":null accepted every tenant, and a second
		// "fhir_servers" replaced the first without a word.
		{name: "tenants given twice, the second null", clients: `{"clients":[{"issuer":"a","jwks_url":"https://a.example/jwks","tenants":["t1"],"tenants":null}]}`, wantErr: `duplicate object member name "tenants"`},
		{name: "tenants and Tenants", clients: `{"clients":[{"issuer":"a","jwks_url":"https://a.example/jwks","tenants":["t1"],"Tenants":null}]}`, wantErr: `unknown object member name "Tenants"`},
		{name: "fhir_servers given twice", clients: `{"clients":[{"issuer":"a","jwks_url":"https://a.example/jwks","fhir_servers":["https://e.example/fhir"],"fhir_servers":["https://f.example/fhir"]}]}`, wantErr: `duplicate object member name "fhir_servers"`},
		{name: "issuer in capitals", clients: `{"clients":[{"ISSUER":"a","jwks_url":"https://a.example/jwks"}]}`, wantErr: `unknown object member name "ISSUER"`},
		{name: "clients given twice", clients: `{"clients":[{"issuer":"a","jwks_url":"https://a.example/jwks"}],"clients":[{"issuer":"b","jwks_url":"https://b.example/jwks"}]}`, wantErr: `duplicate object member name "clients"`},
		{name: "Clients", clients: `{"Clients":[{"issuer":"a","jwks_url":"https://a.example/jwks"}]}`, wantErr: `unknown object member name "Clients"`},
		{name: "max_token_lifetime given twice", clients: `{"clients":[{"issuer":"a","jwks_url":"https://a.example/jwks","max_token_lifetime":"5m","max_token_lifetime":"24h"}]}`, wantErr: `duplicate object member name "max_token_lifetime"`},
		{name: "invalid UTF-8 in an issuer", clients: "{\"clients\":[{\"issuer\":\"a\xff\",\"jwks_url\":\"https://a.example/jwks\"}]}", wantErr: "invalid UTF-8"},

		{name: "missing issuer", clients: `{"clients":[{"jwks_url":"https://a.example/jwks"}]}`, wantErr: "client 1: issuer is required"},
		{name: "duplicate issuer", clients: `{"clients":[{"issuer":"a","jwks_url":"https://a.example/jwks"},{"issuer":"a","jwks_url":"https://a.example/jwks"}]}`, wantErr: `client 2 (issuer "a"): issuer listed twice`},
		{name: "no keys at all", clients: `{"clients":[{"issuer":"a"}]}`, wantErr: "no keys"},
		{name: "lifetime without unit", clients: `{"clients":[{"issuer":"a","jwks_url":"https://a.example/jwks","max_token_lifetime":"15"}]}`, wantErr: "not a Go duration"},
		{name: "lifetime zero", clients: `{"clients":[{"issuer":"a","jwks_url":"https://a.example/jwks","max_token_lifetime":"0s"}]}`, wantErr: "greater than zero"},
		{name: "lifetime negative", clients: `{"clients":[{"issuer":"a","jwks_url":"https://a.example/jwks","max_token_lifetime":"-1m"}]}`, wantErr: "greater than zero"},
		{name: "jwks_url not a URL", clients: `{"clients":[{"issuer":"a","jwks_url":"ehr.example.org/jwks"}]}`, wantErr: "jwks_url"},
		{name: "jku_allowlist with ftp", clients: `{"clients":[{"issuer":"a","jku_allowlist":["ftp://a.example/jwks"]}]}`, wantErr: "jku_allowlist"},
		{name: "fhir_servers entry not a URL", clients: `{"clients":[{"issuer":"a","jwks_url":"https://a.example/jwks","fhir_servers":["ehr.example.org/fhir"]}]}`, wantErr: "fhir_servers"},
		{name: "fhir_servers entry with a query", clients: `{"clients":[{"issuer":"a","jwks_url":"https://a.example/jwks","fhir_servers":["https://ehr.example.org/fhir?x=1"]}]}`, wantErr: "fhir_servers"},
		{name: "fhir_servers entry with user info", clients: `{"clients":[{"issuer":"a","jwks_url":"https://a.example/jwks","fhir_servers":["https://u:p@ehr.example.org/fhir"]}]}`, wantErr: "fhir_servers"},
		{name: "fhir_servers entry listed twice", clients: `{"clients":[{"issuer":"a","jwks_url":"https://a.example/jwks","fhir_servers":["https://e.example/fhir","https://e.example/fhir"]}]}`, wantErr: "listed twice"},
		{name: "empty tenant", clients: `{"clients":[{"issuer":"a","jwks_url":"https://a.example/jwks","tenants":[""]}]}`, wantErr: "empty tenant"},
		{name: "jwks_file missing", clients: `{"clients":[{"issuer":"a","jwks_file":"gone.json"}]}`, wantErr: "gone.json"},
		{name: "jwks_file not a JWK Set", clients: `{"clients":[{"issuer":"a","jwks_file":"k.json"}]}`, files: map[string]string{"k.json": `{"kty":"EC"}`}, wantErr: "no keys"},
		{name: "jwks_file not JSON", clients: `{"clients":[{"issuer":"a","jwks_file":"k.json"}]}`, files: map[string]string{"k.json": `-----BEGIN PUBLIC KEY-----`}, wantErr: "not a JWK Set"},
		{name: "jwks_file with a symmetric key", clients: `{"clients":[{"issuer":"a","jwks_file":"k.json"}]}`, files: map[string]string{"k.json": `{"keys":[{"kty":"oct","kid":"s","k":"c2VjcmV0"}]}`}, wantErr: `kty "oct"`},
		{name: "jwks_file with a private key", clients: `{"clients":[{"issuer":"a","jwks_file":"k.json"}]}`, files: map[string]string{"k.json": strings.Replace(goodJWKS, `"kid"`, `"d":"AAAA","kid"`, 1)}, wantErr: "private key"},
		{name: "jwks_file key without kid", clients: `{"clients":[{"issuer":"a","jwks_file":"k.json"}]}`, files: map[string]string{"k.json": strings.Replace(goodJWKS, `"kid":"clients-es384"`, `"kid":""`, 1)}, wantErr: "no kid"},
		{name: "jwks_file bad point", clients: `{"clients":[{"issuer":"a","jwks_file":"k.json"}]}`, files: map[string]string{"k.json": `{"keys":[{"kty":"EC","crv":"P-384","kid":"x","x":"AAAA","y":"AAAA"}]}`}, wantErr: `kid "x"`},
		{name: "jwks_file encryption key", clients: `{"clients":[{"issuer":"a","jwks_file":"k.json"}]}`, files: map[string]string{"k.json": strings.Replace(goodJWKS, `"use":"sig"`, `"use":"enc"`, 1)}, wantErr: `use "enc"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range tc.files {
				p := filepath.Join(dir, filepath.FromSlash(name))
				if err := mkdirAll(filepath.Dir(p)); err != nil {
					t.Fatal(err)
				}
				writeFile(t, filepath.Dir(p), filepath.Base(p), []byte(data))
			}
			path := writeFile(t, dir, "clients.json", []byte(tc.clients))
			got, err := LoadClients(path)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("LoadClients error = %v, want it to contain %q", err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), "\n") {
					t.Errorf("error %q should be one line naming the file", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadClients: %v", err)
			}
			for i := range tc.want {
				if tc.want[i].JWKSFile != "" {
					tc.want[i].JWKSFile = filepath.Join(dir, filepath.FromSlash(tc.want[i].JWKSFile))
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("LoadClients = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestLoadClientsMissingFile(t *testing.T) {
	_, err := LoadClients(filepath.Join(t.TempDir(), "clients.json"))
	if err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("LoadClients = %v, want a no such file error", err)
	}
}

func TestLoadClientsSandboxFile(t *testing.T) {
	got, err := LoadClients(filepath.Join("..", "..", "testdata", "auth", "sandbox-clients.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Issuer != "https://sandbox.cds-hooks.org" || filepath.Base(got[0].JWKSFile) != "sandbox-jwks.json" {
		t.Fatalf("sandbox clients = %+v", got)
	}
}
