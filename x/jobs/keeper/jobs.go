package keeper

import (
	"context"
	"errors"
	"time"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/internal/bps"
	"github.com/verdict-chain/verdict/x/jobs/types"
)

// GetJob loads a job or returns ErrJobNotFound.
func (k *Keeper) GetJob(ctx context.Context, id uint64) (types.Job, error) {
	j, err := k.Jobs.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return j, errorsmod.Wrapf(types.ErrJobNotFound, "job %d", id)
	}
	return j, err
}

// SubmitJob escrows max_price_per_unit × units from payer and assigns the
// job: to msg.Provider (a direct order), to a placement (multi-node), or to
// the scheduler's choice; a job nobody can take is left open (SUBMITTED).
// payer is msg.Buyer for a buyer's own submission; another module may fund
// the job instead (the refund then goes back to it).
func (k *Keeper) SubmitJob(ctx context.Context, payer sdk.AccAddress, msg *types.MsgSubmitJob) (types.Job, error) {
	return k.submit(ctx, payer, msg, nil)
}

// SubmitContractJob submits a job another module contracted at a fixed
// price with one seller (x/forwards: a job drawn on a position): a direct
// order to c.Seller at c.PricePerUnit, whatever the seller lists now, that
// no other provider may take. payer funds the escrow and gets the refund;
// when c.Module is set, that module's account does (module to module).
// It fails with ErrNotEligible (nothing escrowed) when the seller cannot
// take the job now (paused, jailed, class withdrawn, bond below the floor,
// terms not covered).
func (k *Keeper) SubmitContractJob(ctx context.Context, payer sdk.AccAddress, msg *types.MsgSubmitJob, c types.Contract) (types.Job, error) {
	if _, err := k.addr("contract seller", c.Seller); err != nil {
		return types.Job{}, err
	}
	if err := c.PricePerUnit.Validate(); err != nil || !c.PricePerUnit.IsPositive() {
		return types.Job{}, errorsmod.Wrapf(types.ErrInvalidJob, "contract price %s must be positive", c.PricePerUnit)
	}
	if msg.Parallel != nil {
		return types.Job{}, errorsmod.Wrap(types.ErrInvalidJob, "a contract job is single-node")
	}
	m := *msg
	m.Provider, m.MaxPricePerUnit = c.Seller, c.PricePerUnit
	return k.submit(ctx, payer, &m, &c)
}

func (k *Keeper) submit(ctx context.Context, payer sdk.AccAddress, msg *types.MsgSubmitJob, contract *types.Contract) (types.Job, error) {
	buyer, err := k.addr("buyer", msg.Buyer)
	if err != nil {
		return types.Job{}, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return types.Job{}, err
	}
	if err := types.ValidateSubmitJob(msg, params); err != nil {
		return types.Job{}, err
	}
	if err := k.checkCircuits(ctx, types.ErrInvalidJob, msg.CircuitId); err != nil {
		return types.Job{}, err
	}
	var direct *types.Provider
	if msg.Provider != "" {
		op, err := k.addr("provider", msg.Provider)
		if err != nil {
			return types.Job{}, err
		}
		p, err := k.GetProvider(ctx, op)
		if err != nil {
			return types.Job{}, err
		}
		direct = &p
	}
	// max price and units both fit in uint64, so the product cannot overflow.
	escrow := sdk.NewCoin(params.Denom, msg.MaxPricePerUnit.Amount.Mul(math.NewIntFromUint64(msg.Units)))
	// The ledger is read here and written once, with the job's id taken and
	// its escrow added, after the collection below (nothing in between
	// writes it).
	ledger, err := k.ledger(ctx)
	if err != nil {
		return types.Job{}, err
	}
	id := ledger.NextJobId
	ledger.NextJobId++
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	now := sdkCtx.BlockTime()
	credit, err := k.Halt.Credit(ctx)
	if err != nil {
		return types.Job{}, err
	}
	j := types.Job{
		HaltCredit:      credit,
		Id:              id,
		Buyer:           msg.Buyer,
		Class:           msg.Class,
		ModelCommitment: msg.ModelCommitment,
		InputCommitment: msg.InputCommitment,
		InputUri:        msg.InputUri,
		ModelUri:        msg.ModelUri,
		CircuitId:       msg.CircuitId,
		Sla:             msg.Sla,
		Parallel:        msg.Parallel,
		RequireTee:      msg.RequireTee,
		Units:           msg.Units,
		Items:           msg.Items,
		MaxPricePerUnit: msg.MaxPricePerUnit,
		Escrow:          escrow,
		PricePerUnit:    sdk.NewCoin(params.Denom, math.ZeroInt()),
		Status:          types.JobStatus_JOB_STATUS_SUBMITTED,
		SubmittedAt:     now,
		Deadline:        now.Add(msg.TimeLimit),
		Contract:        contract,
	}
	if !payer.Equals(buyer) {
		if j.Payer, err = k.addressCodec.BytesToString(payer); err != nil {
			return j, errorsmod.Wrap(types.ErrInvalidAddress, err.Error())
		}
	}
	// Choose the provider before any coin moves, so a job that cannot be
	// served fails with nothing escrowed, and the job is written once: as
	// ASSIGNED by assign/assignPlacement, or as SUBMITTED when nobody is
	// eligible now (a SUBMITTED write followed by an ASSIGNED rewrite, its
	// indexes moved, was a sixth of a job order's gas).
	var (
		chosen    *types.Provider
		placement []types.Provider
		eff       uint32
		via       string
	)
	switch {
	case direct != nil:
		if err := k.checkEligible(ctx, *direct, j, params); err != nil {
			return j, err
		}
		chosen, via = direct, "direct"
		if contract != nil {
			via = "contract"
		}
	case j.Parallel != nil:
		ps, ok := k.scheduler.(types.PlacementScheduler)
		if !ok {
			return j, errorsmod.Wrap(types.ErrInvalidJob, "this chain's scheduler cannot place multi-node jobs")
		}
		nodes, e, err := ps.SelectPlacement(ctx, j)
		if err != nil {
			return j, err // the whole submission fails: nothing escrowed
		}
		if placement, err = k.checkPlacement(ctx, j, nodes); err != nil {
			return j, err
		}
		eff = e
	default:
		op, err := k.scheduler.SelectProvider(ctx, j)
		if err != nil {
			return j, err
		}
		if op != nil {
			p, err := k.GetProvider(ctx, op)
			if err != nil {
				return j, err
			}
			chosen, via = &p, "scheduler"
		}
	}
	if err := k.takeEscrow(ctx, &ledger, payer, contract, escrow); err != nil {
		return j, err
	}
	if err := k.Ledger.Set(ctx, ledger); err != nil {
		return j, err
	}
	if err := k.DeadlineQueue.Push(ctx, j.Deadline, j.Id); err != nil {
		return j, err
	}
	if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventJobSubmitted{
		JobId: j.Id, Buyer: j.Buyer, Class: j.Class, Escrow: escrow, Deadline: j.Deadline,
	}); err != nil {
		return j, err
	}
	switch {
	case placement != nil:
		return k.assignPlacement(ctx, j, placement, eff, true)
	case chosen != nil && direct != nil: // checked above, before the escrow
		return k.assignEligible(ctx, j, *chosen, via, true)
	case chosen != nil: // a pluggable scheduler's choice is checked again
		return k.assign(ctx, j, *chosen, via, true)
	default: // no eligible provider now: open for one to accept
		return j, k.writeJob(ctx, j, true)
	}
}

// AcceptJob gives an open (SUBMITTED) single-node job to an eligible
// provider that asks for it.
func (k *Keeper) AcceptJob(ctx context.Context, op sdk.AccAddress, jobID uint64) (types.Job, error) {
	p, err := k.GetProvider(ctx, op)
	if err != nil {
		return types.Job{}, err
	}
	j, err := k.current(ctx, jobID)
	if err != nil {
		return j, err
	}
	if j.Status != types.JobStatus_JOB_STATUS_SUBMITTED {
		return j, errorsmod.Wrapf(types.ErrInvalidStatus, "job %d is %s, only an open job can be accepted", j.Id, j.Status)
	}
	if j.Parallel != nil {
		return j, errorsmod.Wrapf(types.ErrInvalidJob, "job %d is multi-node: the scheduler places it", j.Id)
	}
	if !sdk.UnwrapSDKContext(ctx).BlockTime().Before(j.Deadline) {
		return j, errorsmod.Wrapf(types.ErrDeadlinePassed, "job %d deadline %s", j.Id, j.Deadline)
	}
	return k.assign(ctx, j, p, "accepted", false)
}

// CancelJob closes a job that has no result yet at its buyer's request: an
// open job is refunded in full; an assigned provider, which may have
// started, gets cancel_fee_bps of the agreed payment.
func (k *Keeper) CancelJob(ctx context.Context, buyer string, jobID uint64) (types.Job, error) {
	j, err := k.current(ctx, jobID)
	if err != nil {
		return j, err
	}
	if j.Buyer != buyer {
		return j, errorsmod.Wrapf(types.ErrUnauthorized, "only the buyer of job %d may cancel it", j.Id)
	}
	if j.Status != types.JobStatus_JOB_STATUS_SUBMITTED && j.Status != types.JobStatus_JOB_STATUS_ASSIGNED {
		return j, errorsmod.Wrapf(types.ErrInvalidStatus, "job %d is %s; only a job without a result can be cancelled", j.Id, j.Status)
	}
	// past its deadline the job has expired, whether or not EndBlock has
	// reached it: a cancel would move the expiry's consequences
	if !sdk.UnwrapSDKContext(ctx).BlockTime().Before(j.Deadline) {
		return j, errorsmod.Wrapf(types.ErrDeadlinePassed, "job %d expired at %s", j.Id, j.Deadline)
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return j, err
	}
	fee := math.ZeroInt()
	if j.Status == types.JobStatus_JOB_STATUS_ASSIGNED {
		fee = bps.Floor(j.PricePerUnit.Amount.Mul(math.NewIntFromUint64(j.Units)), params.CancelFeeBps)
	}
	j, err = k.settle(ctx, j, types.JobStatus_JOB_STATUS_CANCELLED, fee, 0)
	if err != nil {
		return j, err
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventJobCancelled{
		JobId: j.Id, Buyer: j.Buyer, Settlement: *j.Settlement,
	}); err != nil {
		return j, err
	}
	return j, k.hooks.AfterJobCancelled(ctx, j)
}

// PostResult records the assigned provider's result before the deadline
// and opens the challenge window.
func (k *Keeper) PostResult(ctx context.Context, msg *types.MsgPostResult) (types.Job, error) {
	j, err := k.current(ctx, msg.JobId)
	if err != nil {
		return j, err
	}
	if j.Provider != msg.Provider {
		return j, errorsmod.Wrapf(types.ErrUnauthorized, "only the assigned provider may post the result of job %d", j.Id)
	}
	if j.Status != types.JobStatus_JOB_STATUS_ASSIGNED {
		return j, errorsmod.Wrapf(types.ErrInvalidStatus, "job %d is %s; a result can be posted once, on an assigned job", j.Id, j.Status)
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	now := sdkCtx.BlockTime()
	if !now.Before(j.Deadline) {
		return j, errorsmod.Wrapf(types.ErrDeadlinePassed, "job %d deadline %s", j.Id, j.Deadline)
	}
	if err := types.ValidatePostResult(msg, j); err != nil {
		return j, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return j, err
	}
	op, err := k.addr("provider", j.Provider)
	if err != nil {
		return j, err
	}
	p, err := k.GetProvider(ctx, op)
	if err != nil {
		return j, err
	}
	j.Result = &types.Result{
		OutputCommitment: msg.OutputCommitment,
		OutputUri:        msg.OutputUri,
		UnitsUsed:        msg.UnitsUsed,
		Metrics:          msg.Metrics,
		PostedAt:         now,
		PostedHeight:     sdkCtx.BlockHeight(),
		EnclaveSignature: msg.EnclaveSignature,
		// the pace disputes of this result are booked at: frozen now, so a
		// later declaration, a withdrawn circuit or a lowered default
		// cannot count the provider faster on a result it already posted
		ProveTime: types.ResultProveTime(params, p, j.CircuitId),
	}
	// The window policy sees the result (x/attest checks an enclave
	// signature and shortens the window; a bad signature fails the post).
	window, err := k.challengeWindowFor(ctx, p, j, params.ChallengeWindow)
	if err != nil {
		return j, err
	}
	if err := k.DeadlineQueue.Remove(ctx, j.Deadline, j.Id); err != nil {
		return j, err
	}
	j.Status = types.JobStatus_JOB_STATUS_RESULT_POSTED
	j.WindowEnd = now.Add(window)
	if err := k.Jobs.Set(ctx, j.Id, j); err != nil {
		return j, err
	}
	if err := k.WindowQueue.Push(ctx, j.WindowEnd, j.Id); err != nil {
		return j, err
	}
	if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventResultPosted{
		JobId: j.Id, Provider: j.Provider, OutputCommitment: msg.OutputCommitment, UnitsUsed: msg.UnitsUsed, WindowEnd: j.WindowEnd,
	}); err != nil {
		return j, err
	}
	return j, k.hooks.AfterResultPosted(ctx, j)
}

// DeclineJob gives an assigned job back before its decline_until, at no
// penalty: the job is open (SUBMITTED) again, for another provider to
// accept or its buyer to cancel at no fee. Only the provider that answers
// for the job (a multi-node job's coordinator) may decline, once: a
// provider that declined a job never takes it again, so a decline cannot
// be renewed to restart its window or its SLA clock. A contract job cannot
// be declined (the seller sold that capacity; its refusal is a fault
// wherever it happens). A job declined MaxDeclines times is closed with a
// full refund.
func (k *Keeper) DeclineJob(ctx context.Context, provider string, jobID uint64) (types.Job, error) {
	j, err := k.current(ctx, jobID)
	if err != nil {
		return j, err
	}
	if j.Provider != provider {
		return j, errorsmod.Wrapf(types.ErrUnauthorized, "only the assigned provider may decline job %d", j.Id)
	}
	if j.Status != types.JobStatus_JOB_STATUS_ASSIGNED {
		return j, errorsmod.Wrapf(types.ErrInvalidStatus, "job %d is %s; only an assigned job without a result can be declined", j.Id, j.Status)
	}
	if j.Contract != nil {
		return j, errorsmod.Wrapf(types.ErrNotDeclinable, "job %d is contracted (%s): its seller sold the capacity and cannot decline it", j.Id, j.Contract.Reference)
	}
	now := sdk.UnwrapSDKContext(ctx).BlockTime()
	if !now.Before(j.DeclineUntil) {
		return j, errorsmod.Wrapf(types.ErrWindowClosed, "the decline window of job %d ended at %s", j.Id, j.DeclineUntil)
	}
	if err := k.releaseSlots(ctx, j); err != nil {
		return j, err
	}
	j.DeclinedBy = append(j.DeclinedBy, provider)
	j.Status = types.JobStatus_JOB_STATUS_SUBMITTED
	j.Provider, j.Placement, j.EfficiencyPpm = "", nil, 0
	j.PricePerUnit = sdk.NewCoin(j.Escrow.Denom, math.ZeroInt())
	j.AssignedAt, j.DeclineUntil = time.Time{}, time.Time{}
	if err := k.Jobs.Set(ctx, j.Id, j); err != nil {
		return j, err
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventJobDeclined{JobId: j.Id, Provider: provider}); err != nil {
		return j, err
	}
	if len(j.DeclinedBy) < types.MaxDeclines {
		return j, nil
	}
	// nobody it reached wants it: close it, refunded in full
	if j, err = k.settle(ctx, j, types.JobStatus_JOB_STATUS_CANCELLED, math.ZeroInt(), 0); err != nil {
		return j, err
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventJobCancelled{
		JobId: j.Id, Buyer: j.Buyer, Settlement: *j.Settlement,
	}); err != nil {
		return j, err
	}
	return j, k.hooks.AfterJobCancelled(ctx, j)
}

// declineUntil is when an assignment made now stops being declinable: the
// earlier of decline_window and half-way to the deadline, so a decline
// always leaves half of the job's time for another provider. A contract
// job gets none.
func declineUntil(j types.Job, now time.Time, window time.Duration) time.Time {
	if j.Contract != nil {
		return time.Time{}
	}
	end := now.Add(window)
	if half := now.Add(j.Deadline.Sub(now) / 2); half.Before(end) {
		end = half
	}
	return end
}

// writeJob writes a job and its index entries. fresh: j.Id was just taken
// from the ledger, so no job has it (genesis requires every id below
// next_job_id) and the indexes are referenced as for a new value without
// reading one back (collections.IndexedMap would read it).
func (k *Keeper) writeJob(ctx context.Context, j types.Job, fresh bool) error {
	if !fresh {
		return k.Jobs.Set(ctx, j.Id, j)
	}
	none := func() (types.Job, error) { return types.Job{}, collections.ErrNotFound }
	for _, idx := range k.Jobs.Indexes.IndexesList() {
		if err := idx.Reference(ctx, j.Id, j, none); err != nil {
			return err
		}
	}
	return k.newJobs.Set(ctx, j.Id, j)
}

// JobIDsByStatus lists the ids of the jobs in one status, in id order, from
// the status index (used by other modules' genesis consistency checks).
func (k *Keeper) JobIDsByStatus(ctx context.Context, status types.JobStatus) ([]uint64, error) {
	it, err := k.Jobs.Indexes.Status.MatchExact(ctx, int32(status))
	if err != nil {
		return nil, err
	}
	return it.PrimaryKeys()
}
