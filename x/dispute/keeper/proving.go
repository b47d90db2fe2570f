package keeper

import (
	"context"
	"errors"
	"time"

	errorsmod "cosmossdk.io/errors"

	"github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/dispute/zkverify"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// ProveTime is how long the chain lets a provider take to prove one result
// of a circuit: what it declared (x/jobs), or default_prove_time, at most
// max_prove_time.
func ProveTime(p types.Params, prov jobstypes.Provider, circuitID string) time.Duration {
	t := jobstypes.ProveTimeFor(prov, circuitID)
	if t <= 0 {
		t = p.DefaultProveTime
	}
	return min(t, p.MaxProveTime)
}

// reserveProving books one proof on the provider's proving queue and
// returns the backlog in front of it (zero when the queue is free now).
func (k *Keeper) reserveProving(ctx context.Context, p types.Params, j jobstypes.Job, now time.Time) (time.Duration, error) {
	op, err := k.addressCodec.StringToBytes(j.Provider)
	if err != nil {
		return 0, errorsmod.Wrap(types.ErrInvalidAddress, err.Error())
	}
	prov, err := k.jobs.GetProvider(ctx, op)
	if err != nil {
		return 0, err
	}
	free := now
	if f, err := k.ProverQueue.Get(ctx, op); err == nil {
		if t := time.Unix(0, f).UTC(); t.After(now) {
			free = t
		}
	} else if !isNotFound(err) {
		return 0, err
	}
	if err := k.ProverQueue.Set(ctx, op, free.Add(ProveTime(p, prov, j.CircuitId)).UnixNano()); err != nil {
		return 0, err
	}
	return free.Sub(now), nil
}

// VerifyJobProof is the on-chain proof check: the circuit's parsed key
// (cached), public inputs built from the job and the claimed output, strict
// decoding, then Groth16 verification. It returns ErrMalformedProof,
// ErrInvalidProof, ErrInvalidCommitment or ErrCircuitNotFound. Gas is the
// caller's business (SubmitProof charges it first).
func (k *Keeper) VerifyJobProof(ctx context.Context, circuitID string, j jobstypes.Job, output, proof []byte) error {
	vk, err := k.verifyingKey(ctx, circuitID)
	if err != nil {
		return err
	}
	public, err := types.PublicInputs(j, output)
	if err != nil {
		return err
	}
	if err := zkverify.Verify(vk, proof, public); err != nil {
		if errors.Is(err, zkverify.ErrMalformedProof) {
			return errorsmod.Wrap(types.ErrMalformedProof, err.Error())
		}
		return errorsmod.Wrap(types.ErrInvalidProof, err.Error())
	}
	return nil
}

// unspentSlot is the part of a dispute's proving slot not yet behind now.
// Its slot is the prove time booked at opening, starting where its proof
// window's backlog ended: the proof deadline (as set) less the proof
// window.
func unspentSlot(d types.Dispute, window, prove time.Duration, now time.Time) time.Duration {
	start := d.ProofDeadline.Add(-window)
	end := start.Add(prove)
	if now.After(start) {
		start = now
	}
	return max(end.Sub(start), 0)
}
