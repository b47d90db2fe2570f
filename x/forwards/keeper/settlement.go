package keeper

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/forwards/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

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
// seller's fault for all its units (expired: not compensated).
func (k *Keeper) closePositionJob(ctx context.Context, j jobstypes.Job, finalized, expired bool) (bool, error) {
	pj, pos, ok, err := k.positionOf(ctx, j)
	if err != nil || !ok {
		return false, err
	}
	if finalized {
		used := min(j.Result.UnitsUsed, pj.Units)
		return true, k.releaseJob(ctx, j, pj, pos, used, 0, false)
	}
	return true, k.releaseJob(ctx, j, pj, pos, 0, pj.Units, expired)
}

// releaseJob returns a closed job's refund to the position's escrow and
// its units: delivered, fault, the rest available again.
func (k *Keeper) releaseJob(ctx context.Context, j jobstypes.Job, pj types.PositionJob, pos types.Position, delivered, fault uint64, expired bool) error {
	refund := j.Settlement.BuyerRefund
	pos.InFlight -= pj.Units
	if l, err := k.Lots.Get(ctx, pos.Lot); err == nil {
		l.InFlight -= min(l.InFlight, pj.Units)
		if err := k.Lots.Set(ctx, l.Id, l); err != nil {
			return err
		}
	} else if !errors.Is(err, collections.ErrNotFound) {
		return err
	} // a lot whose window has ended is gone: nothing draws on it any more
	pos.Delivered += delivered
	pos.Fault += fault
	if expired {
		pos.FaultExpired += fault
	}
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
		// a halt inside the window moved its end (and this entry)
		moved := false
		if pos, moved, err = k.rebase(ctx, pos); err != nil {
			return err
		}
		if moved && sdk.UnwrapSDKContext(ctx).BlockTime().Before(types.DeliveryEnd(pos)) {
			return k.Positions.Set(ctx, id, pos)
		}
		pos.Status = types.PositionStatus_POSITION_STATUS_SETTLING
		if err := k.PositionTerms.Remove(ctx, k.positionTermsKey(pos)); err != nil {
			return err
		}
		// nothing draws after the window: the lot goes with its last position
		if err := k.leaveLot(ctx, pos.Lot); err != nil {
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
	denom := price.Denom
	fault := pos.Fault
	unused := pos.Units - pos.Delivered - pos.Fault
	if want := types.Mul(price, fault+unused); !pos.Escrow.Equal(want) {
		return errorsmod.Wrapf(types.ErrAccounting, "position %d escrows %s, owes %s for %d fault and %d unused units", pos.Id, pos.Escrow, want, fault, unused)
	}
	idx, err := k.Index(ctx, pos.Series.Class)
	if err != nil {
		return err
	}
	st := types.SettleFaults(price.Amount, fault, fault-pos.FaultExpired, pos.Terms.NonDeliveryFeeBps, idx.Price.Amount, idx.Stale, pos.Collateral.Amount)
	toBuyer := types.Mul(price, fault).AddAmount(st.Compensation)
	toSeller := pos.Collateral.SubAmount(st.Penalty)
	toPool := st.Penalty.Sub(st.Compensation)
	takeOrPayFee := sdkmath.ZeroInt()
	if pos.RefundUnused {
		toBuyer = toBuyer.Add(types.Mul(price, unused))
	} else {
		// take-or-pay: the unused units are paid like delivered ones, the
		// protocol fee of the trade included
		pay := types.Mul(price, unused).Amount
		takeOrPayFee = jobstypes.Fee(pay, pos.Terms.ProtocolFeeBps)
		toSeller = toSeller.AddAmount(pay.Sub(takeOrPayFee))
		toPool = toPool.Add(takeOrPayFee)
	}
	// a share nobody can receive goes to the pool too
	if toPool, err = k.payOutPosition(ctx, pos, toBuyer, toSeller, toPool); err != nil {
		return err
	}
	if fault > 0 && k.repHooks != nil {
		if err := k.repHooks.RecordForwardFault(ctx, pos.Seller, pos.Series.Class, types.Mul(price, fault).Amount); err != nil {
			return err
		}
	}
	idxPrice := idx.Price
	if idx.Stale {
		idxPrice = sdk.NewCoin(denom, sdkmath.ZeroInt())
	}
	settlement := types.PositionSettlement{
		FaultUnits: fault, UnusedUnits: unused, IndexPrice: idxPrice, IndexStale: idx.Stale,
		Penalty: sdk.NewCoin(denom, st.Penalty), ToBuyer: toBuyer, ToSeller: toSeller, SettledAt: now,
		CompensatedUnits: fault - pos.FaultExpired, ToCommunityPool: sdk.NewCoin(denom, toPool),
		ProtocolFee: sdk.NewCoin(denom, takeOrPayFee),
	}
	pos.Status = types.PositionStatus_POSITION_STATUS_SETTLED
	pos.Settlement = &settlement
	pos.Escrow = sdk.NewCoin(denom, sdkmath.ZeroInt())
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
	return sdkCtx.EventManager().EmitTypedEvent(&types.EventPositionSettled{PositionId: pos.Id, Settlement: settlement})
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
