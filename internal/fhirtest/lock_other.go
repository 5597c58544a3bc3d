//go:build !unix && !windows

package fhirtest

// lockFile has no cross-process lock on this system: installMu still
// serialises the installs of one process.
func lockFile(path string) (unlock func(), err error) { return func() {}, nil }
