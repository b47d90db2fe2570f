package keeper

import (
	"time"

	"github.com/verdict-chain/verdict/x/attest/tee"
	"github.com/verdict-chain/verdict/x/attest/types"
)

// FakeVerifier replaces the cryptographic step in tests of the keeper's own
// rules (binding, allowlist, expiry, revocation) for TDX, where no signer
// for chosen report data exists.
type FakeVerifier struct {
	TDX func(raw []byte, now time.Time) (tee.Result, error)
}

func (f FakeVerifier) VerifyTDX(raw []byte, now time.Time, _ types.Policy, _ types.ParsedPolicy, _ tee.CollateralSource) (tee.Result, error) {
	return f.TDX(raw, now)
}

func (FakeVerifier) VerifySNP(raw, vcek []byte, now time.Time, policy types.Policy, roots types.ParsedPolicy) (tee.Result, error) {
	return tee.VerifySNP(raw, vcek, now, policy, roots)
}

// SetTestVerifier installs v (tests only).
func (k *Keeper) SetTestVerifier(v FakeVerifier) { k.testVerifier = v }
