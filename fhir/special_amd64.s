//go:build !purego

#include "textflag.h"

// specialIndexAVX2 is plainEnd's inner loop for longer strings: compare 32
// bytes with '"' and '\\', and test them for <= 0x1f (min(b, 0x1f) == b),
// then take the first set bit of the combined mask. The purego build tag
// leaves it out (special_other.go); TestPlainEnd and FuzzPlainEnd hold it
// to a byte-by-byte loop.

// 32 copies of '"', of '\\' and of 0x1f.
DATA quotes<>+0(SB)/8, $0x2222222222222222
DATA quotes<>+8(SB)/8, $0x2222222222222222
DATA quotes<>+16(SB)/8, $0x2222222222222222
DATA quotes<>+24(SB)/8, $0x2222222222222222
GLOBL quotes<>(SB), RODATA|NOPTR, $32

DATA backslashes<>+0(SB)/8, $0x5c5c5c5c5c5c5c5c
DATA backslashes<>+8(SB)/8, $0x5c5c5c5c5c5c5c5c
DATA backslashes<>+16(SB)/8, $0x5c5c5c5c5c5c5c5c
DATA backslashes<>+24(SB)/8, $0x5c5c5c5c5c5c5c5c
GLOBL backslashes<>(SB), RODATA|NOPTR, $32

DATA controls<>+0(SB)/8, $0x1f1f1f1f1f1f1f1f
DATA controls<>+8(SB)/8, $0x1f1f1f1f1f1f1f1f
DATA controls<>+16(SB)/8, $0x1f1f1f1f1f1f1f1f
DATA controls<>+24(SB)/8, $0x1f1f1f1f1f1f1f1f
GLOBL controls<>(SB), RODATA|NOPTR, $32

// func specialIndexAVX2(b []byte) int
TEXT ·specialIndexAVX2(SB), NOSPLIT, $0-32
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), CX
	ANDQ $~31, CX
	XORQ AX, AX
	CMPQ AX, CX
	JAE none
	VMOVDQU quotes<>(SB), Y1
	VMOVDQU backslashes<>(SB), Y2
	VMOVDQU controls<>(SB), Y3

loop:
	VMOVDQU (SI)(AX*1), Y0
	VPCMPEQB Y0, Y1, Y4
	VPCMPEQB Y0, Y2, Y5
	VPMINUB Y0, Y3, Y6
	VPCMPEQB Y0, Y6, Y6
	VPOR Y4, Y5, Y4
	VPOR Y4, Y6, Y4
	VPMOVMSKB Y4, DX
	TESTL DX, DX
	JNZ found
	ADDQ $32, AX
	CMPQ AX, CX
	JB loop
	VZEROUPPER

none:
	MOVQ CX, ret+24(FP)
	RET

found:
	VZEROUPPER
	BSFL DX, DX
	ADDQ DX, AX
	MOVQ AX, ret+24(FP)
	RET

// func specialBitsAVX2(d []byte, bits []uint64)
//
// For each whole 64-byte block k of d (len(d)/64 of them, at most
// len(bits)), bits[k] gets bit b set when d[64k+b] is '"', '\\' or a
// control character.
TEXT ·specialBitsAVX2(SB), NOSPLIT, $0-48
	MOVQ d_base+0(FP), SI
	MOVQ d_len+8(FP), CX
	MOVQ bits_base+24(FP), DI
	MOVQ bits_len+32(FP), BX
	SHRQ $6, CX
	CMPQ CX, BX
	JBE  counted
	MOVQ BX, CX

counted:
	TESTQ CX, CX
	JZ    done
	VMOVDQU quotes<>(SB), Y1
	VMOVDQU backslashes<>(SB), Y2
	VMOVDQU controls<>(SB), Y3

block:
	VMOVDQU (SI), Y0
	VPCMPEQB Y0, Y1, Y4
	VPCMPEQB Y0, Y2, Y5
	VPMINUB Y0, Y3, Y6
	VPCMPEQB Y0, Y6, Y6
	VPOR Y4, Y5, Y4
	VPOR Y4, Y6, Y4
	VPMOVMSKB Y4, AX
	VMOVDQU 32(SI), Y7
	VPCMPEQB Y7, Y1, Y8
	VPCMPEQB Y7, Y2, Y9
	VPMINUB Y7, Y3, Y10
	VPCMPEQB Y7, Y10, Y10
	VPOR Y8, Y9, Y8
	VPOR Y8, Y10, Y8
	VPMOVMSKB Y8, DX
	SHLQ $32, DX
	MOVL AX, AX
	ORQ  DX, AX
	MOVQ AX, (DI)
	ADDQ $64, SI
	ADDQ $8, DI
	DECQ CX
	JNZ  block
	VZEROUPPER

done:
	RET
