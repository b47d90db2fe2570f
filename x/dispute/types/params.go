package types

import (
	"time"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/internal/bps"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// DefaultVerifyGas is charged for one proof check before any decoding. It is
// calibrated by `make bench`: the full on-chain check (VerifyJobProof with a
// cached key) measured 1.4–2.0 ms against 125 µs for a secp256k1 signature
// check in the same run, i.e. 10.8–15.7 signature checks; at the SDK's 1,000
// gas per signature that is 10,800–15,700 gas. Doubled for margin (it also
// covers a cold key cache, +0.73 ms) and rounded up: 35,000. See
// x/dispute/README.md and the README's benchmark section.
const DefaultVerifyGas = 35_000

// DefaultParams are production defaults; the localnet genesis shortens the
// proof window and turns audits off so the demo's balances are exact.
func DefaultParams() Params {
	return Params{
		MinChallengeBond:       sdk.NewCoin("uverd", math.NewInt(1_000_000)),
		ChallengeBondBps:       1_000,
		ProofWindow:            time.Hour,
		AuditRatePpm:           20_000,
		RewardShareBps:         5_000,
		FraudSlashBps:          1_000,
		FraudSlashMultiple:     100,
		ChallengerRewardBps:    5_000,
		VerifyGas:              DefaultVerifyGas,
		MaxVkBytes:             4_096,
		MaxProofBytes:          1_024,
		MaxResolutionsPerBlock: 50,
		AuditDeterrenceBps:     20_000,
		Retention:              30 * 24 * time.Hour,
	}
}

// Validate checks every field.
func (p Params) Validate() error {
	if !p.MinChallengeBond.IsValid() || !p.MinChallengeBond.IsPositive() {
		return errorsmod.Wrapf(ErrInvalidParams, "min_challenge_bond must be positive, got %s", p.MinChallengeBond)
	}
	// a deadline is opening + backlog + prove time + proof_window: bounded,
	// it cannot overflow into the past (TestReview11HugeProofWindowOverflowsDeadline)
	if p.ProofWindow <= 0 || p.ProofWindow > MaxProofWindow {
		return errorsmod.Wrapf(ErrInvalidParams, "proof_window must be positive and at most %s, got %s", MaxProofWindow, p.ProofWindow)
	}
	for _, f := range []struct {
		name    string
		v, max_ uint32
	}{
		{"challenge_bond_bps", p.ChallengeBondBps, bps.Whole},
		{"reward_share_bps", p.RewardShareBps, bps.Whole},
		{"fraud_slash_bps", p.FraudSlashBps, bps.Whole},
		{"challenger_reward_bps", p.ChallengerRewardBps, bps.Whole},
		{"audit_rate_ppm", p.AuditRatePpm, MaxPpm},
	} {
		if f.v > f.max_ {
			return errorsmod.Wrapf(ErrInvalidParams, "%s must be <= %d, got %d", f.name, f.max_, f.v)
		}
	}
	if p.VerifyGas == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "verify_gas must be positive")
	}
	if p.MaxVkBytes == 0 || p.MaxVkBytes > AbsMaxVKBytes {
		return errorsmod.Wrapf(ErrInvalidParams, "max_vk_bytes must be 1..%d, got %d", AbsMaxVKBytes, p.MaxVkBytes)
	}
	if p.MaxProofBytes == 0 || p.MaxProofBytes > AbsMaxProofBytes {
		return errorsmod.Wrapf(ErrInvalidParams, "max_proof_bytes must be 1..%d, got %d", AbsMaxProofBytes, p.MaxProofBytes)
	}
	if p.AuditDeterrenceBps > 100*bps.Whole {
		return errorsmod.Wrapf(ErrInvalidParams, "audit_deterrence_bps must be <= %d", 100*bps.Whole)
	}
	if p.Retention <= 0 {
		return errorsmod.Wrap(ErrInvalidParams, "retention must be positive")
	}
	if p.MaxResolutionsPerBlock == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "max_resolutions_per_block must be positive")
	}
	if p.FraudSlashMultiple == 0 || p.FraudSlashMultiple > 10_000 {
		return errorsmod.Wrap(ErrInvalidParams, "fraud_slash_multiple must be 1..10,000")
	}
	// a dispute is pruned retention after it closes; its provider may be
	// busy with its proof for up to a prove time after that close, and the
	// prune is what removes the provider's idle backlog entry
	if p.Retention < jobstypes.MaxProveTime {
		return errorsmod.Wrapf(ErrInvalidParams, "retention must be at least %s (longer than any proof in progress), got %s", jobstypes.MaxProveTime, p.Retention)
	}
	return nil
}

// ChallengeBond is max(min_challenge_bond, challenge_bond_bps × payment).
func (p Params) ChallengeBond(payment math.Int) sdk.Coin {
	frac := bps.Floor(payment, p.ChallengeBondBps)
	return sdk.NewCoin(p.MinChallengeBond.Denom, math.MaxInt(frac, p.MinChallengeBond.Amount))
}
