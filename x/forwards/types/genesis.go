package types

import (
	"fmt"

	"cosmossdk.io/core/address"
	errorsmod "cosmossdk.io/errors"
)

// DefaultGenesis is the default params and empty books.
func DefaultGenesis() *GenesisState {
	return &GenesisState{Params: DefaultParams(), NextOrderId: 1, NextPositionId: 1}
}

// Validate checks the genesis state: params, ids below the sequences,
// owners' addresses, positions' unit accounting.
func (gs GenesisState) Validate(ac address.Codec) error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	addr := func(what, a string) error {
		if _, err := ac.StringToBytes(a); err != nil {
			return errorsmod.Wrapf(ErrInvalidGenesis, "%s %q: %v", what, a, err)
		}
		return nil
	}
	ids := map[uint64]bool{}
	for _, o := range gs.Orders {
		if o.Id == 0 || o.Id >= gs.NextOrderId || ids[o.Id] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "order id %d: zero, repeated or not below next_order_id %d", o.Id, gs.NextOrderId)
		}
		ids[o.Id] = true
		if err := addr("order owner", o.Owner); err != nil {
			return err
		}
		if o.Side != Side_SIDE_BUY && o.Side != Side_SIDE_SELL || o.Units == 0 || o.Units > o.OrigUnits {
			return errorsmod.Wrapf(ErrInvalidGenesis, "order %d: bad side or units", o.Id)
		}
		if err := o.Escrow.Validate(); err != nil {
			return errorsmod.Wrapf(ErrInvalidGenesis, "order %d escrow: %v", o.Id, err)
		}
	}
	pids := map[uint64]bool{}
	for _, p := range gs.Positions {
		if p.Id == 0 || p.Id >= gs.NextPositionId || pids[p.Id] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "position id %d: zero, repeated or not below next_position_id %d", p.Id, gs.NextPositionId)
		}
		pids[p.Id] = true
		if err := addr("position owner", p.Owner); err != nil {
			return err
		}
		if err := addr("position seller", p.Seller); err != nil {
			return err
		}
		if p.Delivered+p.Fault+p.InFlight > p.Units {
			return errorsmod.Wrapf(ErrInvalidGenesis, "position %d: delivered + fault + in flight exceed its units", p.Id)
		}
		if err := p.Escrow.Validate(); err != nil {
			return errorsmod.Wrapf(ErrInvalidGenesis, "position %d escrow: %v", p.Id, err)
		}
		if err := p.Collateral.Validate(); err != nil {
			return errorsmod.Wrapf(ErrInvalidGenesis, "position %d collateral: %v", p.Id, err)
		}
	}
	jobs := map[uint64]bool{}
	for _, pj := range gs.PositionJobs {
		if jobs[pj.JobId] || !pids[pj.PositionId] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "position job %d: repeated or of an unknown position", pj.JobId)
		}
		jobs[pj.JobId] = true
	}
	buckets := map[string]bool{}
	for _, b := range gs.Buckets {
		k := fmt.Sprintf("%d/%d", b.Class, b.Hour.Unix())
		if buckets[k] || b.Price.IsNil() || b.Price.IsNegative() {
			return errorsmod.Wrapf(ErrInvalidGenesis, "bucket %s: repeated or bad price", k)
		}
		buckets[k] = true
	}
	levels := map[string]bool{}
	for _, v := range gs.Levels {
		k := fmt.Sprintf("%d/%d/%d", v.Class, v.Hour.Unix(), v.Level)
		if levels[k] || v.Value.IsNil() || v.Value.IsNegative() || v.Units == 0 || v.Level >= MaxPriceLevels {
			return errorsmod.Wrapf(ErrInvalidGenesis, "price level %s: repeated, empty or with a bad value", k)
		}
		levels[k] = true
	}
	lots := map[uint64]bool{}
	for _, l := range gs.Lots {
		if l.Id == 0 || l.Id >= gs.NextPositionId || lots[l.Id] || l.Positions == 0 {
			return errorsmod.Wrapf(ErrInvalidGenesis, "lot %d: zero, repeated, not below next_position_id or without open positions", l.Id)
		}
		lots[l.Id] = true
	}
	open := map[uint64]uint32{}
	for _, p := range gs.Positions {
		if p.Status == PositionStatus_POSITION_STATUS_OPEN {
			if !lots[p.Lot] {
				return errorsmod.Wrapf(ErrInvalidGenesis, "open position %d: its lot %d is missing", p.Id, p.Lot)
			}
			open[p.Lot]++
		}
		if p.FaultExpired > p.Fault {
			return errorsmod.Wrapf(ErrInvalidGenesis, "position %d: fault_expired exceeds fault", p.Id)
		}
	}
	for _, l := range gs.Lots {
		if open[l.Id] != l.Positions {
			return errorsmod.Wrapf(ErrInvalidGenesis, "lot %d counts %d open positions, there are %d", l.Id, l.Positions, open[l.Id])
		}
	}
	return nil
}
