// Package auth authenticates CDS clients (EHRs) that call jakguard, as CDS
// Hooks 2.0.1 "Trusting CDS Clients" and contract section 3 require.
//
// It owns the trusted clients file ([LoadClients]), the JWT verifier
// ([NewVerifier], [Verifier.Verify]) with its key handling (JWK Sets from a
// file, from a jwks_url or from an allow-listed jku, cached with
// github.com/MicahParks/keyfunc/v3), the jti replay stores ([MemoryReplay] for
// one instance, [PostgresReplay] shared by replicas), the Echo middleware
// ([Verifier.Middleware]) that answers 401 with an empty body, and the
// start-up rule for running without authentication ([CheckStartup]).
//
// It knows nothing of hooks, cards or patient data, and it never logs a token:
// only the reason, the issuer and the jti of a refused call.
package auth
