package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/MicahParks/jwkset"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// DefaultMaxTokenLifetime is the longest exp - iat accepted when a client
// sets no max_token_lifetime (contract section 3).
const DefaultMaxTokenLifetime = 15 * time.Minute

// maxClientsFile bounds the size of the clients file and of a jwks_file.
const maxClientsFile = 1 << 20

// Client is one trusted CDS client (an EHR) from the clients file.
type Client struct {
	// Issuer must equal the token's iss.
	Issuer string
	// JWKSFile is a JWK Set file; LoadClients makes a relative path
	// relative to the clients file.
	JWKSFile string
	// JWKSURL is where the client publishes its JWK Set (https).
	JWKSURL string
	// JKUAllowlist lists the jku URLs a token may carry. With neither
	// JWKSFile nor JWKSURL, keys are fetched from the token's jku, and only
	// from these URLs.
	JKUAllowlist []string
	// Tenants, when set, lists the only tenant claims accepted.
	Tenants []string
	// MaxTokenLifetime bounds exp - iat (DefaultMaxTokenLifetime when 0).
	MaxTokenLifetime time.Duration
	// FHIRServers are the FHIR base URLs this client's calls may name as
	// fhirServer (contract 6.6): FHIR fallback contacts no other server.
	// Empty: fallback is refused for this client's calls.
	FHIRServers []string
}

type clientsFileJSON struct {
	Clients []clientJSON `json:"clients"`
}

type clientJSON struct {
	Issuer           string   `json:"issuer"`
	JWKSFile         string   `json:"jwks_file"`
	JWKSURL          string   `json:"jwks_url"`
	JKUAllowlist     []string `json:"jku_allowlist"`
	Tenants          []string `json:"tenants"`
	MaxTokenLifetime string   `json:"max_token_lifetime"`
	FHIRServers      []string `json:"fhir_servers"`
}

// LoadClients reads and checks the trusted clients file (contract section
// 3). Any problem is an error naming the file, the client and the field, so
// that start-up can stop with one clear line.
func LoadClients(path string) ([]Client, error) {
	raw, err := readLimited(path)
	if err != nil {
		return nil, fmt.Errorf("clients file %q: %w", path, err)
	}
	// Read strictly (failsafe20): member names in their case, each once,
	// valid UTF-8, nothing after the object. encoding/json took
	// "Tenants" for "tenants" and the last of two, so a second
	// "tenants": null opened the client to every tenant without a word.
	var f clientsFileJSON
	if err := jsonv2.Unmarshal(raw, &f, jsonv2.RejectUnknownMembers(true)); err != nil {
		if _, ok := errors.AsType[*jsontext.SyntacticError](err); ok && strings.Contains(err.Error(), "after top-level value") {
			return nil, fmt.Errorf("clients file %q: unexpected data after the JSON object", path)
		}
		return nil, fmt.Errorf("clients file %q: not a valid clients file: %w", path, err)
	}
	if len(f.Clients) == 0 {
		return nil, fmt.Errorf("clients file %q: no clients listed", path)
	}
	dir := filepath.Dir(path)
	out := make([]Client, 0, len(f.Clients))
	for i, cj := range f.Clients {
		c := Client{
			Issuer:       cj.Issuer,
			JWKSFile:     cj.JWKSFile,
			JWKSURL:      cj.JWKSURL,
			JKUAllowlist: cj.JKUAllowlist,
			Tenants:      cj.Tenants,
			FHIRServers:  cj.FHIRServers,
		}
		if cj.MaxTokenLifetime != "" {
			d, err := time.ParseDuration(cj.MaxTokenLifetime)
			if err != nil {
				return nil, fmt.Errorf("clients file %q: %s: max_token_lifetime %q is not a Go duration such as \"15m\"", path, clientName(i, cj.Issuer), cj.MaxTokenLifetime)
			}
			if d <= 0 {
				return nil, fmt.Errorf("clients file %q: %s: max_token_lifetime %q must be greater than zero", path, clientName(i, cj.Issuer), cj.MaxTokenLifetime)
			}
			c.MaxTokenLifetime = d
		} else {
			c.MaxTokenLifetime = DefaultMaxTokenLifetime
		}
		if c.JWKSFile != "" && !filepath.IsAbs(c.JWKSFile) {
			c.JWKSFile = filepath.Join(dir, c.JWKSFile)
		}
		out = append(out, c)
	}
	if err := checkClients(out); err != nil {
		return nil, fmt.Errorf("clients file %q: %w", path, err)
	}
	for i, c := range out {
		if c.JWKSFile == "" {
			continue
		}
		if _, err := loadJWKSFile(c.JWKSFile); err != nil {
			return nil, fmt.Errorf("clients file %q: %s: %w", path, clientName(i, c.Issuer), err)
		}
	}
	return out, nil
}

// checkClients checks what does not need the network or the file system:
// issuers present and unique, some source of keys, well-formed URLs,
// tenants and lifetimes.
func checkClients(clients []Client) error {
	if len(clients) == 0 {
		return errors.New("no trusted clients")
	}
	seen := make(map[string]bool, len(clients))
	for i, c := range clients {
		name := clientName(i, c.Issuer)
		if strings.TrimSpace(c.Issuer) == "" {
			return fmt.Errorf("%s: issuer is required", name)
		}
		if strings.TrimSpace(c.Issuer) != c.Issuer {
			return fmt.Errorf("%s: issuer has leading or trailing spaces", name)
		}
		if seen[c.Issuer] {
			return fmt.Errorf("%s: issuer listed twice", name)
		}
		seen[c.Issuer] = true
		if c.JWKSFile == "" && c.JWKSURL == "" && len(c.JKUAllowlist) == 0 {
			return fmt.Errorf("%s: no keys: set jwks_file, jwks_url or jku_allowlist", name)
		}
		if c.JWKSURL != "" {
			if err := checkKeyURL(c.JWKSURL); err != nil {
				return fmt.Errorf("%s: jwks_url: %w", name, err)
			}
		}
		for _, u := range c.JKUAllowlist {
			if err := checkKeyURL(u); err != nil {
				return fmt.Errorf("%s: jku_allowlist: %w", name, err)
			}
		}
		tenants := make(map[string]bool, len(c.Tenants))
		for _, t := range c.Tenants {
			if t == "" {
				return fmt.Errorf("%s: tenants: empty tenant", name)
			}
			if tenants[t] {
				return fmt.Errorf("%s: tenants: %q listed twice", name, t)
			}
			tenants[t] = true
		}
		fhirServers := make(map[string]bool, len(c.FHIRServers))
		for _, u := range c.FHIRServers {
			if err := checkFHIRServer(u); err != nil {
				return fmt.Errorf("%s: fhir_servers: %w", name, err)
			}
			if fhirServers[u] {
				return fmt.Errorf("%s: fhir_servers: %q listed twice", name, u)
			}
			fhirServers[u] = true
		}
		if c.MaxTokenLifetime < 0 {
			return fmt.Errorf("%s: max_token_lifetime must be greater than zero", name)
		}
	}
	return nil
}

// checkKeyURL checks that u is an absolute http(s) URL without user info or
// fragment. Whether plain http is allowed is decided by the Verifier.
func checkKeyURL(u string) error {
	p, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("%q is not a URL", u)
	}
	if p.Scheme != "https" && p.Scheme != "http" {
		return fmt.Errorf("%q is not an https URL", u)
	}
	if p.Host == "" || p.User != nil || p.Fragment != "" {
		return fmt.Errorf("%q must be an absolute URL without user info or fragment", u)
	}
	return nil
}

// checkFHIRServer checks that u is an absolute http(s) FHIR base URL
// without user info, query or fragment. Whether plain http may be used is
// decided by the FHIR client (--allow-http-fhir).
func checkFHIRServer(u string) error {
	p, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("%q is not a URL", u)
	}
	if p.Scheme != "https" && p.Scheme != "http" {
		return fmt.Errorf("%q is not an https URL", u)
	}
	if p.Host == "" || p.User != nil || p.RawQuery != "" || p.ForceQuery || p.Fragment != "" {
		return fmt.Errorf("%q must be an absolute URL without user info, query or fragment", u)
	}
	return nil
}

func clientName(i int, issuer string) string {
	if issuer == "" {
		return fmt.Sprintf("client %d", i+1)
	}
	return fmt.Sprintf("client %d (issuer %q)", i+1, issuer)
}

// loadJWKSFile reads a JWK Set of public signature keys. Private or
// symmetric keys, keys without kid, duplicate kids and unparsable keys are
// refused: they are configuration mistakes that should stop start-up.
func loadJWKSFile(path string) (jwkset.Storage, error) {
	raw, err := readLimited(path)
	if err != nil {
		return nil, fmt.Errorf("jwks_file %q: %w", path, err)
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(raw, &set); err != nil {
		return nil, fmt.Errorf("jwks_file %q: not a JWK Set: %w", path, err)
	}
	if len(set.Keys) == 0 {
		return nil, fmt.Errorf("jwks_file %q: not a JWK Set: no keys", path)
	}
	store := jwkset.NewMemoryStorage()
	kids := make(map[string]bool, len(set.Keys))
	for i, k := range set.Keys {
		var m jwkset.JWKMarshal
		if err := json.Unmarshal(k, &m); err != nil {
			return nil, fmt.Errorf("jwks_file %q: key %d: %w", path, i+1, err)
		}
		switch {
		case m.KTY != jwkset.KtyEC && m.KTY != jwkset.KtyRSA:
			return nil, fmt.Errorf("jwks_file %q: key %d: kty %q is not EC or RSA", path, i+1, m.KTY)
		case m.D != "" || m.P != "" || m.K != "":
			return nil, fmt.Errorf("jwks_file %q: key %d: holds private key material; publish only public keys", path, i+1)
		case m.KID == "":
			return nil, fmt.Errorf("jwks_file %q: key %d: no kid", path, i+1)
		case kids[m.KID]:
			return nil, fmt.Errorf("jwks_file %q: key %d: kid %q listed twice", path, i+1, m.KID)
		case m.USE != "" && m.USE != jwkset.UseSig:
			return nil, fmt.Errorf("jwks_file %q: key %d: use %q is not sig", path, i+1, m.USE)
		}
		kids[m.KID] = true
		jwk, err := jwkset.NewJWKFromMarshal(m, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
		if err != nil {
			return nil, fmt.Errorf("jwks_file %q: key %d (kid %q): %w", path, i+1, m.KID, err)
		}
		if err := checkPublicKey(jwk.Key()); err != nil {
			return nil, fmt.Errorf("jwks_file %q: key %d (kid %q): %w", path, i+1, m.KID, err)
		}
		if err := store.KeyWrite(context.Background(), jwk); err != nil {
			return nil, fmt.Errorf("jwks_file %q: key %d: %w", path, i+1, err)
		}
	}
	return store, nil
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxClientsFile+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > maxClientsFile {
		return nil, fmt.Errorf("larger than %d bytes", maxClientsFile)
	}
	return raw, nil
}
