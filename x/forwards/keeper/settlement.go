package keeper

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/forwards/types"
	"github.com/verdict-chain/verdict/x/internal/settle"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// EndBlocker settles, at most max_settlements_per_block in all and taking
// turns: expired orders, ended windows, index buckets whose hour is over,
// settled positions past retention.
func (k *Keeper) EndBlocker(ctx context.Context) error {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	_, err = settle.Run(ctx, int(p.MaxSettlementsPerBlock), k.OrderExpiry, k.WindowQueue, k.BucketQueue, k.PruneQueue)
	return err
}

// Job outcomes (x/jobs hooks): a job drawn on a position updates it; a
// scheduler-assigned job that names no position feeds the spot index.

var _ jobstypes.JobHooks = Hooks{}

// Hooks are x/forwards' x/jobs hooks.
type Hooks struct{ k *Keeper }

// JobHooks returns the hooks to add to x/jobs.
func (k *Keeper) JobHooks() Hooks { return Hooks{k} }

func (h Hooks) AfterResultPosted(context.Context, jobstypes.Job) error { return nil }

func (h Hooks) AfterJobFinalized(ctx context.Context, j jobstypes.Job) error {
	ok, err := h.k.closePositionJob(ctx, j, true)
	if err != nil || ok {
		return err
	}
	return h.k.recordSpot(ctx, j)
}

// AfterJobFailed: a position's job failed by fraud (a lost dispute).
func (h Hooks) AfterJobFailed(ctx context.Context, j jobstypes.Job) error {
	_, err := h.k.closePositionJob(ctx, j, false)
	return err
}

func (h Hooks) AfterJobExpired(ctx context.Context, j jobstypes.Job) error {
	_, err := h.k.closePositionJob(ctx, j, false)
	return err
}

// AfterJobCancelled: the units return to the position, no fault.
func (h Hooks) AfterJobCancelled(ctx context.Context, j jobstypes.Job) error {
	pj, pos, ok, err := h.k.positionOf(ctx, j)
	if err != nil || !ok {
		return err
	}
	return h.k.releaseJob(ctx, j, pj, pos, 0, 0)
}

// positionOf finds the position a job was drawn on.
func (k *Keeper) positionOf(ctx context.Context, j jobstypes.Job) (types.PositionJob, types.Position, bool, error) {
	if j.Contract == nil || !strings.HasPrefix(j.Contract.Reference, types.ContractPrefix) {
		return types.PositionJob{}, types.Position{}, false, nil
	}
	pj, err := k.PositionJobs.Get(ctx, j.Id)
	if errors.Is(err, collections.ErrNotFound) {
		return pj, types.Position{}, false, nil
	}
	if err != nil {
		return pj, types.Position{}, false, err
	}
	if want := types.ContractPrefix + strconv.FormatUint(pj.PositionId, 10); want != j.Contract.Reference {
		return pj, types.Position{}, false, errorsmod.Wrapf(types.ErrAccounting, "job %d references %s, recorded for position %d", j.Id, j.Contract.Reference, pj.PositionId)
	}
	pos, err := k.GetPosition(ctx, pj.PositionId)
	return pj, pos, err == nil, err
}

// closePositionJob books a closed job against its position: a FINALIZED
// one delivered its units used, an EXPIRED or fraud-FAILED one is the
// seller's fault for all its units.
func (k *Keeper) closePositionJob(ctx context.Context, j jobstypes.Job, finalized bool) (bool, error) {
	pj, pos, ok, err := k.positionOf(ctx, j)
	if err != nil || !ok {
		return false, err
	}
	if finalized {
		used := min(j.Result.UnitsUsed, pj.Units)
		return true, k.releaseJob(ctx, j, pj, pos, used, 0)
	}
	return true, k.releaseJob(ctx, j, pj, pos, 0, pj.Units)
}

// releaseJob returns a closed job's refund to the position's escrow and
// its units: delivered, fault, the rest available again.
func (k *Keeper) releaseJob(ctx context.Context, j jobstypes.Job, pj types.PositionJob, pos types.Position, delivered, fault uint64) error {
	refund := j.Settlement.BuyerRefund
	pos.InFlight -= pj.Units
	pos.Delivered += delivered
	pos.Fault += fault
	pos.Escrow = pos.Escrow.Add(refund)
	if err := k.add(ctx, k.PositionEscrow, refund.Amount); err != nil {
		return err
	}
	if err := k.PositionJobs.Remove(ctx, j.Id); err != nil {
		return err
	}
	if err := k.Positions.Set(ctx, pos.Id, pos); err != nil {
		return err
	}
	if pos.Status == types.PositionStatus_POSITION_STATUS_SETTLING && pos.InFlight == 0 {
		// its window ended while the job was open: settle it next
		return k.WindowQueue.Push(ctx, sdk.UnwrapSDKContext(ctx).BlockTime(), pos.Id)
	}
	return nil
}

// settleWindowEnd: at the window's end a position stops drawing; once no
// job on it is open it is paid out. Per fault unit the buyer gets the
// price back plus max(non-delivery fee, index − price), the penalties
// capped by the collateral; unused units pay the seller (take-or-pay) or,
// if the seller's terms said so, return to the buyer; the collateral left
// returns to the seller.
func (k *Keeper) settleWindowEnd(ctx context.Context, _ time.Time, id uint64) error {
	pos, err := k.Positions.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	switch pos.Status {
	case types.PositionStatus_POSITION_STATUS_SETTLED:
		return nil
	case types.PositionStatus_POSITION_STATUS_OPEN:
		pos.Status = types.PositionStatus_POSITION_STATUS_SETTLING
		if err := k.PositionTerms.Remove(ctx, k.positionTermsKey(pos)); err != nil {
			return err
		}
	}
	if pos.InFlight > 0 {
		return k.Positions.Set(ctx, id, pos) // the last job's hook queues it again
	}
	return k.payOut(ctx, pos)
}

func (k *Keeper) payOut(ctx context.Context, pos types.Position) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	now := sdkCtx.BlockTime()
	price := pos.PricePerUnit
	fault := pos.Fault
	unused := pos.Units - pos.Delivered - pos.Fault
	if want := types.Mul(price, fault+unused); !pos.Escrow.Equal(want) {
		return errorsmod.Wrapf(types.ErrAccounting, "position %d escrows %s, owes %s for %d fault and %d unused units", pos.Id, pos.Escrow, want, fault, unused)
	}
	idx, err := k.Index(ctx, pos.Series.Class)
	if err != nil {
		return err
	}
	perUnit := types.PenaltyPerUnit(price.Amount, pos.Terms.NonDeliveryFeeBps, idx.Price.Amount, idx.Stale)
	penalty := perUnit.MulRaw(int64(fault))
	if penalty.GT(pos.Collateral.Amount) {
		penalty = pos.Collateral.Amount
	}
	toBuyer := types.Mul(price, fault).AddAmount(penalty)
	toSeller := pos.Collateral.SubAmount(penalty)
	if pos.RefundUnused {
		toBuyer = toBuyer.Add(types.Mul(price, unused))
	} else {
		toSeller = toSeller.Add(types.Mul(price, unused))
	}
	owner, err := k.addr("owner", pos.Owner)
	if err != nil {
		return err
	}
	seller, err := k.addr("seller", pos.Seller)
	if err != nil {
		return err
	}
	if err := k.funds.Pay(ctx, owner, toBuyer); err != nil {
		return err
	}
	if err := k.funds.Pay(ctx, seller, toSeller); err != nil {
		return err
	}
	if err := k.add(ctx, k.PositionEscrow, pos.Escrow.Amount.Neg()); err != nil {
		return err
	}
	if err := k.add(ctx, k.Collateral, pos.Collateral.Amount.Neg()); err != nil {
		return err
	}
	if fault > 0 && k.repHooks != nil {
		if err := k.repHooks.RecordForwardFault(ctx, pos.Seller, pos.Series.Class, types.Mul(price, fault).Amount); err != nil {
			return err
		}
	}
	idxPrice := idx.Price
	if idx.Stale {
		idxPrice = sdk.NewCoin(price.Denom, idxPrice.Amount.MulRaw(0))
	}
	st := types.PositionSettlement{
		FaultUnits: fault, UnusedUnits: unused, IndexPrice: idxPrice, IndexStale: idx.Stale,
		Penalty: sdk.NewCoin(price.Denom, penalty), ToBuyer: toBuyer, ToSeller: toSeller, SettledAt: now,
	}
	pos.Status = types.PositionStatus_POSITION_STATUS_SETTLED
	pos.Settlement = &st
	pos.Escrow = sdk.NewCoin(price.Denom, penalty.MulRaw(0))
	pos.Collateral = pos.Escrow
	if err := k.Positions.Set(ctx, pos.Id, pos); err != nil {
		return err
	}
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	if err := k.PruneQueue.Push(ctx, now.Add(p.Retention), pos.Id); err != nil {
		return err
	}
	return sdkCtx.EventManager().EmitTypedEvent(&types.EventPositionSettled{PositionId: pos.Id, Settlement: st})
}

// settlePrune deletes a settled position once retention has passed.
func (k *Keeper) settlePrune(ctx context.Context, _ time.Time, id uint64) error {
	pos, err := k.Positions.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if pos.Status != types.PositionStatus_POSITION_STATUS_SETTLED {
		return nil
	}
	return k.deletePosition(ctx, pos)
}
