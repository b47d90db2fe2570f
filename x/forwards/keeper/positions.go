package keeper

import (
	"context"
	"errors"
	"fmt"
	"strings"
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

// PositionAsOf is a position as it stands now, its window end moved by the
// halts since it was set (what queries show).
func (k *Keeper) PositionAsOf(ctx context.Context, id uint64) (types.Position, error) {
	p, err := k.GetPosition(ctx, id)
	if err != nil {
		return p, err
	}
	credit, atStart, err := k.halts(ctx, p)
	if err != nil {
		return p, err
	}
	p.WindowEnd = types.DeliveryEndAsOf(p, credit, atStart)
	return p, nil
}

// Available is what a position may still draw or transfer.
func Available(p types.Position) uint64 { return p.Units - p.Delivered - p.Fault - p.InFlight }

// termsKey identifies the position transferred units join: the recipient's
// of the same series, seller, price, seller's terms, lot (the trade) and
// contract terms. A trade never joins another (each opens its own
// position): no trade inherits or rewrites another's terms.
func termsKey(s types.Series, buyer, seller string, price sdk.Coin, ratable uint64, refundUnused bool, cpu sdk.Coin, lot uint64, t types.ContractTerms) string {
	return fmt.Sprintf("%s|%s|%s|%s|%d|%t|%s|%d|%d|%d|%s|%d|%d|%d", s.Key(), buyer, seller, price, ratable, refundUnused, cpu, lot,
		t.NonDeliveryFeeBps, int64(t.MinTimeLimit), strings.Join(t.CircuitIds, ","), t.MaxUnitsPerJob, t.MaxOpenUnits, t.ProtocolFeeBps)
}

func (k *Keeper) positionTermsKey(p types.Position) string {
	return termsKey(p.Series, p.Owner, p.Seller, p.PricePerUnit, p.RatableLimit, p.RefundUnused, p.CollateralPerUnit, p.Lot, p.Terms)
}

// openTrade opens the position of a trade of n units (their escrow and
// collateral already counted in the totals), with the trade's lot: its
// share of the sell order's ratable limit, and the units in flight its
// terms allow. Every trade is a position of its own; positions split from
// it share its lot.
func (k *Keeper) openTrade(ctx context.Context, s types.Series, buyer, seller string, price sdk.Coin, n, ratable uint64, refundUnused bool, cpu sdk.Coin, terms types.ContractTerms) (uint64, error) {
	id, err := k.PositionSeq.Next(ctx)
	if err != nil {
		return 0, err
	}
	if err := k.Lots.Set(ctx, id, types.Lot{Id: id, RatableLimit: ratable, HourStart: s.WindowStart, WindowEnd: s.WindowEnd()}); err != nil {
		return 0, err
	}
	credit, err := k.jobs.HaltCredit(ctx)
	if err != nil {
		return 0, err
	}
	pos := types.Position{
		Id: id, Series: s, Owner: buyer, Seller: seller, PricePerUnit: price, Units: n,
		RatableLimit: ratable, RefundUnused: refundUnused, CollateralPerUnit: cpu, Terms: terms, Lot: id,
		Escrow: types.Mul(price, n), Collateral: types.Mul(cpu, n),
		Status:    types.PositionStatus_POSITION_STATUS_OPEN,
		WindowEnd: s.WindowEnd(), HaltCredit: credit,
	}
	return id, k.createPosition(ctx, pos)
}

// lot loads a position's lot.
func (k *Keeper) lot(ctx context.Context, id uint64) (types.Lot, error) {
	l, err := k.Lots.Get(ctx, id)
	if err != nil {
		return l, errorsmod.Wrapf(types.ErrAccounting, "lot %d: %v", id, err)
	}
	return l, nil
}

// leaveLot counts one open position of a lot less; the lot goes with the
// last (no draw can follow: its window has ended or its units are gone).
func (k *Keeper) leaveLot(ctx context.Context, id uint64) error {
	l, err := k.lot(ctx, id)
	if err != nil {
		return err
	}
	if l.Positions <= 1 {
		return k.Lots.Remove(ctx, id)
	}
	l.Positions--
	return k.Lots.Set(ctx, id, l)
}

// createPosition stores a new open position in its lot.
func (k *Keeper) createPosition(ctx context.Context, pos types.Position) error {
	l, err := k.lot(ctx, pos.Lot)
	if err != nil {
		return err
	}
	l.Positions++
	if err := k.Lots.Set(ctx, l.Id, l); err != nil {
		return err
	}
	return k.storePosition(ctx, pos)
}

// storePosition writes a position with its indexes and its window-end
// entry (genesis import: lots come with their counts).
func (k *Keeper) storePosition(ctx context.Context, pos types.Position) error {
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
	return k.WindowQueue.Push(ctx, types.DeliveryEnd(pos), pos.Id)
}

// halts reads the halt clock for a position: its reading now, and when
// the window opened (now, if it has not: every halt so far came before
// it).
func (k *Keeper) halts(ctx context.Context, pos types.Position) (credit, atStart time.Duration, err error) {
	if credit, err = k.jobs.HaltCredit(ctx); err != nil {
		return 0, 0, err
	}
	if sdk.UnwrapSDKContext(ctx).BlockTime().Before(pos.Series.WindowStart) {
		return credit, credit, nil
	}
	// When the window opened before the last halt began, the clock no
	// longer knows its reading then and gives the credit before the last
	// halt: only the last halt moves the end (an earlier halt inside the
	// window, on a position nobody touched since, is not counted — never
	// one from before the window, which the buyer could turn into faults).
	at, _, err := k.jobs.HaltCreditAt(ctx, pos.Series.WindowStart)
	if err != nil {
		return credit, 0, err
	}
	return credit, at, nil
}

// rebase moves an open position's window end by the halt time since it was
// last set that fell inside its window, and its window-end entry with it;
// the position then counts from the clock's reading now. It reports whether
// the position changed (the caller writes it).
func (k *Keeper) rebase(ctx context.Context, pos types.Position) (types.Position, bool, error) {
	if pos.Status != types.PositionStatus_POSITION_STATUS_OPEN {
		return pos, false, nil
	}
	credit, atStart, err := k.halts(ctx, pos)
	if err != nil || credit <= pos.HaltCredit {
		return pos, false, err
	}
	old := types.DeliveryEnd(pos)
	pos.WindowEnd, pos.HaltCredit = types.DeliveryEndAsOf(pos, credit, atStart), credit
	if pos.WindowEnd.Equal(old) {
		return pos, true, nil
	}
	if err := k.WindowQueue.Remove(ctx, old, pos.Id); err != nil {
		return pos, true, err
	}
	return pos, true, k.WindowQueue.Push(ctx, pos.WindowEnd, pos.Id)
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
	if err := k.WindowQueue.Remove(ctx, types.DeliveryEnd(pos), pos.Id); err != nil {
		return err
	}
	return k.Positions.Remove(ctx, pos.Id)
}

// TransferPosition moves available units of an open position, with their
// escrow and the seller's collateral for them, to another owner (into its
// position of the same terms, or a new one).
func (k *Keeper) TransferPosition(ctx context.Context, msg *types.MsgTransferPosition) (uint64, error) {
	to, err := k.addr("to", msg.To)
	if err != nil {
		return 0, err
	}
	// every payout address can receive, checked when it is named: the
	// window's settlement will pay the new owner
	if !k.CanReceive(to) {
		return 0, errorsmod.Wrapf(types.ErrInvalidPosition, "%s cannot receive coins (a module account): a position's owner must be payable", msg.To)
	}
	pos, err := k.GetPosition(ctx, msg.PositionId)
	if err != nil {
		return 0, err
	}
	if pos.Owner != msg.Owner {
		return 0, errorsmod.Wrapf(types.ErrUnauthorized, "position %d belongs to %s", pos.Id, pos.Owner)
	}
	if pos, _, err = k.rebase(ctx, pos); err != nil { // written below with the transfer
		return 0, err
	}
	if pos.Status != types.PositionStatus_POSITION_STATUS_OPEN || !sdk.UnwrapSDKContext(ctx).BlockTime().Before(types.DeliveryEnd(pos)) {
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
	escrow, coll := types.Mul(pos.PricePerUnit, n), types.Mul(pos.CollateralPerUnit, n)
	pos.Units -= n
	pos.Escrow = pos.Escrow.Sub(escrow)
	pos.Collateral = pos.Collateral.Sub(coll)
	if pos.Units == 0 {
		if err := k.deletePosition(ctx, pos); err != nil {
			return 0, err
		}
		if err := k.leaveLot(ctx, pos.Lot); err != nil {
			return 0, err
		}
	} else if err := k.Positions.Set(ctx, pos.Id, pos); err != nil {
		return 0, err
	}
	// the recipient's position keeps the original terms and lot (its
	// ratable limit is the one all of the lot's positions share)
	key := termsKey(pos.Series, msg.To, pos.Seller, pos.PricePerUnit, pos.RatableLimit, pos.RefundUnused, pos.CollateralPerUnit, pos.Lot, pos.Terms)
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
		to.Id, to.Owner, to.Units, to.Delivered, to.Fault, to.FaultExpired, to.InFlight = toID, msg.To, n, 0, 0, 0, 0
		to.Escrow, to.Collateral = escrow, coll
		if err := k.createPosition(ctx, to); err != nil {
			return 0, err
		}
	}
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
	if pos, _, err = k.rebase(ctx, pos); err != nil { // written below with the draw
		return nil, err
	}
	end := types.DeliveryEnd(pos)
	if pos.Status != types.PositionStatus_POSITION_STATUS_OPEN || now.Before(pos.Series.WindowStart) || !now.Before(end) {
		return nil, errorsmod.Wrapf(types.ErrOutsideWindow, "position %d delivers in [%s, %s)", pos.Id, pos.Series.WindowStart.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339))
	}
	if msg.Units == 0 || msg.Units > Available(pos) {
		return nil, errorsmod.Wrapf(types.ErrInsufficient, "position %d has %d available units, asked %d", pos.Id, Available(pos), msg.Units)
	}
	if now.Add(msg.TimeLimit).After(end) {
		return nil, errorsmod.Wrapf(types.ErrOutsideWindow, "a %s job would be due after the window ends at %s", msg.TimeLimit, end.UTC().Format(time.RFC3339))
	}
	// consent: no more than the seller's offer accepted at the trade; a
	// draw outside it is the buyer's error, refused, no fault. The lot is
	// the trade's: its units in flight and its hourly allowance count every
	// position split or transferred from it.
	t := pos.Terms
	lot, err := k.lot(ctx, pos.Lot)
	if err != nil {
		return nil, err
	}
	switch {
	case msg.TimeLimit < t.MinTimeLimit:
		return nil, errorsmod.Wrapf(types.ErrInvalidPosition, "time_limit %s is below the %s the seller's offer accepted", msg.TimeLimit, t.MinTimeLimit)
	case msg.CircuitId != "" && !contains(t.CircuitIds, msg.CircuitId):
		return nil, errorsmod.Wrapf(types.ErrInvalidPosition, "circuit %q is not one the seller supported at the trade", msg.CircuitId)
	case msg.Units > t.MaxUnitsPerJob:
		return nil, errorsmod.Wrapf(types.ErrInvalidPosition, "%d units: the seller's offer accepted jobs of at most %d units at the trade", msg.Units, t.MaxUnitsPerJob)
	case lot.InFlight+msg.Units > t.MaxOpenUnits:
		return nil, errorsmod.Wrapf(types.ErrInvalidPosition, "%d units of the trade in flight with %d more would exceed the %d open at once the seller's offer accepted at the trade", lot.InFlight, msg.Units, t.MaxOpenUnits)
	}
	hour := now.Truncate(time.Hour)
	if !lot.HourStart.Equal(hour) {
		lot.HourStart, lot.HourDrawn = hour, 0
	}
	if lot.RatableLimit > 0 && lot.HourDrawn+msg.Units > lot.RatableLimit {
		return nil, errorsmod.Wrapf(types.ErrAboveRatable, "the trade behind position %d allows %d units an hour; %d drawn this hour", pos.Id, lot.RatableLimit, lot.HourDrawn)
	}
	job := &jobstypes.MsgSubmitJob{
		Buyer: k.str(k.funds.Address), Class: pos.Series.Class, ModelCommitment: msg.ModelCommitment, InputCommitment: msg.InputCommitment,
		InputUri: msg.InputUri, ModelUri: msg.ModelUri, CircuitId: msg.CircuitId, Units: msg.Units, TimeLimit: msg.TimeLimit,
	}
	contract := jobstypes.Contract{
		Seller: pos.Seller, PricePerUnit: pos.PricePerUnit, Reference: fmt.Sprintf("%s%d", types.ContractPrefix, pos.Id), Module: types.ModuleName,
		Offer: jobstypes.ClassPrice{
			Class: pos.Series.Class, PricePerUnit: pos.PricePerUnit, MinTimeLimit: t.MinTimeLimit,
			MaxUnitsPerJob: t.MaxUnitsPerJob, MaxOpenUnits: t.MaxOpenUnits,
		},
	}
	cacheCtx, write := sdkCtx.CacheContext()
	j, err := k.jobs.SubmitContractJob(cacheCtx, k.funds.Address, job, contract)
	refused := jobstypes.ErrNotEligible.Is(err) || jobstypes.ErrProviderNotFound.Is(err)
	if err != nil && !refused {
		return nil, err
	}
	// a draw uses the hour's ratable allowance whether or not the seller
	// could take it (a buyer cannot fault a whole position in the hour a
	// seller is briefly paused)
	lot.HourDrawn += msg.Units
	if !refused {
		lot.InFlight += msg.Units
	}
	if err := k.Lots.Set(ctx, lot.Id, lot); err != nil {
		return nil, err
	}
	if refused {
		// the seller cannot deliver now: its fault, in this transaction (a
		// refusal is unambiguous: compensated at settlement)
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
	write()
	drawn := types.Mul(pos.PricePerUnit, msg.Units)
	pos.InFlight += msg.Units
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
