package keeper

import (
	"context"
	"time"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

// InitGenesis loads a validated genesis state. Indexes and running totals
// are rebuilt from the records.
func (k *Keeper) InitGenesis(ctx context.Context, gs types.GenesisState) error {
	if err := gs.Validate(k.addressCodec); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	bonds, escrow := math.ZeroInt(), math.ZeroInt()
	for _, p := range gs.Providers {
		if err := k.setProvider(ctx, p); err != nil {
			return err
		}
		bonds = bonds.Add(p.Bond.Amount)
	}
	for _, j := range gs.Jobs {
		if err := k.saveJob(ctx, j); err != nil {
			return err
		}
		if types.IsOpen(j.Status) {
			escrow = escrow.Add(j.Escrow.Amount)
		}
	}
	if err := k.JobSeq.Set(ctx, gs.NextJobId); err != nil {
		return err
	}
	for _, e := range gs.DeadlineQueue {
		if err := k.DeadlineQueue.Set(ctx, collections.Join(e.Time, e.JobId)); err != nil {
			return err
		}
	}
	for _, e := range gs.WindowQueue {
		if err := k.WindowQueue.Set(ctx, collections.Join(e.Time, e.JobId)); err != nil {
			return err
		}
	}
	for _, e := range gs.UnbondingQueue {
		op, err := k.addressCodec.StringToBytes(e.Operator)
		if err != nil {
			return err
		}
		if err := k.UnbondingQueue.Set(ctx, collections.Join(e.Time, sdk.AccAddress(op))); err != nil {
			return err
		}
	}
	if err := k.TotalBonds.Set(ctx, bonds); err != nil {
		return err
	}
	return k.TotalEscrow.Set(ctx, escrow)
}

// ExportGenesis writes out the whole state in key order.
func (k *Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: params}
	if err := k.Providers.Walk(ctx, nil, func(_ sdk.AccAddress, p types.Provider) (bool, error) {
		gs.Providers = append(gs.Providers, p)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Jobs.Walk(ctx, nil, func(_ uint64, j types.Job) (bool, error) {
		gs.Jobs = append(gs.Jobs, j)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if gs.NextJobId, err = k.JobSeq.Peek(ctx); err != nil {
		return nil, err
	}
	if err := k.DeadlineQueue.Walk(ctx, nil, func(key QueueKey) (bool, error) {
		gs.DeadlineQueue = append(gs.DeadlineQueue, types.QueueEntry{Time: key.K1(), JobId: key.K2()})
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.WindowQueue.Walk(ctx, nil, func(key QueueKey) (bool, error) {
		gs.WindowQueue = append(gs.WindowQueue, types.QueueEntry{Time: key.K1(), JobId: key.K2()})
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.UnbondingQueue.Walk(ctx, nil, func(key collections.Pair[time.Time, sdk.AccAddress]) (bool, error) {
		op, err := k.addressCodec.BytesToString(key.K2())
		if err != nil {
			return true, err
		}
		gs.UnbondingQueue = append(gs.UnbondingQueue, types.UnbondingEntry{Time: key.K1(), Operator: op})
		return false, nil
	}); err != nil {
		return nil, err
	}
	return gs, nil
}
