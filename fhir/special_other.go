//go:build !amd64 || purego

package fhir

const hasAVX2 = false

func specialIndexAVX2(b []byte) int { panic("unreachable") }

func specialBitsAVX2(d []byte, bits []uint64) { panic("unreachable") }
