package tee_test

import (
	"testing"
	"time"

	"github.com/verdict-chain/verdict/x/attest/tee"
	"github.com/verdict-chain/verdict/x/attest/types"
)

// FuzzVerifyTDX: any bytes as a TDX quote give a result or an error, never
// a panic, and a result only with a genuine quote's verification passing.
func FuzzVerifyTDX(f *testing.F) {
	f.Add(tdxQuote)
	f.Add(tdxFile)
	f.Add(tdxQuote[:0x3FC])
	f.Add([]byte{4, 0, 2, 0, 0x81})
	p := noCollateralPolicy()
	pp, err := p.Parse()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		res, err := tee.VerifyTDX(raw, tdxValidAt, p, pp, memSource{})
		if err == nil && res.Type != types.TeeType_TEE_TYPE_TDX {
			t.Fatalf("accepted without a result type")
		}
	})
}

// FuzzVerifySNP: any report and VCEK bytes give a result or an error,
// never a panic.
func FuzzVerifySNP(f *testing.F) {
	f.Add(snpReport, snpVCEK)
	f.Add(snpReport[:100], snpVCEK[:100])
	f.Add(make([]byte, 1184), []byte{0x30, 0x82})
	p := types.DefaultPolicy()
	pp, err := p.Parse()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw, vcek []byte) {
		_, _ = tee.VerifySNP(raw, vcek, snpValidAt, p, pp)
	})
}

// FuzzCheckCollateral: any collateral body and issuer chain give a record
// or an error, never a panic.
func FuzzCheckCollateral(f *testing.F) {
	f.Add(int32(1), tcbInfo, tcbChain)
	f.Add(int32(2), qeIdentity, qeChain)
	f.Add(int32(3), pckCRL, pckCRLChain)
	f.Add(int32(4), rootCRL, "")
	pp, err := types.DefaultPolicy().Parse()
	if err != nil {
		f.Fatal(err)
	}
	at := time.Date(2023, 7, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, kind int32, body []byte, chain string) {
		_, _ = tee.CheckCollateral(types.CollateralKind(kind), body, chain, at, pp)
	})
}
