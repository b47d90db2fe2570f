package keeper

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/attest/tee"
	"github.com/verdict-chain/verdict/x/attest/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// verifier runs the cryptographic step; tests of the keeper's own rules
// may replace it (SetVerifier), the app never does.
type verifier interface {
	VerifyTDX(raw []byte, now time.Time, policy types.Policy, roots types.ParsedPolicy, src tee.CollateralSource) (tee.Result, error)
	VerifySNP(raw, vcek []byte, now time.Time, policy types.Policy, roots types.ParsedPolicy) (tee.Result, error)
}

type libraryVerifier struct{}

func (libraryVerifier) VerifyTDX(raw []byte, now time.Time, policy types.Policy, roots types.ParsedPolicy, src tee.CollateralSource) (tee.Result, error) {
	return tee.VerifyTDX(raw, now, policy, roots, src)
}

func (libraryVerifier) VerifySNP(raw, vcek []byte, now time.Time, policy types.Policy, roots types.ParsedPolicy) (tee.Result, error) {
	return tee.VerifySNP(raw, vcek, now, policy, roots)
}

// stateCollateral serves stored collateral to the TDX verifier.
type stateCollateral struct {
	ctx context.Context
	k   *Keeper
}

func (s stateCollateral) Collateral(kind types.CollateralKind, key string) (types.Collateral, bool, error) {
	c, err := s.k.Collaterals.Get(s.ctx, collections.Join(int32(kind), key))
	if errors.Is(err, collections.ErrNotFound) {
		return c, false, nil
	}
	return c, err == nil, err
}

// RegisterAttestation verifies a provider's evidence at block time and
// records what matters of it. Gas for the verification is charged first,
// before any byte is parsed.
func (k *Keeper) RegisterAttestation(ctx context.Context, msg *types.MsgRegisterAttestation) (types.Attestation, error) {
	var att types.Attestation
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	p, err := k.Params.Get(ctx)
	if err != nil {
		return att, err
	}
	policy, err := k.Policy.Get(ctx)
	if err != nil {
		return att, err
	}
	switch msg.TeeType {
	case types.TeeType_TEE_TYPE_TDX:
		gas := p.TdxVerifyGas
		if policy.TdxRequireCollateral {
			gas += p.TdxCollateralGas
		}
		sdkCtx.GasMeter().ConsumeGas(gas, "x/attest: TDX quote verification")
		if len(msg.Vcek) != 0 {
			return att, errorsmod.Wrap(types.ErrInvalidEvidence, "a TDX quote carries its own PCK chain: vcek must be empty")
		}
	case types.TeeType_TEE_TYPE_SEV_SNP:
		sdkCtx.GasMeter().ConsumeGas(p.SnpVerifyGas, "x/attest: SEV-SNP report verification")
		if len(msg.Vcek) == 0 {
			return att, errorsmod.Wrap(types.ErrInvalidEvidence, "an SEV-SNP report needs its VCEK certificate")
		}
	default:
		return att, errorsmod.Wrapf(types.ErrInvalidEvidence, "unknown TEE type %s", msg.TeeType)
	}
	if n := len(msg.Evidence) + len(msg.Vcek); n > int(p.MaxEvidenceBytes) {
		return att, errorsmod.Wrapf(types.ErrInvalidEvidence, "evidence is %d bytes, over max_evidence_bytes %d", n, p.MaxEvidenceBytes)
	}
	if len(msg.EnclavePubkey) != ed25519.PublicKeySize {
		return att, errorsmod.Wrapf(types.ErrInvalidEvidence, "enclave_pubkey must be a %d-byte ed25519 key", ed25519.PublicKeySize)
	}
	op, err := k.addr("operator", msg.Operator)
	if err != nil {
		return att, err
	}
	prov, err := k.jobs.GetProvider(ctx, op)
	if err != nil {
		return att, errorsmod.Wrapf(types.ErrNotProvider, "%s is not a registered provider", msg.Operator)
	}
	if prov.Status != jobstypes.ProviderStatus_PROVIDER_STATUS_ACTIVE {
		return att, errorsmod.Wrapf(types.ErrNotProvider, "%s is %s; only an active provider attests", msg.Operator, prov.Status)
	}
	if c, err := k.Cooldowns.Get(ctx, op); err == nil {
		if sdkCtx.BlockTime().Before(c.Until) {
			return att, errorsmod.Wrapf(types.ErrCooldown, "%s's attestation was revoked after a lost dispute on job %d: it may attest again from %s", msg.Operator, c.JobId, c.Until)
		}
		if err := k.Cooldowns.Remove(ctx, op); err != nil {
			return att, err
		}
	} else if !errors.Is(err, collections.ErrNotFound) {
		return att, err
	}
	hash, err := k.nonce(ctx, p, msg.NonceHeight)
	if err != nil {
		return att, err
	}
	roots, err := policy.Parse()
	if err != nil {
		return att, err
	}
	now := sdkCtx.BlockTime()
	var res tee.Result
	if msg.TeeType == types.TeeType_TEE_TYPE_TDX {
		res, err = k.verifier().VerifyTDX(msg.Evidence, now, policy, roots, stateCollateral{ctx, k})
	} else {
		res, err = k.verifier().VerifySNP(msg.Evidence, msg.Vcek, now, policy, roots)
	}
	if err != nil {
		return att, err
	}
	if want := types.ReportData(sdkCtx.ChainID(), op, hash, msg.EnclavePubkey); res.ReportData != want {
		return att, errorsmod.Wrapf(types.ErrBadBinding, "report data %x, want %x (query report-data for the nonce height and enclave key)", res.ReportData[:8], want[:8])
	}
	if ok, err := k.Measurements.Has(ctx, collections.Join(int32(res.Type), res.Measurement)); err != nil {
		return att, err
	} else if !ok {
		return att, errorsmod.Wrapf(types.ErrMeasurementNotAllowed, "%s measurement %x", res.Type, res.Measurement)
	}
	expires := now.Add(p.AttestationValidity)
	if !res.NotAfter.IsZero() && res.NotAfter.Before(expires) {
		expires = res.NotAfter
	}
	if !expires.After(now) {
		return att, errorsmod.Wrap(types.ErrCertificateExpired, "the evidence's certificates or collateral expire now")
	}
	if err := k.removeAttestation(ctx, op); err != nil {
		return att, err
	}
	att = types.Attestation{
		Operator: msg.Operator, TeeType: res.Type, Measurement: res.Measurement, EnclavePubkey: msg.EnclavePubkey,
		NonceHeight: msg.NonceHeight, AttestedAt: now, ExpiresAt: expires, Tcb: res.TCB, Platform: res.Platform,
	}
	if err := k.setAttestation(ctx, op, att); err != nil {
		return att, err
	}
	return att, sdkCtx.EventManager().EmitTypedEvent(&types.EventAttested{
		Operator: msg.Operator, TeeType: res.Type, Measurement: hex.EncodeToString(res.Measurement), ExpiresAt: expires,
	})
}

func (k *Keeper) verifier() verifier {
	if k.testVerifier != nil {
		return k.testVerifier
	}
	return libraryVerifier{}
}

func (k *Keeper) setAttestation(ctx context.Context, op sdk.AccAddress, a types.Attestation) error {
	if err := k.Attestations.Set(ctx, op, a); err != nil {
		return err
	}
	return k.ExpiryQueue.Push(ctx, a.ExpiresAt, op)
}

// removeAttestation deletes op's record and its expiry entry, if any.
func (k *Keeper) removeAttestation(ctx context.Context, op sdk.AccAddress) error {
	old, err := k.Attestations.Get(ctx, op)
	if errors.Is(err, collections.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := k.ExpiryQueue.Remove(ctx, old.ExpiresAt, op); err != nil {
		return err
	}
	return k.Attestations.Remove(ctx, op)
}

// Revoke deletes op's attestation and says why (its own request, or a lost
// dispute on an enclave-signed result).
func (k *Keeper) Revoke(ctx context.Context, op sdk.AccAddress, reason string, jobID uint64) error {
	a, err := k.Attestations.Get(ctx, op)
	if errors.Is(err, collections.ErrNotFound) {
		return errorsmod.Wrapf(types.ErrNotFound, "%s has no attestation", k.str(op))
	}
	if err != nil {
		return err
	}
	if err := k.removeAttestation(ctx, op); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventAttestationRevoked{
		Operator: a.Operator, Reason: reason, JobId: jobID, TeeType: a.TeeType, Measurement: hex.EncodeToString(a.Measurement),
	})
}

// Attested is op's attestation if it counts now: recorded, not expired,
// and its measurement still on the allowlist (removing a measurement
// revokes every attestation that uses it at once, without a sweep). The
// reason says why not.
func (k *Keeper) Attested(ctx context.Context, op sdk.AccAddress) (types.Attestation, bool, string, error) {
	a, err := k.Attestations.Get(ctx, op)
	if errors.Is(err, collections.ErrNotFound) {
		return a, false, "no attestation", nil
	}
	if err != nil {
		return a, false, "", err
	}
	if now := sdk.UnwrapSDKContext(ctx).BlockTime(); !now.Before(a.ExpiresAt) {
		return a, false, fmt.Sprintf("expired at %s", a.ExpiresAt.UTC().Format(time.RFC3339)), nil
	}
	ok, err := k.Measurements.Has(ctx, collections.Join(int32(a.TeeType), a.Measurement))
	if err != nil {
		return a, false, "", err
	}
	if !ok {
		return a, false, fmt.Sprintf("measurement %x is no longer allowed", a.Measurement), nil
	}
	return a, true, "", nil
}

// IsAttested tells whether the provider's attestation counts now.
func (k *Keeper) IsAttested(ctx context.Context, operator string) (bool, error) {
	op, err := k.addr("operator", operator)
	if err != nil {
		return false, err
	}
	_, ok, _, err := k.Attested(ctx, op)
	return ok, err
}

// settleExpiry deletes an attestation whose time has come (unless it was
// renewed since: then the entry is stale).
func (k *Keeper) settleExpiry(ctx context.Context, due time.Time, op sdk.AccAddress) error {
	a, err := k.Attestations.Get(ctx, op)
	if errors.Is(err, collections.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !a.ExpiresAt.Equal(due) {
		return nil
	}
	if err := k.Attestations.Remove(ctx, op); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventAttestationExpired{Operator: a.Operator})
}

// AllowMeasurement adds a measurement to the allowlist.
func (k *Keeper) AllowMeasurement(ctx context.Context, m types.Measurement) error {
	if err := types.ValidateMeasurement(m); err != nil {
		return err
	}
	if err := k.Measurements.Set(ctx, collections.Join(int32(m.TeeType), m.Value), m); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventMeasurementAllowed{TeeType: m.TeeType, Measurement: m.Hex()})
}

// RemoveMeasurement takes a measurement off the allowlist: every
// attestation that uses it stops counting at once.
func (k *Keeper) RemoveMeasurement(ctx context.Context, t types.TeeType, value []byte) error {
	key := collections.Join(int32(t), value)
	ok, err := k.Measurements.Has(ctx, key)
	if err != nil {
		return err
	}
	if !ok {
		return errorsmod.Wrapf(types.ErrNotFound, "%s measurement %x is not on the allowlist", t, value)
	}
	if err := k.Measurements.Remove(ctx, key); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventMeasurementRemoved{TeeType: t, Measurement: hex.EncodeToString(value)})
}

// SubmitCollateral checks an Intel PCS document against the policy's roots
// at block time and stores it, unless a newer one is stored.
func (k *Keeper) SubmitCollateral(ctx context.Context, msg *types.MsgSubmitCollateral) (types.Collateral, error) {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	p, err := k.Params.Get(ctx)
	if err != nil {
		return types.Collateral{}, err
	}
	sdkCtx.GasMeter().ConsumeGas(p.CollateralVerifyGas, "x/attest: collateral verification")
	if n := len(msg.Body) + len(msg.IssuerChain); n > int(p.MaxCollateralBytes) {
		return types.Collateral{}, errorsmod.Wrapf(types.ErrInvalidCollateral, "%d bytes, over max_collateral_bytes %d", n, p.MaxCollateralBytes)
	}
	policy, err := k.Policy.Get(ctx)
	if err != nil {
		return types.Collateral{}, err
	}
	roots, err := policy.Parse()
	if err != nil {
		return types.Collateral{}, err
	}
	c, err := tee.CheckCollateral(msg.Kind, msg.Body, msg.IssuerChain, sdkCtx.BlockTime(), roots)
	if err != nil {
		return c, err
	}
	key := collections.Join(int32(c.Kind), c.Key)
	stored, err := k.Collaterals.Get(ctx, key)
	switch {
	case err == nil:
		if err := tee.Newer(c, stored); err != nil {
			return c, err
		}
	case !errors.Is(err, collections.ErrNotFound):
		return c, err
	}
	c.Submitter = msg.Submitter
	if err := k.Collaterals.Set(ctx, key, c); err != nil {
		return c, err
	}
	return c, sdkCtx.EventManager().EmitTypedEvent(&types.EventCollateralStored{Kind: c.Kind, Key: c.Key, Version: c.Version, NextUpdate: c.NextUpdate})
}
