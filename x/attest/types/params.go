package types

import (
	"time"

	errorsmod "cosmossdk.io/errors"

	"github.com/verdict-chain/verdict/x/internal/bps"
)

// DefaultParams: an attestation counts for at most a week (re-attesting is
// one transaction; a week bounds how long a platform whose TCB was revoked
// keeps its benefits, and TCB info is reissued about monthly); evidence must
// bind one of the last 100 blocks; an enclave-signed result of an attested
// provider gets half the challenge window and half the audit rate. The gas
// figures are calibrated in `make bench` (README): about twice the measured
// verification time at secp256k1's 1,000 gas per check.
func DefaultParams() Params {
	return Params{
		AttestationValidity:    7 * 24 * time.Hour,
		NonceMaxAgeBlocks:      100,
		TeeWindowFactorBps:     5_000,
		AttestedAuditFactorBps: 5_000,
		MaxEvidenceBytes:       16 << 10,
		MaxCollateralBytes:     64 << 10,
		TdxVerifyGas:           12_000,
		TdxCollateralGas:       14_000,
		SnpVerifyGas:           24_000,
		CollateralVerifyGas:    12_000,
		MaxExpiriesPerBlock:    50,
		RevocationCooldown:     30 * 24 * time.Hour,
	}
}

// Validate checks every field.
func (p Params) Validate() error {
	if p.AttestationValidity <= 0 {
		return errorsmod.Wrapf(ErrInvalidParams, "attestation_validity must be positive, got %s", p.AttestationValidity)
	}
	if p.NonceMaxAgeBlocks == 0 || p.NonceMaxAgeBlocks > MaxNonceAgeBlocks {
		return errorsmod.Wrapf(ErrInvalidParams, "nonce_max_age_blocks must be 1..%d", MaxNonceAgeBlocks)
	}
	if p.TeeWindowFactorBps == 0 || p.TeeWindowFactorBps > bps.Whole {
		return errorsmod.Wrapf(ErrInvalidParams, "tee_window_factor_bps must be 1..%d", bps.Whole)
	}
	if p.AttestedAuditFactorBps == 0 || p.AttestedAuditFactorBps > bps.Whole {
		return errorsmod.Wrapf(ErrInvalidParams, "attested_audit_factor_bps must be 1..%d (attested results are still audited)", bps.Whole)
	}
	if p.MaxEvidenceBytes < 1184 || p.MaxEvidenceBytes > AbsMaxEvidenceBytes {
		return errorsmod.Wrapf(ErrInvalidParams, "max_evidence_bytes must be 1184..%d (an SNP report is 1184 bytes)", AbsMaxEvidenceBytes)
	}
	if p.MaxCollateralBytes < 1024 || p.MaxCollateralBytes > AbsMaxCollateralBytes {
		return errorsmod.Wrapf(ErrInvalidParams, "max_collateral_bytes must be 1024..%d", AbsMaxCollateralBytes)
	}
	for name, g := range map[string]uint64{"tdx_verify_gas": p.TdxVerifyGas, "tdx_collateral_gas": p.TdxCollateralGas, "snp_verify_gas": p.SnpVerifyGas, "collateral_verify_gas": p.CollateralVerifyGas} {
		if g == 0 || g > 10_000_000 {
			return errorsmod.Wrapf(ErrInvalidParams, "%s must be 1..10,000,000", name)
		}
	}
	if p.MaxExpiriesPerBlock == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "max_expiries_per_block must be positive")
	}
	if p.RevocationCooldown < 0 || p.RevocationCooldown > 365*24*time.Hour {
		return errorsmod.Wrap(ErrInvalidParams, "revocation_cooldown must be 0..365 days")
	}
	return nil
}

// TEEWindow is the challenge window of an enclave-signed result of an
// attested provider: tee_window_factor_bps of the base window, rounded
// down, at least a second.
func TEEWindow(p Params, base time.Duration) time.Duration {
	return max(bps.FloorDuration(base, p.TeeWindowFactorBps), time.Second)
}
