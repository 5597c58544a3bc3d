//go:build !amd64 || purego

package fhir

const hasAVX2 = false

func specialIndexAVX2(b []byte) int { panic("unreachable") }
