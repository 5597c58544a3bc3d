package auth

// Development tokens: a signing key for a test EHR, tokens signed with it,
// and a readable check of any token against a clients file (jakguard token
// mint / inspect). The verdict of InspectToken is the Verifier's own; the
// checks around it only explain it.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// MaxDevTokenLifetime is the longest lifetime of a development token
// (exp - iat), as short as the CDS Hooks Sandbox's.
const MaxDevTokenLifetime = 5 * time.Minute

// DevKey is an ES384 (P-384) signing key of a development EHR, with its kid:
// the RFC 7638 thumbprint of the public key, so the same key always has the
// same kid.
type DevKey struct {
	Key *ecdsa.PrivateKey
	KID string
}

// NewDevKey generates a key.
func NewDevKey() (*DevKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return newDevKey(k)
}

func newDevKey(k *ecdsa.PrivateKey) (*DevKey, error) {
	m, err := publicJWK(&k.PublicKey, "")
	if err != nil {
		return nil, err
	}
	// RFC 7638: the required members, in lexicographic order, no spaces.
	canon := fmt.Sprintf(`{"crv":%q,"kty":"EC","x":%q,"y":%q}`, m.CRV, m.X, m.Y)
	sum := sha256.Sum256([]byte(canon))
	return &DevKey{Key: k, KID: base64.RawURLEncoding.EncodeToString(sum[:])}, nil
}

// ParseDevKey reads a key written by PrivatePEM (PKCS #8, P-384 only).
func ParseDevKey(pemBytes []byte) (*DevKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("not a PEM \"PRIVATE KEY\" (PKCS #8) file")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("not a PKCS #8 private key: %w", err)
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok || ek.Curve != elliptic.P384() {
		return nil, errors.New("not an EC P-384 key (ES384)")
	}
	return newDevKey(ek)
}

// PrivatePEM is the private key as PKCS #8 PEM.
func (k *DevKey) PrivatePEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k.Key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// JWKS is the JWK Set of the public key (kid, alg ES384, use sig), as a
// clients file's jwks_file or an EHR's JWKS URL serves it.
func (k *DevKey) JWKS() ([]byte, error) {
	m, err := publicJWK(&k.Key.PublicKey, k.KID)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(jwkset.JWKSMarshal{Keys: []jwkset.JWKMarshal{m}}, "", "  ")
}

func publicJWK(pub *ecdsa.PublicKey, kid string) (jwkset.JWKMarshal, error) {
	j, err := jwkset.NewJWKFromKey(pub, jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{ALG: jwkset.AlgES384, KID: kid, USE: jwkset.UseSig}})
	if err != nil {
		return jwkset.JWKMarshal{}, err
	}
	return j.Marshal(), nil
}

// DevToken describes a development token.
type DevToken struct {
	Issuer   string        // iss
	Audience string        // aud: the exact URL the token is for
	Lifetime time.Duration // exp - iat; at most MaxDevTokenLifetime (default)
	Tenant   string        // tenant claim, if any
	JKU      string        // jku header, if any
	Now      time.Time     // iat (default the current time)
}

// Mint signs a token as a CDS client does (CDS Hooks 2.0.1, "Trusting CDS
// Clients"): header alg ES384, typ JWT, kid; claims iss, aud, iat, exp and a
// fresh jti.
func (k *DevKey) Mint(t DevToken) (string, error) {
	if t.Issuer == "" {
		return "", errors.New("no issuer")
	}
	if err := checkCallURL(t.Audience); err != nil {
		return "", err
	}
	if t.Lifetime == 0 {
		t.Lifetime = MaxDevTokenLifetime
	}
	if t.Lifetime < 0 || t.Lifetime > MaxDevTokenLifetime {
		return "", fmt.Errorf("lifetime %s: want more than 0 and at most %s", t.Lifetime, MaxDevTokenLifetime)
	}
	if t.Now.IsZero() {
		t.Now = time.Now()
	}
	c := jwt.MapClaims{
		"iss": t.Issuer,
		"aud": t.Audience,
		"iat": t.Now.Unix(),
		"exp": t.Now.Add(t.Lifetime).Unix(),
		"jti": uuid.NewString(),
	}
	if t.Tenant != "" {
		c["tenant"] = t.Tenant
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES384, c)
	tok.Header["kid"] = k.KID
	if t.JKU != "" {
		tok.Header["jku"] = t.JKU
	}
	return tok.SignedString(k.Key)
}

// SplitCallURL splits the URL an EHR calls into the public URL (what
// --public-url must be) and the request path the service sees
// ("/cds-services...").
func SplitCallURL(callURL string) (publicURL, path string, err error) {
	if err := checkCallURL(callURL); err != nil {
		return "", "", err
	}
	i := strings.LastIndex(callURL, "/cds-services")
	return callURL[:i], callURL[i:], nil
}

// checkCallURL requires an absolute http(s) URL ending in /cds-services,
// /cds-services/{id} or /cds-services/{id}/feedback.
func checkCallURL(u string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.RawQuery != "" || p.Fragment != "" {
		return fmt.Errorf("%q is not an absolute http(s) URL without query or fragment", u)
	}
	i := strings.LastIndex(p.Path, "/cds-services")
	rest := ""
	if i >= 0 {
		rest = p.Path[i+len("/cds-services"):]
	}
	parts := strings.Split(strings.TrimPrefix(rest, "/"), "/")
	switch {
	case i < 0:
	case rest == "":
		return nil
	case strings.HasPrefix(rest, "/") && len(parts) == 1 && parts[0] != "":
		return nil
	case strings.HasPrefix(rest, "/") && len(parts) == 2 && parts[0] != "" && parts[1] == "feedback":
		return nil
	}
	return fmt.Errorf("%q is not a CDS Hooks URL: want {public-url}/cds-services, {public-url}/cds-services/{id} or {public-url}/cds-services/{id}/feedback", u)
}

// Check is one step of InspectToken: what the service expects and what the
// token holds.
type Check struct {
	Name     string // "issuer", "aud", ...
	Reason   string // the Reason label a failure of this check has
	Status   string // CheckOK, CheckFail or CheckNotChecked
	Expected string
	Received string
	Note     string
}

// Check statuses.
const (
	CheckOK         = "ok"
	CheckFail       = "FAIL"
	CheckNotChecked = "-"
)

// Inspection is InspectToken's result.
type Inspection struct {
	Header    map[string]any
	Claims    map[string]any
	PublicURL string // the public URL the call URL implies
	Path      string // the request path the service sees
	At        time.Time
	Checks    []Check
	// Verdict is the Verifier's: nil when the service accepts the token
	// (replay aside), else its error; Reason is Reason(Verdict).
	Verdict error
	Reason  string
}

// InspectOptions tune InspectToken.
type InspectOptions struct {
	// Now is the time of the check (default time.Now).
	Now time.Time
	// HTTPClient downloads jwks_url and jku key sets (default as the
	// service does).
	HTTPClient *http.Client
	// PublicURL, when set, is the service's --public-url: the expected aud
	// is then PublicURL + the path of the call URL, as in the service, which
	// shows a --public-url that differs from the URL the EHR calls.
	PublicURL string
}

// InspectToken checks token (with or without "Bearer ") against clients as
// the service would for a call to callURL, and explains the outcome check
// by check. The verdict comes from a Verifier built as the service builds it
// (default algorithms, 60 s skew, keys from the clients' jwks_file, jwks_url
// or jku) with a fresh replay store, so replay is the one check left out.
func InspectToken(ctx context.Context, token, callURL string, clients []Client, o InspectOptions) (*Inspection, error) {
	public, path, err := SplitCallURL(callURL)
	if err != nil {
		return nil, err
	}
	if o.PublicURL != "" {
		public = o.PublicURL
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	now := o.Now
	v, err := NewVerifier(ctx, Config{PublicURL: public, Now: func() time.Time { return now }}, clients,
		NewMemoryReplay(func() time.Time { return now }), o.HTTPClient, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	token = strings.TrimSpace(token)
	if s, ok := strings.CutPrefix(token, "Bearer "); ok {
		token = strings.TrimSpace(s)
	}
	ins := &Inspection{PublicURL: strings.TrimRight(public, "/"), Path: path, At: now}
	_, ins.Verdict = v.Verify(ctx, "Bearer "+token, path)
	ins.Reason = Reason(ins.Verdict)
	ins.explain(token, v, clients)
	return ins, nil
}

// explain fills Header, Claims and Checks. It reads the token without
// trusting it; only the verdict decides.
func (ins *Inspection) explain(token string, v *Verifier, clients []Client) {
	add := func(c Check) { ins.Checks = append(ins.Checks, c) }
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		add(Check{Name: "format", Reason: "malformed", Status: CheckFail, Expected: "a JWS in compact form: header.payload.signature", Received: fmt.Sprintf("%d part(s) separated by dots", len(parts))})
		return
	}
	for i, dst := range []*map[string]any{&ins.Header, &ins.Claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err == nil {
			err = json.Unmarshal(b, dst)
		}
		if err != nil {
			add(Check{Name: "format", Reason: "malformed", Status: CheckFail, Expected: "base64url-encoded JSON objects", Received: fmt.Sprintf("%s: %v", []string{"header", "payload"}[i], err)})
			return
		}
	}
	add(Check{Name: "format", Reason: "malformed", Status: CheckOK, Received: "header.payload.signature"})

	alg, _ := ins.Header["alg"].(string)
	add(pass(slices.Contains(v.cfg.Algorithms, alg), Check{Name: "alg", Reason: "algorithm",
		Expected: "one of " + strings.Join(v.cfg.Algorithms, ", ") + " (never none or HS*)", Received: quote(alg)}))
	kid, _ := ins.Header["kid"].(string)
	add(pass(kid != "", Check{Name: "kid", Reason: "malformed", Expected: "a kid naming the signing key", Received: quote(kid)}))
	if typ, ok := ins.Header["typ"]; ok {
		s, _ := typ.(string)
		add(pass(strings.EqualFold(s, "JWT"), Check{Name: "typ", Reason: "malformed", Expected: "JWT, or no typ", Received: fmt.Sprintf("%v", typ)}))
	}
	if _, ok := ins.Header["crit"]; ok {
		add(Check{Name: "crit", Reason: "malformed", Status: CheckFail, Expected: "no crit header (no extension is understood)", Received: "crit present"})
	}

	iss, _ := ins.Claims["iss"].(string)
	var client *Client
	var issuers []string
	for i := range clients {
		issuers = append(issuers, clients[i].Issuer)
		if clients[i].Issuer == iss {
			client = &clients[i]
		}
	}
	add(pass(client != nil, Check{Name: "iss", Reason: "issuer", Expected: "one of the clients file's issuers: " + quoteAll(issuers), Received: quote(iss)}))
	if client == nil {
		ins.notChecked("key and signature", "claims")
		return
	}

	jku, hasJKU := ins.Header["jku"].(string)
	allowed := slices.Clone(client.JKUAllowlist)
	if client.JWKSURL != "" {
		allowed = append(allowed, client.JWKSURL)
	}
	switch {
	case client.JWKSFile != "" || client.JWKSURL != "":
		if hasJKU {
			add(pass(slices.Contains(allowed, jku), Check{Name: "jku", Reason: "jku", Expected: "absent, or one of jku_allowlist/jwks_url: " + quoteAll(allowed), Received: quote(jku),
				Note: "the configured keys are used; nothing is fetched from a jku"}))
		}
	default:
		add(pass(hasJKU && slices.Contains(client.JKUAllowlist, jku), Check{Name: "jku", Reason: "jku", Expected: "one of jku_allowlist: " + quoteAll(client.JKUAllowlist), Received: quote(jku),
			Note: "this client has no jwks_file or jwks_url: keys are fetched from the token's jku"}))
	}

	keyCheck := Check{Name: "key", Reason: "keys", Received: "kid " + quote(kid)}
	switch {
	case client.JWKSFile != "":
		kids := jwksFileKIDs(client.JWKSFile)
		keyCheck.Expected = "a kid of " + client.JWKSFile + ": " + quoteAll(kids)
		if client.JWKSURL != "" {
			keyCheck.Expected += ", or of " + client.JWKSURL
		}
	case client.JWKSURL != "":
		keyCheck.Expected = "a kid of the JWK Set at " + client.JWKSURL
	default:
		keyCheck.Expected = "a kid of the JWK Set at the token's jku"
	}
	sigCheck := Check{Name: "signature", Reason: "signature", Expected: "valid for the key named by kid", Received: quote(alg) + " signature"}
	switch ins.Reason {
	case "keys":
		keyCheck.Status, sigCheck.Status = CheckFail, CheckNotChecked
		keyCheck.Note = shortN(ins.Verdict.Error(), maxDetailLen)
	case "signature":
		keyCheck.Status, sigCheck.Status = CheckOK, CheckFail
		sigCheck.Note = "the token was not signed by that key, or was changed after signing"
	case "missing", "malformed", "algorithm", "issuer", "jku":
		keyCheck.Status, sigCheck.Status = CheckNotChecked, CheckNotChecked
	default:
		keyCheck.Status, sigCheck.Status = CheckOK, CheckOK
	}
	add(keyCheck)
	add(sigCheck)
	ins.claimChecks(v, client)
}

// claimChecks explains exp, nbf, iat, the lifetime, aud, jti and tenant.
func (ins *Inspection) claimChecks(v *Verifier, client *Client) {
	add := func(c Check) { ins.Checks = append(ins.Checks, c) }
	skew := v.cfg.Skew
	now := ins.At
	exp, hasExp := numericDate(ins.Claims["exp"])
	add(pass(hasExp && now.Before(exp.Add(skew)), Check{Name: "exp", Reason: "expired",
		Expected: "after " + stamp(now.Add(-skew)) + " (now less the " + skew.String() + " clock skew)", Received: dateText(ins.Claims["exp"], hasExp, exp, now)}))
	if _, ok := ins.Claims["nbf"]; ok {
		nbf, hasNbf := numericDate(ins.Claims["nbf"])
		add(pass(hasNbf && !now.Add(skew).Before(nbf), Check{Name: "nbf", Reason: "issued_at",
			Expected: "not after " + stamp(now.Add(skew)), Received: dateText(ins.Claims["nbf"], hasNbf, nbf, now)}))
	}
	iat, hasIat := numericDate(ins.Claims["iat"])
	add(pass(hasIat && !now.Add(skew).Before(iat), Check{Name: "iat", Reason: "issued_at",
		Expected: "present, not after " + stamp(now.Add(skew)) + " (now plus the skew)", Received: dateText(ins.Claims["iat"], hasIat, iat, now)}))
	if hasExp && hasIat {
		life := exp.Sub(iat)
		add(pass(life >= 0 && life <= client.MaxTokenLifetime, Check{Name: "lifetime", Reason: "lifetime",
			Expected: "exp - iat at most " + client.MaxTokenLifetime.String() + " (max_token_lifetime)", Received: life.String()}))
	}

	want := v.base + ins.Path
	var aud []string
	switch a := ins.Claims["aud"].(type) {
	case string:
		aud = []string{a}
	case []any:
		for _, x := range a {
			if s, ok := x.(string); ok {
				aud = append(aud, s)
			}
		}
	}
	audCheck := pass(slices.Contains(aud, want), Check{Name: "aud", Reason: "audience", Expected: quote(want) + " exactly (--public-url + the path called)", Received: quoteAll(aud)})
	if audCheck.Status == CheckFail {
		audCheck.Note = audienceHint(want, aud)
	}
	add(audCheck)

	jti, _ := ins.Claims["jti"].(string)
	add(pass(validJTI(jti), Check{Name: "jti", Reason: "jti", Expected: fmt.Sprintf("a unique id of 1 to %d bytes without NUL", maxJTILen), Received: quote(jti)}))
	if len(client.Tenants) > 0 {
		tenant, _ := ins.Claims["tenant"].(string)
		add(pass(slices.Contains(client.Tenants, tenant), Check{Name: "tenant", Reason: "tenant", Expected: "one of " + quoteAll(client.Tenants), Received: quote(tenant)}))
	}
	add(Check{Name: "replay", Reason: "replay", Status: CheckNotChecked, Expected: "a jti not used before",
		Note: "not checked here: the running service refuses a jti it has accepted before, until the token expires"})
}

// notChecked adds the checks that could not run after an earlier failure.
func (ins *Inspection) notChecked(names ...string) {
	for _, n := range names {
		ins.Checks = append(ins.Checks, Check{Name: n, Status: CheckNotChecked, Note: "not checked: an earlier check failed"})
	}
}

// FirstFailure returns the first failed check, if any.
func (ins *Inspection) FirstFailure() (Check, bool) {
	for _, c := range ins.Checks {
		if c.Status == CheckFail {
			return c, true
		}
	}
	return Check{}, false
}

func pass(ok bool, c Check) Check {
	c.Status = CheckFail
	if ok {
		c.Status = CheckOK
	}
	return c
}

// audienceHint says how an audience differs from the one expected.
func audienceHint(want string, aud []string) string {
	if len(aud) == 0 {
		return "the token has no aud"
	}
	w, err := url.Parse(want)
	if err != nil {
		return ""
	}
	for _, a := range aud {
		g, err := url.Parse(a)
		if err != nil {
			continue
		}
		switch {
		case strings.TrimRight(a, "/") == want:
			return "only a trailing slash differs: the aud must be the exact URL called"
		case g.Path == w.Path && (g.Scheme != w.Scheme || g.Host != w.Host):
			return "the path matches but the scheme or host differs: the EHR calls " + g.Scheme + "://" + g.Host +
				", so --public-url must be that (localhost and 127.0.0.1 differ, and so do ports)"
		case g.Scheme == w.Scheme && g.Host == w.Host:
			return "the host matches but the path differs: a token is valid for one URL only (discovery, one service, or its feedback)"
		}
	}
	return ""
}

func numericDate(v any) (time.Time, bool) {
	f, ok := v.(float64)
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0).UTC(), true
}

func dateText(raw any, ok bool, t, now time.Time) string {
	if raw == nil {
		return "absent"
	}
	if !ok {
		return fmt.Sprintf("%v (not a NumericDate)", raw)
	}
	d := t.Sub(now).Round(time.Second)
	if d < 0 {
		return fmt.Sprintf("%s (%s ago)", stamp(t), -d)
	}
	return fmt.Sprintf("%s (in %s)", stamp(t), d)
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func quote(s string) string {
	if s == "" {
		return "absent"
	}
	return fmt.Sprintf("%q", short(s))
}

func quoteAll(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = quote(s)
	}
	return strings.Join(q, ", ")
}

// jwksFileKIDs lists the kids of a JWK Set file (LoadClients checked it).
func jwksFileKIDs(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var set struct {
		Keys []struct {
			KID string `json:"kid"`
		} `json:"keys"`
	}
	if json.Unmarshal(b, &set) != nil {
		return nil
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.KID)
	}
	return kids
}
