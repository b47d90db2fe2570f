package keeper

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/forwards/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// GetPosition loads a position or returns ErrPositionNotFound.
func (k *Keeper) GetPosition(ctx context.Context, id uint64) (types.Position, error) {
	p, err := k.Positions.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return p, errorsmod.Wrapf(types.ErrPositionNotFound, "position %d", id)
	}
	return p, err
}

// Available is what a position may still draw or transfer.
func Available(p types.Position) uint64 { return p.Units - p.Delivered - p.Fault - p.InFlight }

// termsKey identifies the position fills aggregate into: same series,
// buyer, seller and terms.
func termsKey(s types.Series, buyer, seller string, price sdk.Coin, ratable uint64, refundUnused bool, cpu sdk.Coin) string {
	return fmt.Sprintf("%s|%s|%s|%s|%d|%t|%s", s.Key(), buyer, seller, price, ratable, refundUnused, cpu)
}

func (k *Keeper) positionTermsKey(p types.Position) string {
	return termsKey(p.Series, p.Owner, p.Seller, p.PricePerUnit, p.RatableLimit, p.RefundUnused, p.CollateralPerUnit)
}

// addToPosition adds n units (their escrow and collateral already counted
// in the totals) to the open position of these parties and terms, or opens
// one, keeping the seller's consent (its offer's minimum time limit and
// circuits now) and the params in force.
func (k *Keeper) addToPosition(ctx context.Context, p types.Params, s types.Series, buyer, seller string, price sdk.Coin, n, ratable uint64, refundUnused bool, cpu sdk.Coin) (uint64, error) {
	key := termsKey(s, buyer, seller, price, ratable, refundUnused, cpu)
	if id, err := k.PositionTerms.Get(ctx, key); err == nil {
		pos, err := k.GetPosition(ctx, id)
		if err != nil {
			return 0, err
		}
		pos.Units += n
		pos.Escrow = pos.Escrow.Add(types.Mul(price, n))
		pos.Collateral = pos.Collateral.Add(types.Mul(cpu, n))
		return id, k.Positions.Set(ctx, id, pos)
	} else if !errors.Is(err, collections.ErrNotFound) {
		return 0, err
	}
	sellerAddr, err := k.addr("seller", seller)
	if err != nil {
		return 0, err
	}
	prov, err := k.jobs.GetProvider(ctx, sellerAddr)
	if err != nil {
		return 0, err
	}
	id, err := k.PositionSeq.Next(ctx)
	if err != nil {
		return 0, err
	}
	pos := types.Position{
		Id: id, Series: s, Owner: buyer, Seller: seller, PricePerUnit: price, Units: n,
		RatableLimit: ratable, RefundUnused: refundUnused, CollateralPerUnit: cpu,
		Terms: types.ContractTerms{
			NonDeliveryFeeBps: p.NonDeliveryFeeBps,
			MinTimeLimit:      jobstypes.OfferFor(prov, s.Class).MinTimeLimit,
			CircuitIds:        append([]string(nil), prov.CircuitIds...),
		},
		HourStart: s.WindowStart, Escrow: types.Mul(price, n), Collateral: types.Mul(cpu, n),
		Status: types.PositionStatus_POSITION_STATUS_OPEN,
	}
	return id, k.createPosition(ctx, pos)
}

// createPosition stores a new open position with its indexes and its
// window-end entry.
func (k *Keeper) createPosition(ctx context.Context, pos types.Position) error {
	owner, err := k.addr("owner", pos.Owner)
	if err != nil {
		return err
	}
	seller, err := k.addr("seller", pos.Seller)
	if err != nil {
		return err
	}
	if err := k.Positions.Set(ctx, pos.Id, pos); err != nil {
		return err
	}
	if err := k.PositionsByOwner.Set(ctx, collections.Join(owner, pos.Id)); err != nil {
		return err
	}
	if err := k.PositionsBySeller.Set(ctx, collections.Join(seller, pos.Id)); err != nil {
		return err
	}
	if err := k.PositionTerms.Set(ctx, k.positionTermsKey(pos), pos.Id); err != nil {
		return err
	}
	return k.WindowQueue.Push(ctx, pos.Series.WindowEnd(), pos.Id)
}

// deletePosition removes a position and every index of it.
func (k *Keeper) deletePosition(ctx context.Context, pos types.Position) error {
	owner, err := k.addr("owner", pos.Owner)
	if err != nil {
		return err
	}
	seller, err := k.addr("seller", pos.Seller)
	if err != nil {
		return err
	}
	if err := k.PositionsByOwner.Remove(ctx, collections.Join(owner, pos.Id)); err != nil {
		return err
	}
	if err := k.PositionsBySeller.Remove(ctx, collections.Join(seller, pos.Id)); err != nil {
		return err
	}
	if id, err := k.PositionTerms.Get(ctx, k.positionTermsKey(pos)); err == nil && id == pos.Id {
		if err := k.PositionTerms.Remove(ctx, k.positionTermsKey(pos)); err != nil {
			return err
		}
	}
	if err := k.WindowQueue.Remove(ctx, pos.Series.WindowEnd(), pos.Id); err != nil {
		return err
	}
	return k.Positions.Remove(ctx, pos.Id)
}

// TransferPosition moves available units of an open position, with their
// escrow and the seller's collateral for them, to another owner (into its
// position of the same terms, or a new one).
func (k *Keeper) TransferPosition(ctx context.Context, msg *types.MsgTransferPosition) (uint64, error) {
	if _, err := k.addr("to", msg.To); err != nil {
		return 0, err
	}
	pos, err := k.GetPosition(ctx, msg.PositionId)
	if err != nil {
		return 0, err
	}
	if pos.Owner != msg.Owner {
		return 0, errorsmod.Wrapf(types.ErrUnauthorized, "position %d belongs to %s", pos.Id, pos.Owner)
	}
	if pos.Status != types.PositionStatus_POSITION_STATUS_OPEN || !sdk.UnwrapSDKContext(ctx).BlockTime().Before(pos.Series.WindowEnd()) {
		return 0, errorsmod.Wrapf(types.ErrInvalidPosition, "position %d can no longer be transferred", pos.Id)
	}
	if msg.To == msg.Owner || msg.To == pos.Seller {
		return 0, errorsmod.Wrap(types.ErrInvalidPosition, "transfer to oneself or to the seller")
	}
	n := msg.Units
	if n == 0 {
		n = Available(pos)
	}
	if n == 0 || n > Available(pos) {
		return 0, errorsmod.Wrapf(types.ErrInsufficient, "position %d has %d available units, asked %d", pos.Id, Available(pos), n)
	}
	p, err := k.Params.Get(ctx)
	if err != nil {
		return 0, err
	}
	escrow, coll := types.Mul(pos.PricePerUnit, n), types.Mul(pos.CollateralPerUnit, n)
	pos.Units -= n
	pos.Escrow = pos.Escrow.Sub(escrow)
	pos.Collateral = pos.Collateral.Sub(coll)
	if pos.Units == 0 {
		if err := k.deletePosition(ctx, pos); err != nil {
			return 0, err
		}
	} else if err := k.Positions.Set(ctx, pos.Id, pos); err != nil {
		return 0, err
	}
	// the recipient's position keeps the original terms (not today's params)
	key := termsKey(pos.Series, msg.To, pos.Seller, pos.PricePerUnit, pos.RatableLimit, pos.RefundUnused, pos.CollateralPerUnit)
	var toID uint64
	if id, err := k.PositionTerms.Get(ctx, key); err == nil {
		to, err := k.GetPosition(ctx, id)
		if err != nil {
			return 0, err
		}
		to.Units += n
		to.Escrow = to.Escrow.Add(escrow)
		to.Collateral = to.Collateral.Add(coll)
		if err := k.Positions.Set(ctx, id, to); err != nil {
			return 0, err
		}
		toID = id
	} else if !errors.Is(err, collections.ErrNotFound) {
		return 0, err
	} else {
		if toID, err = k.PositionSeq.Next(ctx); err != nil {
			return 0, err
		}
		to := pos
		to.Id, to.Owner, to.Units, to.Delivered, to.Fault, to.InFlight, to.HourDrawn = toID, msg.To, n, 0, 0, 0, 0
		to.HourStart, to.Escrow, to.Collateral = pos.Series.WindowStart, escrow, coll
		if err := k.createPosition(ctx, to); err != nil {
			return 0, err
		}
	}
	_ = p
	return toID, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventPositionTransferred{
		FromPositionId: pos.Id, ToPositionId: toID, To: msg.To, Units: n,
	})
}

// SubmitPositionJob draws units of a position as an x/jobs contract job
// for its seller at the forward price. Above the ratable limit it is
// refused (no fault). If the seller cannot take the job, the units are
// recorded as the seller's fault and the call still succeeds: refused.
func (k *Keeper) SubmitPositionJob(ctx context.Context, msg *types.MsgSubmitPositionJob) (*types.MsgSubmitPositionJobResponse, error) {
	pos, err := k.GetPosition(ctx, msg.PositionId)
	if err != nil {
		return nil, err
	}
	if pos.Owner != msg.Owner {
		return nil, errorsmod.Wrapf(types.ErrUnauthorized, "position %d belongs to %s", pos.Id, pos.Owner)
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	now := sdkCtx.BlockTime()
	end := pos.Series.WindowEnd()
	if pos.Status != types.PositionStatus_POSITION_STATUS_OPEN || now.Before(pos.Series.WindowStart) || !now.Before(end) {
		return nil, errorsmod.Wrapf(types.ErrOutsideWindow, "position %d delivers in [%s, %s)", pos.Id, pos.Series.WindowStart.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339))
	}
	if msg.Units == 0 || msg.Units > Available(pos) {
		return nil, errorsmod.Wrapf(types.ErrInsufficient, "position %d has %d available units, asked %d", pos.Id, Available(pos), msg.Units)
	}
	if now.Add(msg.TimeLimit).After(end) {
		return nil, errorsmod.Wrapf(types.ErrOutsideWindow, "a %s job would be due after the window ends at %s", msg.TimeLimit, end.UTC().Format(time.RFC3339))
	}
	// consent: no more than the seller's offer accepted at the trade
	if msg.TimeLimit < pos.Terms.MinTimeLimit {
		return nil, errorsmod.Wrapf(types.ErrInvalidPosition, "time_limit %s is below the %s the seller's offer accepted", msg.TimeLimit, pos.Terms.MinTimeLimit)
	}
	if msg.CircuitId != "" && !contains(pos.Terms.CircuitIds, msg.CircuitId) {
		return nil, errorsmod.Wrapf(types.ErrInvalidPosition, "circuit %q is not one the seller supported at the trade", msg.CircuitId)
	}
	hour := now.Truncate(time.Hour)
	if !pos.HourStart.Equal(hour) {
		pos.HourStart, pos.HourDrawn = hour, 0
	}
	if pos.RatableLimit > 0 && pos.HourDrawn+msg.Units > pos.RatableLimit {
		return nil, errorsmod.Wrapf(types.ErrAboveRatable, "position %d may draw %d units an hour; %d drawn this hour", pos.Id, pos.RatableLimit, pos.HourDrawn)
	}
	job := &jobstypes.MsgSubmitJob{
		Buyer: k.str(k.funds.Address), Class: pos.Series.Class, ModelCommitment: msg.ModelCommitment, InputCommitment: msg.InputCommitment,
		InputUri: msg.InputUri, ModelUri: msg.ModelUri, CircuitId: msg.CircuitId, Units: msg.Units, TimeLimit: msg.TimeLimit,
	}
	contract := jobstypes.Contract{
		Seller: pos.Seller, PricePerUnit: pos.PricePerUnit, Reference: fmt.Sprintf("%s%d", types.ContractPrefix, pos.Id), Module: types.ModuleName,
	}
	cacheCtx, write := sdkCtx.CacheContext()
	j, err := k.jobs.SubmitContractJob(cacheCtx, k.funds.Address, job, contract)
	if jobstypes.ErrNotEligible.Is(err) || jobstypes.ErrProviderNotFound.Is(err) {
		// the seller cannot deliver now: its fault, in this transaction
		pos.Fault += msg.Units
		if err := k.Positions.Set(ctx, pos.Id, pos); err != nil {
			return nil, err
		}
		reason := err.Error()
		if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventDeliveryRefused{PositionId: pos.Id, Units: msg.Units, Reason: reason}); err != nil {
			return nil, err
		}
		return &types.MsgSubmitPositionJobResponse{Refused: true, Reason: reason}, nil
	}
	if err != nil {
		return nil, err
	}
	write()
	drawn := types.Mul(pos.PricePerUnit, msg.Units)
	pos.InFlight += msg.Units
	pos.HourDrawn += msg.Units
	pos.Escrow = pos.Escrow.Sub(drawn)
	if err := k.add(ctx, k.PositionEscrow, drawn.Amount.Neg()); err != nil {
		return nil, err
	}
	if err := k.Positions.Set(ctx, pos.Id, pos); err != nil {
		return nil, err
	}
	if err := k.PositionJobs.Set(ctx, j.Id, types.PositionJob{JobId: j.Id, PositionId: pos.Id, Units: msg.Units}); err != nil {
		return nil, err
	}
	return &types.MsgSubmitPositionJobResponse{JobId: j.Id}, sdkCtx.EventManager().EmitTypedEvent(&types.EventPositionJob{PositionId: pos.Id, JobId: j.Id, Units: msg.Units})
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}
