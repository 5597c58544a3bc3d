package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"jakguard/internal/auth"
)

// devIssuer is the default iss of development tokens.
const devIssuer = "jakguard-dev"

// tokenMintSetup signs a development token for one URL, with the key in
// --key; --new-key first creates the key, its JWKS and, with --clients, a
// clients-file entry trusting it. The token alone goes to stdout.
func tokenMintSetup(fs *flagSet, sio stdio) func(context.Context) error {
	keyFile := fs.String("key", "", "", "ES384 private key (PKCS #8 PEM) that signs the token (required)")
	newKey := fs.Bool("new-key", "", false, "create --key (it must not exist yet) and write its public JWKS to --jwks")
	jwksFile := fs.String("jwks", "", "", "with --new-key: where to write the public JWK Set (default: --key with .jwks.json instead of .pem)")
	clientsFile := fs.String("clients", "", "", "with --new-key: clients file to add an entry trusting the key to (created if missing)")
	url := fs.String("url", "", "", "the exact URL the token is for (its aud), e.g. http://127.0.0.1:8080/cds-services/order-select (required)")
	iss := fs.String("iss", "", devIssuer, "issuer (iss) of the token, and of the clients-file entry")
	ttl := fs.Duration("ttl", "", auth.MaxDevTokenLifetime, "token lifetime (exp - iat), at most 5m")
	tenant := fs.String("tenant", "", "", "tenant claim, if the clients file restricts tenants")
	jku := fs.String("jku", "", "", "jku header, to test a client whose keys come from a jku")
	return func(context.Context) error {
		if *keyFile == "" || *url == "" {
			return usagef("token mint: --key and --url are required")
		}
		if !*newKey && (*jwksFile != "" || *clientsFile != "") {
			return usagef("token mint: --jwks and --clients are written only with --new-key")
		}
		var key *auth.DevKey
		if *newKey {
			k, err := createDevKey(sio.stderr, *keyFile, *jwksFile, *clientsFile, *iss)
			if err != nil {
				return fmt.Errorf("token mint: %w", err)
			}
			key = k
		} else {
			b, err := os.ReadFile(*keyFile)
			if err != nil {
				return fmt.Errorf("token mint: --key: %w (create one with --new-key)", err)
			}
			if key, err = auth.ParseDevKey(b); err != nil {
				return fmt.Errorf("token mint: --key %s: %w", *keyFile, err)
			}
		}
		tok, err := key.Mint(auth.DevToken{Issuer: *iss, Audience: *url, Lifetime: *ttl, Tenant: *tenant, JKU: *jku})
		if err != nil {
			return fmt.Errorf("token mint: %w", err)
		}
		fmt.Fprintln(sio.stdout, tok)
		return nil
	}
}

// createDevKey writes a new key, its JWKS and the clients-file entry.
func createDevKey(stderr io.Writer, keyFile, jwksFile, clientsFile, iss string) (*auth.DevKey, error) {
	if jwksFile == "" {
		jwksFile = strings.TrimSuffix(keyFile, filepath.Ext(keyFile)) + ".jwks.json"
	}
	key, err := auth.NewDevKey()
	if err != nil {
		return nil, err
	}
	pemBytes, err := key.PrivatePEM()
	if err != nil {
		return nil, err
	}
	jwks, err := key.JWKS()
	if err != nil {
		return nil, err
	}
	var entry []byte
	if clientsFile != "" {
		if entry, err = addDevClient(clientsFile, jwksFile, iss); err != nil {
			return nil, fmt.Errorf("--clients %s: %w", clientsFile, err)
		}
	}
	if err := writeNew(keyFile, pemBytes, 0o600); err != nil {
		return nil, fmt.Errorf("--key: %w", err)
	}
	if err := os.WriteFile(jwksFile, append(jwks, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("--jwks: %w", err)
	}
	fmt.Fprintf(stderr, "wrote %s (private key, kid %s) and %s (its public JWK Set)\n", keyFile, key.KID, jwksFile)
	if entry != nil {
		if err := os.WriteFile(clientsFile, entry, 0o644); err != nil {
			return nil, fmt.Errorf("--clients: %w", err)
		}
		fmt.Fprintf(stderr, "added issuer %q with jwks_file %s to %s (development only: never trust this key in production)\n", iss, jwksFile, clientsFile)
	}
	return key, nil
}

// writeNew writes a file that must not exist yet.
func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s exists: remove it or drop --new-key to sign with it", path)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// addDevClient returns the clients file with an entry for iss whose keys are
// jwksFile (relative to the clients file when possible). Other entries and
// members are kept; an entry for the same issuer is an error.
func addDevClient(clientsFile, jwksFile, iss string) ([]byte, error) {
	doc := map[string]any{}
	switch b, err := os.ReadFile(clientsFile); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			return nil, fmt.Errorf("not a clients file: %w", err)
		}
	}
	list, _ := doc["clients"].([]any)
	if _, ok := doc["clients"]; ok && list == nil {
		return nil, errors.New(`"clients" is not a list`)
	}
	for _, c := range list {
		if m, ok := c.(map[string]any); ok && m["issuer"] == iss {
			return nil, fmt.Errorf("issuer %q is already listed; give another --iss or edit the file", iss)
		}
	}
	rel := jwksFile
	if abs, err := filepath.Abs(jwksFile); err == nil {
		if dir, err := filepath.Abs(filepath.Dir(clientsFile)); err == nil {
			if r, err := filepath.Rel(dir, abs); err == nil && !strings.HasPrefix(r, "..") {
				rel = filepath.ToSlash(r)
			} else {
				rel = abs
			}
		}
	}
	doc["clients"] = append(list, map[string]any{
		"issuer":             iss,
		"jwks_file":          rel,
		"max_token_lifetime": auth.MaxDevTokenLifetime.String(),
	})
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// tokenInspectSetup checks a token against a clients file for one URL with
// the service's own verifier and prints each check.
func tokenInspectSetup(fs *flagSet, sio stdio) func(context.Context) error {
	token := fs.arg("TOKEN")
	clientsFile := fs.String("clients", "JAKGUARD_CLIENTS", "", "trusted clients file, as given to serve (required)")
	url := fs.String("url", "", "", "the exact URL the token was sent to, e.g. https://cds.example.org/cds-services/order-sign (required)")
	at := fs.String("at", "", "", "check as of this `time` (RFC 3339, e.g. 2026-12-01T10:00:00Z; default now), for a recorded token")
	publicURL := fs.String("public-url", "JAKGUARD_PUBLIC_URL", "", "the service's --public-url, when it may differ from the URL called: aud must then be {public-url} + the path of --url")
	return func(ctx context.Context) error {
		if *clientsFile == "" || *url == "" {
			return usagef("token inspect: --clients and --url are required")
		}
		raw := token()
		if raw == "-" {
			b, err := io.ReadAll(io.LimitReader(stdin, 64<<10))
			if err != nil {
				return fmt.Errorf("token inspect: stdin: %w", err)
			}
			raw = string(b)
		}
		var now time.Time
		if *at != "" {
			t, err := time.Parse(time.RFC3339, *at)
			if err != nil {
				return usagef("token inspect: --at %q: want an RFC 3339 time such as 2026-12-01T10:00:00Z", *at)
			}
			now = t
		}
		clients, err := auth.LoadClients(*clientsFile)
		if err != nil {
			return fmt.Errorf("token inspect: --clients: %w", err)
		}
		ins, err := auth.InspectToken(ctx, raw, *url, clients, auth.InspectOptions{Now: now, PublicURL: *publicURL})
		if err != nil {
			return fmt.Errorf("token inspect: %w", err)
		}
		writeInspection(sio.stdout, ins, *clientsFile, *url)
		if ins.Verdict != nil {
			return fmt.Errorf("token inspect: refused: %s", ins.Reason)
		}
		return nil
	}
}

func writeInspection(w io.Writer, ins *auth.Inspection, clientsFile, url string) {
	fmt.Fprintln(w, "token (as sent; nothing in it is trusted until the checks pass)")
	if ins.Header != nil {
		var hdr []string
		for _, k := range []string{"alg", "typ", "kid", "jku"} {
			if v, ok := ins.Header[k]; ok {
				hdr = append(hdr, fmt.Sprintf("%s %v", k, v))
			}
		}
		fmt.Fprintf(w, "  header  %s\n", strings.Join(hdr, ", "))
	}
	for _, k := range []string{"iss", "aud", "iat", "nbf", "exp", "jti", "tenant"} {
		v, ok := ins.Claims[k]
		if !ok {
			continue
		}
		if f, isNum := v.(float64); isNum && (k == "iat" || k == "nbf" || k == "exp") {
			v = fmt.Sprintf("%.0f = %s", f, time.Unix(int64(f), 0).UTC().Format(time.RFC3339))
		}
		fmt.Fprintf(w, "  %-7s %v\n", k, v)
	}
	fmt.Fprintf(w, "\nchecks for %s\n  (public URL %s, path %s; clients %s; at %s)\n", url, ins.PublicURL, ins.Path, clientsFile, ins.At.UTC().Format(time.RFC3339))
	for _, c := range ins.Checks {
		switch c.Status {
		case auth.CheckOK:
			fmt.Fprintf(w, "  ok    %-10s %s\n", c.Name, c.Received)
		case auth.CheckFail:
			fmt.Fprintf(w, "  FAIL  %-10s expected %s\n", c.Name, c.Expected)
			fmt.Fprintf(w, "        %-10s received %s\n", "", c.Received)
		default:
			fmt.Fprintf(w, "  -     %-10s %s\n", c.Name, c.Note)
			continue
		}
		if c.Note != "" {
			fmt.Fprintf(w, "        %-10s %s\n", "", c.Note)
		}
	}
	if ins.Verdict == nil {
		fmt.Fprintln(w, "\nverdict: ACCEPTED: the service would answer this call (unless the jti was used before)")
		return
	}
	fmt.Fprintf(w, "\nverdict: REFUSED (reason %q: %s): the service answers 401\n", ins.Reason, ins.Verdict)
}
