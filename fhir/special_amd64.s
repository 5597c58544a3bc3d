//go:build !purego

#include "textflag.h"

// specialIndexAVX2 (plainEnd's inner loop for longer strings) and
// specialBitsAVX2 (markSpecial's bitmap) classify 32 bytes at a time with
// SPECIALS. The purego build tag leaves them out (special_other.go);
// TestPlainEnd, FuzzPlainEnd and TestStringEnd hold them to a byte loop.

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

// LOADCLASSES puts 32 copies of '"', of '\\' and of 0x1f in Y1, Y2, Y3.
#define LOADCLASSES \
	VMOVDQU quotes<>(SB), Y1 \
	VMOVDQU backslashes<>(SB), Y2 \
	VMOVDQU controls<>(SB), Y3

// SPECIALS sets in the 32-bit register out a bit for each of the 32 bytes
// of in that is '"', '\\' or <= 0x1f (min(b, 0x1f) == b), using t1-t3 and
// the constants of LOADCLASSES.
#define SPECIALS(in, t1, t2, t3, out) \
	VPCMPEQB in, Y1, t1 \
	VPCMPEQB in, Y2, t2 \
	VPMINUB in, Y3, t3 \
	VPCMPEQB in, t3, t3 \
	VPOR t1, t2, t1 \
	VPOR t1, t3, t1 \
	VPMOVMSKB t1, out

// func specialIndexAVX2(b []byte) int
TEXT ·specialIndexAVX2(SB), NOSPLIT, $0-32
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), CX
	ANDQ $~31, CX
	XORQ AX, AX
	CMPQ AX, CX
	JAE none
	LOADCLASSES

loop:
	VMOVDQU (SI)(AX*1), Y0
	SPECIALS(Y0, Y4, Y5, Y6, DX)
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
	LOADCLASSES

block:
	VMOVDQU (SI), Y0
	SPECIALS(Y0, Y4, Y5, Y6, AX)
	VMOVDQU 32(SI), Y7
	SPECIALS(Y7, Y8, Y9, Y10, DX)
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
