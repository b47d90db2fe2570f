package keeper

import (
	"context"
	"crypto/ed25519"
	"time"

	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/attest/types"
	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// What an attested provider gets, through the seams x/jobs and x/dispute
// offer (wired in app.go).

var (
	_ jobstypes.EligibilityRule       = (*Keeper)(nil)
	_ jobstypes.ChallengeWindowPolicy = (*Keeper)(nil)
	_ disputetypes.AuditWeigher       = (*Keeper)(nil)
	_ disputetypes.DisputeHooks       = (*Keeper)(nil)
)

// CheckEligible: a require_tee job goes only to a provider whose
// attestation counts now.
func (k *Keeper) CheckEligible(ctx context.Context, p jobstypes.Provider, j jobstypes.Job) error {
	if !j.RequireTee {
		return nil
	}
	op, err := k.addr("operator", p.Operator)
	if err != nil {
		return err
	}
	_, ok, reason, err := k.Attested(ctx, op)
	if err != nil {
		return err
	}
	if !ok {
		return errorsmod.Wrapf(jobstypes.ErrNotEligible, "job %d requires a TEE and provider %s is not attested (%s)", j.Id, p.Operator, reason)
	}
	return nil
}

// ChallengeWindow: a result that carries an enclave signature must be
// signed by the provider's attested enclave key, and then gets base ×
// tee_window_factor_bps. A result without one keeps base — except on a
// require_tee job, whose result must carry one: eligibility checked at the
// assignment holds at the result too (an attested provider cannot take the
// job and run it on any machine; an attestation lost since cannot sign).
func (k *Keeper) ChallengeWindow(ctx context.Context, p jobstypes.Provider, j jobstypes.Job, base time.Duration) (time.Duration, error) {
	if j.Result == nil {
		return base, nil
	}
	if len(j.Result.EnclaveSignature) == 0 {
		if j.RequireTee {
			return 0, errorsmod.Wrapf(types.ErrEnclaveSignatureRequired, "job %d requires a TEE: its result must carry the attested enclave's signature", j.Id)
		}
		return base, nil
	}
	if err := k.VerifyEnclaveSignature(ctx, p.Operator, j.Id, j.Result.OutputCommitment, j.Result.UnitsUsed, j.Result.EnclaveSignature); err != nil {
		return 0, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return 0, err
	}
	return types.TEEWindow(params, base), nil
}

// VerifyEnclaveSignature checks sig over (chain id, job id, output, units
// used) under the provider's attested enclave key.
func (k *Keeper) VerifyEnclaveSignature(ctx context.Context, operator string, jobID uint64, output []byte, unitsUsed uint64, sig []byte) error {
	op, err := k.addr("operator", operator)
	if err != nil {
		return err
	}
	a, ok, reason, err := k.Attested(ctx, op)
	if err != nil {
		return err
	}
	if !ok {
		return errorsmod.Wrapf(types.ErrNotAttested, "result of job %d carries an enclave signature, but %s is not attested (%s): post it without one", jobID, operator, reason)
	}
	msg := types.ResultSignBytes(sdk.UnwrapSDKContext(ctx).ChainID(), jobID, output, unitsUsed)
	if len(sig) != ed25519.SignatureSize || !ed25519.Verify(a.EnclavePubkey, msg, sig) {
		return errorsmod.Wrapf(types.ErrInvalidSignature, "the enclave signature on job %d does not verify under %s's attested key", jobID, operator)
	}
	return nil
}

// AuditWeightPPM: an enclave-signed result (its signature was checked when
// it was posted) is audited at attested_audit_factor_bps of the rate;
// x/dispute still applies its deterrence floor.
func (k *Keeper) AuditWeightPPM(ctx context.Context, j jobstypes.Job) (uint32, error) {
	if j.Result == nil || len(j.Result.EnclaveSignature) == 0 {
		return 1_000_000, nil
	}
	p, err := k.Params.Get(ctx)
	if err != nil {
		return 0, err
	}
	return p.AttestedAuditFactorBps * 100, nil
}

// AfterDisputeResolved: a provider that lost a dispute on an
// enclave-signed result loses its attestation at once (the enclave signed
// a wrong output: the TEE or its measurement cannot be trusted), and the
// event tells governance which measurement to look at.
func (k *Keeper) AfterDisputeResolved(ctx context.Context, d disputetypes.Dispute) error {
	if d.Status != disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST {
		return nil
	}
	j, err := k.jobs.GetJob(ctx, d.JobId)
	if err != nil {
		return err
	}
	if j.Result == nil || len(j.Result.EnclaveSignature) == 0 {
		return nil
	}
	op, err := k.addr("provider", d.Provider)
	if err != nil {
		return err
	}
	has, err := k.Attestations.Has(ctx, op)
	if err != nil {
		return err
	}
	if has {
		if err := k.Revoke(ctx, op, "lost a dispute on an enclave-signed result", d.JobId); err != nil {
			return err
		}
	}
	// and it may not attest again at once — whether the attestation was
	// still there or the provider revoked it (or let it lapse) while the
	// dispute ran: re-attesting would restore what the revocation takes
	// before governance has judged the image
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	until := sdk.UnwrapSDKContext(ctx).BlockTime().Add(p.RevocationCooldown)
	return k.Cooldowns.Set(ctx, op, types.Cooldown{Operator: d.Provider, Until: until, JobId: d.JobId})
}
