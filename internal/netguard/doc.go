// Package netguard holds jakguard's defences for outbound HTTP (contract
// 6.6), which the FHIR client applies to every request it makes on a
// caller's behalf: the addresses never dialled (link-local, cloud
// metadata, and loopback where asked), checked after name resolution; the
// URLs a request may reach (the server's origin, under its base path, in
// normal form); and the bytes one hook call may buffer (Budget).
//
// It knows nothing of FHIR and imports the standard library only.
package netguard
