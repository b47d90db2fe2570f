package keeper

import (
	"context"
	"errors"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/dispute/zkverify"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// ProveTime is how long the chain lets a provider take to prove a job's
// result: the result's prove_time, frozen by x/jobs when it was posted
// (the provider's declaration for the circuit, bounded by x/jobs'
// max_prove_time when made, or x/jobs' default_prove_time then). The chain
// never counts a provider faster than it said, or was told, it proves on
// the result in question: a cap applied here (once max_prove_time), the
// declaration read when the dispute opened (after an offer update under a
// lowered bound, or a withdrawn circuit) or the default read then (after
// governance lowered it) booked a flood at a pace the provider never
// accepted for that result (TestReview8LoweredMaxProveTimeUndercountsDeclaredPace,
// TestReview10OfferUpdateAfterLoweredMaxProveTimeUndercountsPostedResults,
// TestReview10WithdrawnCircuitBooksPostedResultsAtDefault,
// TestReview11DefaultProveTimeLoweredAfterPost). A result without one
// (x/jobs' genesis refuses it) is counted at the longest any declaration
// may be: slow for a fraud, never short for an honest provider.
func ProveTime(j jobstypes.Job) time.Duration {
	if j.Result != nil && j.Result.ProveTime > 0 {
		return j.Result.ProveTime
	}
	return jobstypes.MaxProveTime
}

// provingSlot is where a new dispute of job j queues on its provider's
// proving: the backlog in front of it and the prove time it books. Its
// deadline is opening + backlog + prove time + proof_window: the window is
// the margin on top of the work (seeing the block, including the proof),
// so any prove time fits it.
//
// The backlog is the lesser of two bounds on the proving an honest
// provider — one proving its open disputes one after another, earliest
// deadline first, at its declared pace, from the moment each opens — still
// has ahead of it:
//
//   - open_work + (sunk_until − now): the prove times booked by its open
//     disputes, plus the rest of a proof it may still be making for a
//     dispute that closed under it. A dispute that closes (proven by the
//     provider, by a challenger at once, or lost) gives back exactly what
//     it booked; unless the provider's own proof closed it, the provider
//     may have been proving it and cannot take that back, so it stays busy
//     up to its prove time after the close (a challenger submitting the
//     provider's proof of the dispute being proven, then opening more at
//     once, got them due before the provider could reach them:
//     TestReview9ProofInProgressOfAClosedDisputeIsNotCounted). A queue of
//     times that freed "the unspent part of a slot" counted finished proofs
//     twice after one early close
//     (TestReview6FreedProvingTimeDoubleCountsElapsedSlots,
//     TestReview7EarlyCloseRestoresDoubleCount).
//   - busy_until − now: when it would be done with every dispute booked,
//     proving without pause. Work does not wait on disputes the provider
//     lets lapse: without this bound a provider's own sybils challenging
//     its results and never answered kept their bookings for their whole
//     lives and pushed an honest challenger's deadline back without limit
//     (TestReview8LapsingSelfChallengesSnowballTheBacklog).
//
// The work due before any open dispute's deadline never exceeds the time
// left to it, whatever part of a proof is in progress and however disputes
// close. A halt touches neither bound's promise: deadlines stand later by
// the halt (x/internal/haltclock), busy_until does not move.
func (k *Keeper) provingSlot(ctx context.Context, p types.Params, j jobstypes.Job, now time.Time) (backlog, prove time.Duration, err error) {
	_, b, err := k.backlogOf(ctx, j.Provider)
	if err != nil {
		return 0, 0, err
	}
	return backlogAt(b, now), ProveTime(j), nil
}

// backlogAt is what stands in front of a dispute opening at now. On a
// running chain sunk_until is never more than one prove time ahead (at
// most jobstypes.MaxProveTime); the clamp holds that for any state a
// genesis file can carry too, so the sum cannot overflow into a deadline
// before the dispute opened, nor a far-future entry stretch every
// deadline of its provider (TestReview11GenesisFarFutureBacklogOverflows,
// TestReview11GenesisFarFutureBacklogStretchesFraud).
func backlogAt(b types.ProvingBacklog, now time.Time) time.Duration {
	sunk := min(max(b.SunkUntil.Sub(now), 0), jobstypes.MaxProveTime)
	return min(b.OpenWork+sunk, max(b.BusyUntil.Sub(now), 0))
}

// idle: nothing stands, nor can come to stand, in front of the provider's
// next dispute; its entry can go (finite state).
func idle(b types.ProvingBacklog, now time.Time) bool {
	return b.OpenWork == 0 && backlogAt(b, now) == 0
}

func (k *Keeper) provingBacklog(ctx context.Context, op sdk.AccAddress) (types.ProvingBacklog, error) {
	b, err := k.ProvingBacklog.Get(ctx, op)
	if isNotFound(err) {
		return types.ProvingBacklog{}, nil
	}
	return b, err
}

// backlogOf is a provider's entry by its address string (empty if none).
func (k *Keeper) backlogOf(ctx context.Context, provider string) (sdk.AccAddress, types.ProvingBacklog, error) {
	op, err := k.addressCodec.StringToBytes(provider)
	if err != nil {
		return nil, types.ProvingBacklog{}, errorsmod.Wrap(types.ErrInvalidAddress, err.Error())
	}
	b, err := k.provingBacklog(ctx, op)
	return op, b, err
}

// bookProving adds a dispute opening now to its provider's backlog.
func (k *Keeper) bookProving(ctx context.Context, d types.Dispute, now time.Time) error {
	op, b, err := k.backlogOf(ctx, d.Provider)
	if err != nil {
		return err
	}
	if b.BusyUntil.Before(now) {
		b.BusyUntil = now
	}
	b.OpenWork += d.ProveTime
	b.BusyUntil = b.BusyUntil.Add(d.ProveTime)
	return k.ProvingBacklog.Set(ctx, op, b)
}

// releaseProving gives a closing dispute's booked prove time back (its
// busy_until share stays: that time was the provider's); unless the
// provider's own proof closed it, the provider may be busy with it until
// now + its prove time (sunk_until). The entry goes when the provider is
// idle, or else when the last of its disputes is pruned (settlePrune).
// Open work smaller than the booking is an accounting fault.
func (k *Keeper) releaseProving(ctx context.Context, d types.Dispute, res *types.Resolution, now time.Time) error {
	op, b, err := k.backlogOf(ctx, d.Provider)
	if err != nil {
		return err
	}
	if b.OpenWork < d.ProveTime {
		return errorsmod.Wrapf(types.ErrAccounting, "open proving work of %s is %s, less than the %s dispute %d booked", d.Provider, b.OpenWork, d.ProveTime, d.JobId)
	}
	b.OpenWork -= d.ProveTime
	ownProof := res != nil && res.ProvenBy == d.Provider && res.Claim == types.Claim_CLAIM_PROVIDER
	if end := now.Add(d.ProveTime); !ownProof && end.After(b.SunkUntil) {
		b.SunkUntil = end
	}
	if idle(b, now) {
		return k.ProvingBacklog.Remove(ctx, op)
	}
	return k.ProvingBacklog.Set(ctx, op, b)
}

// dropIdleBacklog removes a provider's entry once it is idle (called when
// one of its disputes is pruned, long after any proof in progress ended).
func (k *Keeper) dropIdleBacklog(ctx context.Context, provider string, now time.Time) error {
	op, b, err := k.backlogOf(ctx, provider)
	if err != nil {
		return err
	}
	if idle(b, now) {
		return k.ProvingBacklog.Remove(ctx, op)
	}
	return nil
}

// VerifyJobProof is the on-chain proof check: the circuit's parsed key
// (cached), public inputs built from the job and the claimed output, strict
// decoding, then Groth16 verification. It returns ErrMalformedProof,
// ErrInvalidProof, ErrInvalidCommitment or ErrCircuitNotFound. Gas is the
// caller's business (SubmitProof charges it first).
func (k *Keeper) VerifyJobProof(ctx context.Context, circuitID string, j jobstypes.Job, output, proof []byte) error {
	public, err := types.PublicInputs(j, output)
	if err != nil {
		return err
	}
	return k.verifyPublic(ctx, circuitID, public, proof)
}

// verifyPublic checks a proof under a registered circuit against public
// inputs the chain built.
func (k *Keeper) verifyPublic(ctx context.Context, circuitID string, public []fr.Element, proof []byte) error {
	vk, err := k.verifyingKey(ctx, circuitID)
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
