//go:build !purego

package fhir

import "golang.org/x/sys/cpu"

// hasAVX2 tells whether specialIndexAVX2 may be used.
var hasAVX2 = cpu.X86.HasAVX2

// specialIndexAVX2 returns the index of the first '"', '\\' or control
// character in b[:len(b)&^31], or len(b)&^31 when there is none. It reads
// 32 bytes at a time; call it only when hasAVX2.
//
//go:noescape
func specialIndexAVX2(b []byte) int

// specialBitsAVX2 sets bits[k], for each whole 64-byte block k of d (at
// most len(bits) of them), to the mask of its '"', '\\' and control
// characters (bit b for d[64k+b]). Call it only when hasAVX2.
//
//go:noescape
func specialBitsAVX2(d []byte, bits []uint64)
