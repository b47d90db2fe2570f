package keeper

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/jobs/serving"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// disputable checks that a job's result can be disputed now (its window's
// end as it stands: later by any halt since it was set).
func (k *Keeper) disputable(ctx context.Context, j jobstypes.Job) error {
	if j.Status != jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED || j.Result == nil {
		return errorsmod.Wrapf(types.ErrNotDisputable, "job %d is %s; only a posted result can be disputed", j.Id, j.Status)
	}
	if j.CircuitId == "" {
		return errorsmod.Wrapf(types.ErrNotDisputable, "job %d names no circuit; it settles by attestation or SLA rules", j.Id)
	}
	credit, err := k.jobs.HaltCredit(ctx)
	if err != nil {
		return err
	}
	if end := jobstypes.AsOf(j.WindowEnd, j, credit); !sdk.UnwrapSDKContext(ctx).BlockTime().Before(end) {
		return errorsmod.Wrapf(types.ErrNotDisputable, "job %d challenge window ended at %s", j.Id, end)
	}
	return nil
}

// Challenge disputes job msg.JobId's result against a bond: for a batch
// job, the result's item (the whole job fails if that item is proven
// wrong). A serving checkpoint's challenge may carry the receipt of that
// request (CheckChallengeReceipt): the dispute is then about that receipt,
// and with the checkpoint's differing leaf it is equivocation, resolved
// against the provider at once.
func (k *Keeper) Challenge(ctx context.Context, challenger sdk.AccAddress, msg *types.MsgChallenge) (types.Dispute, error) {
	jobID, counter, item := msg.JobId, msg.CounterCommitment, msg.Item
	sdk.UnwrapSDKContext(ctx).GasMeter().ConsumeGas(types.ReceiptGas(msg), "x/dispute: serving receipt evidence")
	p, err := k.Params.Get(ctx)
	if err != nil {
		return types.Dispute{}, err
	}
	j, err := k.jobs.GetJob(ctx, jobID)
	if err != nil {
		return types.Dispute{}, err
	}
	if err := k.disputable(ctx, j); err != nil {
		return types.Dispute{}, err
	}
	challengerStr, err := k.addressCodec.BytesToString(challenger)
	if err != nil {
		return types.Dispute{}, errorsmod.Wrap(types.ErrInvalidAddress, err.Error())
	}
	if challengerStr == j.Provider {
		return types.Dispute{}, errorsmod.Wrap(types.ErrUnauthorized, "a provider cannot challenge its own result")
	}
	if jobstypes.IsBatch(j) && item >= j.Items {
		return types.Dispute{}, errorsmod.Wrapf(types.ErrInvalidItem, "item %d of a batch of %d", item, j.Items)
	}
	if !jobstypes.IsBatch(j) && item != 0 {
		return types.Dispute{}, errorsmod.Wrapf(types.ErrInvalidItem, "job %d is not a batch: it has no item %d", j.Id, item)
	}
	if len(counter) > 0 {
		if err := jobstypes.ValidateCommitment("counter_commitment", counter); err != nil {
			return types.Dispute{}, errorsmod.Wrap(types.ErrInvalidCommitment, err.Error())
		}
		// a batch result commits to its items by a tree root: the item's
		// posted output is compared when the counter is proven (CheckItem)
		if !jobstypes.IsBatch(j) && bytes.Equal(counter, j.Result.OutputCommitment) {
			return types.Dispute{}, errorsmod.Wrap(types.ErrInvalidCommitment, "counter_commitment equals the provider's output commitment")
		}
	}
	var receipt []byte
	equivocation := false
	if msg.HasReceipt() {
		if receipt, equivocation, err = types.CheckChallengeReceipt(j, msg); err != nil {
			return types.Dispute{}, err
		}
	}
	bond := types.ChallengeBondFor(p, j)
	if bond.Denom != j.Escrow.Denom {
		return types.Dispute{}, errorsmod.Wrapf(types.ErrInvalidParams, "challenge bond denom %s differs from the job's %s", bond.Denom, j.Escrow.Denom)
	}
	if err := k.lockChallengeBond(ctx, challenger, bond); err != nil {
		return types.Dispute{}, err
	}
	d, err := k.open(ctx, j, p, types.DisputeKind_DISPUTE_KIND_CHALLENGE, challengerStr, bond, counter, item, receipt)
	if err != nil {
		return d, err
	}
	var seq uint64
	if receipt != nil {
		seq = j.Checkpoint.First + item
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventChallenged{
		JobId: j.Id, Challenger: challengerStr, Bond: bond, CounterCommitment: counter, ProofDeadline: d.ProofDeadline, Item: item, ReceiptSeq: seq,
	}); err != nil {
		return d, err
	}
	if !equivocation {
		return d, nil
	}
	return k.providerLoses(ctx, p, d, equivocationReason(seq), challengerStr, types.Claim_CLAIM_UNSPECIFIED)
}

func equivocationReason(seq uint64) string {
	return fmt.Sprintf("equivocation: the provider served request %d with another output than its checkpoint holds", seq)
}

// open marks the job disputed and records an OPEN dispute with its
// deadline. A provider can answer every dispute the chain accepts: the
// deadlines of the disputes open against it are spaced by the proving
// time of their results (frozen at post: its declaration, or x/jobs'
// default_prove_time), so the k-th of a flood due at once gets
// proof_window plus the time to prove the k disputes up to and including
// it (provingSlot). The
// deadline also stands later by every halt after it was set
// (x/internal/haltclock).
func (k *Keeper) open(ctx context.Context, j jobstypes.Job, p types.Params, kind types.DisputeKind, challenger string, bond sdk.Coin, counter []byte, item uint64, receipt []byte) (types.Dispute, error) {
	marked, err := k.jobs.MarkDisputed(ctx, j.Id)
	if err != nil {
		return types.Dispute{}, err
	}
	now := sdk.UnwrapSDKContext(ctx).BlockTime()
	backlog, prove, err := k.provingSlot(ctx, p, j, now)
	if err != nil {
		return types.Dispute{}, err
	}
	credit, err := k.jobs.HaltCredit(ctx)
	if err != nil {
		return types.Dispute{}, err
	}
	d := types.Dispute{
		JobId:             j.Id,
		Kind:              kind,
		Provider:          j.Provider,
		Challenger:        challenger,
		Bond:              bond,
		CounterCommitment: counter,
		CircuitId:         j.CircuitId,
		OpenedAt:          now,
		ProofDeadline:     now.Add(backlog + prove + p.ProofWindow),
		Status:            types.DisputeStatus_DISPUTE_STATUS_OPEN,
		HaltCredit:        credit,
		ProveTime:         prove,
		Item:              item,
		Receipt:           receipt,
		// positive: MarkDisputed checked the window; at most what any
		// challenge_window allows (a window a hand-made genesis set longer
		// could otherwise never resume, and an honest item proof would fail)
		WindowLeft: min(marked.WindowEnd.Sub(now), jobstypes.MaxChallengeWindow),
	}
	if err := k.bookProving(ctx, d, now); err != nil {
		return d, err
	}
	// a batch job disputed again (an item proven before): the earlier
	// dispute's record gives way, and its prune entry goes with it
	if old, err := k.Disputes.Get(ctx, d.JobId); err == nil && old.Resolution != nil {
		if err := k.PruneQueue.Remove(ctx, old.Resolution.ResolvedAt.Add(p.Retention), d.JobId); err != nil {
			return d, err
		}
	} else if err != nil && !isNotFound(err) {
		return d, err
	}
	if err := k.Disputes.Set(ctx, d.JobId, d); err != nil {
		return d, err
	}
	return d, k.DeadlineQueue.Push(ctx, d.ProofDeadline, d.JobId)
}

// deadlineNow is a dispute's proof deadline as it stands now: later by
// every halt since it was set.
func (k *Keeper) deadlineNow(ctx context.Context, d types.Dispute) (time.Time, time.Duration, error) {
	now, err := k.jobs.HaltCredit(ctx)
	if err != nil {
		return d.ProofDeadline, now, err
	}
	if now <= d.HaltCredit {
		return d.ProofDeadline, now, nil // a deadline never moves earlier (a record from another clock)
	}
	return d.ProofDeadline.Add(now - d.HaltCredit), now, nil
}

// SubmitProof checks a proof for a disputed job and resolves the dispute
// when it verifies. Verification gas is charged first, before any decoding.
func (k *Keeper) SubmitProof(ctx context.Context, submitter string, msg *types.MsgSubmitProof) (types.Dispute, error) {
	jobID, claim, proof := msg.JobId, msg.Claim, msg.Proof
	p, err := k.Params.Get(ctx)
	if err != nil {
		return types.Dispute{}, err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	sdkCtx.GasMeter().ConsumeGas(p.VerifyGas, "x/dispute: groth16 proof check")
	if msg.HasItem() {
		sdkCtx.GasMeter().ConsumeGas(types.ItemGas(msg), "x/dispute: batch item paths and commitments")
	}
	if len(proof) > int(p.MaxProofBytes) {
		return types.Dispute{}, errorsmod.Wrapf(types.ErrMalformedProof, "proof is %d bytes, max %d", len(proof), p.MaxProofBytes)
	}
	d, err := k.Disputes.Get(ctx, jobID)
	if isNotFound(err) {
		return d, errorsmod.Wrapf(types.ErrDisputeNotFound, "job %d", jobID)
	} else if err != nil {
		return d, err
	}
	if d.Status != types.DisputeStatus_DISPUTE_STATUS_OPEN {
		return d, errorsmod.Wrapf(types.ErrDisputeClosed, "dispute of job %d is %s", jobID, d.Status)
	}
	deadline, _, err := k.deadlineNow(ctx, d)
	if err != nil {
		return d, err
	}
	if !sdkCtx.BlockTime().Before(deadline) {
		return d, errorsmod.Wrapf(types.ErrProofDeadline, "proof deadline of job %d was %s", jobID, deadline)
	}
	j, err := k.jobs.GetJob(ctx, jobID)
	if err != nil {
		return d, err
	}
	if claim != types.Claim_CLAIM_PROVIDER && claim != types.Claim_CLAIM_COUNTER {
		return d, errorsmod.Wrapf(types.ErrInvalidClaim, "claim must be PROVIDER or COUNTER, got %s", claim)
	}
	if j.Result == nil {
		return d, errorsmod.Wrapf(types.ErrInvalidClaim, "job %d has no result", jobID)
	}
	if claim == types.Claim_CLAIM_COUNTER && len(d.CounterCommitment) == 0 {
		return d, errorsmod.Wrapf(types.ErrInvalidClaim, "dispute of job %d has no counter commitment", jobID)
	}
	var public []fr.Element
	if jobstypes.IsBatch(j) {
		// the item's input and the provider's posted output, each proven
		// to be item d.Item of its tree; the chain commits to them itself
		in, posted, err := types.CheckItem(j, d.Item, msg)
		if err != nil {
			return d, errorsmod.Wrapf(err, "job %d", jobID)
		}
		// a challenge with a receipt: the checkpoint's leaf, now revealed,
		// answers the receipt's request and input with another output than
		// the provider signed to the buyer — equivocation, no proof needed
		if len(d.Receipt) != 0 && j.Checkpoint != nil {
			served, err1 := serving.ParseBody(d.Receipt)
			leaf, err2 := serving.ParseBody(msg.Receipt)
			if err1 == nil && err2 == nil && types.Contradicts(served, leaf) {
				return k.providerLoses(ctx, p, d, equivocationReason(j.Checkpoint.First+d.Item), submitter, types.Claim_CLAIM_UNSPECIFIED)
			}
		}
		output := posted[:]
		if claim == types.Claim_CLAIM_COUNTER {
			if bytes.Equal(d.CounterCommitment, posted[:]) {
				return d, errorsmod.Wrapf(types.ErrInvalidClaim, "the provider posted item %d's output the counter claims: there is nothing to refute", d.Item)
			}
			output = d.CounterCommitment
		}
		if public, err = types.PublicInputsItem(j, d.Item, in[:], output); err != nil {
			return d, err
		}
	} else {
		if msg.HasItem() {
			return d, errorsmod.Wrapf(types.ErrInvalidItem, "job %d is not a batch: a proof carries no item evidence", jobID)
		}
		output := j.Result.OutputCommitment
		if claim == types.Claim_CLAIM_COUNTER {
			output = d.CounterCommitment
		}
		if public, err = types.PublicInputs(j, output); err != nil {
			return d, err
		}
	}
	if err := k.verifyPublic(ctx, d.CircuitId, public, proof); err != nil {
		return d, errorsmod.Wrapf(err, "job %d, %s claim", jobID, claim)
	}
	if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventProofAccepted{
		JobId: jobID, Claim: claim, Submitter: submitter, CircuitId: d.CircuitId,
	}); err != nil {
		return d, err
	}
	if claim == types.Claim_CLAIM_PROVIDER {
		return k.providerWins(ctx, p, d, submitter)
	}
	return k.providerLoses(ctx, p, d, "the challenger proved a different output", submitter, claim)
}

func (k *Keeper) newResolution(ctx context.Context, denom, reason, provenBy string, claim types.Claim) *types.Resolution {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	zero := sdk.NewCoin(denom, math.ZeroInt())
	return &types.Resolution{
		Reason: reason, ProvenBy: provenBy, Claim: claim,
		Slashed: zero, ToProvider: zero, ToChallenger: zero, ToCommunityPool: zero,
		ResolvedAt: sdkCtx.BlockTime(), ResolvedHeight: sdkCtx.BlockHeight(),
	}
}

// providerWins: the provider's output is proven. A challenger's bond goes
// reward_share to the provider and the rest to the community pool; the job
// is paid as usual.
func (k *Keeper) providerWins(ctx context.Context, p types.Params, d types.Dispute, provenBy string) (types.Dispute, error) {
	res := k.newResolution(ctx, d.Bond.Denom, "the provider's output was proven", provenBy, types.Claim_CLAIM_PROVIDER)
	if d.Kind == types.DisputeKind_DISPUTE_KIND_CHALLENGE {
		toProvider := types.ProviderShare(p, d.Bond.Amount)
		rest := d.Bond.Amount.Sub(toProvider)
		op, err := k.addressCodec.StringToBytes(d.Provider)
		if err != nil {
			return d, err
		}
		if err := k.forfeitChallengeBond(ctx, d.Bond, op, toProvider); err != nil {
			return d, err
		}
		res.ToProvider = sdk.NewCoin(d.Bond.Denom, toProvider)
		res.ToCommunityPool = sdk.NewCoin(d.Bond.Denom, rest)
	}
	j, err := k.jobs.GetJob(ctx, d.JobId)
	if err != nil {
		return d, err
	}
	if !jobstypes.IsBatch(j) {
		if _, err := k.jobs.ResolveDispute(ctx, d.JobId, true); err != nil {
			return d, err
		}
		return k.close(ctx, p, d, types.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, res)
	}
	// one item proven right says nothing of the others: the rest of the
	// challenge window runs again (x/jobs ResumeWindow)
	if j, err = k.jobs.ResumeWindow(ctx, d.JobId, d.WindowLeft); err != nil {
		return d, err
	}
	if d, err = k.close(ctx, p, d, types.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, res); err != nil {
		return d, err
	}
	// a lottery postponed while this dispute was open is drawn at the end
	// of this block (drawAudits), not here: inside a transaction its sender
	// could retry the draw until it fell on an honest item
	deferred, err := k.DeferredAudits.Has(ctx, d.JobId)
	if err != nil || !deferred {
		return d, err
	}
	if err := k.DeferredAudits.Remove(ctx, d.JobId); err != nil {
		return d, err
	}
	return d, k.PendingAudits.Set(ctx, j.Id)
}

// providerLoses: the result is wrong (a counter proof) or unproven by the
// deadline. The provider's bond is slashed by the job's FraudSlash
// (fraud_slash_multiple × its payment, at most fraud_slash_bps of the
// bond); a challenger
// gets its bond back plus challenger_reward_bps of the slash; the rest of the
// slash goes to the community pool; the buyer is refunded in full.
func (k *Keeper) providerLoses(ctx context.Context, p types.Params, d types.Dispute, reason, provenBy string, claim types.Claim) (types.Dispute, error) {
	res := k.newResolution(ctx, d.Bond.Denom, reason, provenBy, claim)
	op, err := k.addressCodec.StringToBytes(d.Provider)
	if err != nil {
		return d, err
	}
	prov, err := k.jobs.GetProvider(ctx, op)
	if err != nil {
		return d, err
	}
	j, err := k.jobs.GetJob(ctx, d.JobId)
	if err != nil {
		return d, err
	}
	slash := types.FraudSlash(p, prov.Bond.Amount, j)
	var payouts []jobstypes.Payout
	var challenger sdk.AccAddress
	reward := math.ZeroInt()
	if d.Kind == types.DisputeKind_DISPUTE_KIND_CHALLENGE {
		if challenger, err = k.addressCodec.StringToBytes(d.Challenger); err != nil {
			return d, err
		}
		reward = types.ChallengerReward(p, slash)
		payouts = append(payouts, jobstypes.Payout{To: challenger, Amount: reward})
	}
	slashed, err := k.jobs.SlashBond(ctx, op, slash, "x/dispute: "+reason, payouts)
	if err != nil {
		return d, err
	}
	reward = math.MinInt(reward, slashed)
	res.Slashed = sdk.NewCoin(prov.Bond.Denom, slashed)
	res.ToCommunityPool = sdk.NewCoin(prov.Bond.Denom, slashed.Sub(reward))
	if d.Kind == types.DisputeKind_DISPUTE_KIND_CHALLENGE {
		if err := k.returnChallengeBond(ctx, challenger, d.Bond); err != nil {
			return d, err
		}
		res.ToChallenger = d.Bond.AddAmount(reward)
	}
	if _, err := k.jobs.ResolveDispute(ctx, d.JobId, false); err != nil {
		return d, err
	}
	if err := k.DeferredAudits.Remove(ctx, d.JobId); err != nil { // the job failed: nothing left to audit
		return d, err
	}
	return k.close(ctx, p, d, types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, res)
}

func (k *Keeper) close(ctx context.Context, p types.Params, d types.Dispute, status types.DisputeStatus, res *types.Resolution) (types.Dispute, error) {
	if err := k.DeadlineQueue.Remove(ctx, d.ProofDeadline, d.JobId); err != nil {
		return d, err
	}
	// its booked proving time no longer waits in front of later disputes
	if err := k.releaseProving(ctx, d, res, sdk.UnwrapSDKContext(ctx).BlockTime()); err != nil {
		return d, err
	}
	d.Status = status
	d.Resolution = res
	if err := k.PruneQueue.Push(ctx, res.ResolvedAt.Add(p.Retention), d.JobId); err != nil {
		return d, err
	}
	if err := k.Disputes.Set(ctx, d.JobId, d); err != nil {
		return d, err
	}
	for _, h := range k.hooks {
		if err := h.AfterDisputeResolved(ctx, d); err != nil {
			return d, err
		}
	}
	return d, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventDisputeResolved{
		JobId: d.JobId, Kind: d.Kind, Status: status, Resolution: *res,
	})
}

// settlePrune deletes a resolved dispute once the retention period passed.
func (k *Keeper) settlePrune(ctx context.Context, due time.Time, jobID uint64) error {
	d, err := k.Disputes.Get(ctx, jobID)
	if isNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if d.Status == types.DisputeStatus_DISPUTE_STATUS_OPEN {
		// a batch job disputed again after an item was proven: this entry
		// was its earlier dispute's, and the open one pushes its own when
		// it resolves
		if j, err := k.jobs.GetJob(ctx, jobID); err == nil && jobstypes.IsBatch(j) {
			return nil
		}
		return errorsmod.Wrapf(types.ErrDisputeClosed, "prune entry for the open dispute of job %d", jobID)
	}
	// an entry set for an earlier dispute of this (batch) job, or before
	// retention grew: this record's time is later
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	if want := d.Resolution.ResolvedAt.Add(p.Retention); due.Before(want) {
		return k.PruneQueue.Push(ctx, want, jobID)
	}
	if err := k.Disputes.Remove(ctx, jobID); err != nil {
		return err
	}
	if err := k.dropIdleBacklog(ctx, d.Provider, sdk.UnwrapSDKContext(ctx).BlockTime()); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventDisputePruned{JobId: jobID})
}

// settleProofDeadline: no valid proof came before the deadline, the
// provider loses.
func (k *Keeper) settleProofDeadline(ctx context.Context, due time.Time, jobID uint64) error {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	d, err := k.Disputes.Get(ctx, jobID)
	if err != nil {
		return err
	}
	if d.Status != types.DisputeStatus_DISPUTE_STATUS_OPEN || !d.ProofDeadline.Equal(due) {
		return errorsmod.Wrapf(types.ErrDisputeClosed, "deadline entry (%s) for the %s dispute of job %d (deadline %s)", due, d.Status, jobID, d.ProofDeadline)
	}
	// a halt since the deadline was set moved it: wait for the live time
	// the provider was given
	deadline, credit, err := k.deadlineNow(ctx, d)
	if err != nil {
		return err
	}
	if sdk.UnwrapSDKContext(ctx).BlockTime().Before(deadline) {
		d.ProofDeadline, d.HaltCredit = deadline, credit
		if err := k.Disputes.Set(ctx, d.JobId, d); err != nil {
			return err
		}
		return k.DeadlineQueue.Push(ctx, deadline, d.JobId)
	}
	_, err = k.providerLoses(ctx, p, d, "no valid proof before the proof deadline", "", types.Claim_CLAIM_UNSPECIFIED)
	return err
}
