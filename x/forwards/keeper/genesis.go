package keeper

import (
	"context"
	"time"

	"cosmossdk.io/collections"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/forwards/types"
)

// InitGenesis loads the state; books, indexes, totals and queues are
// rebuilt from the orders, positions and buckets.
func (k *Keeper) InitGenesis(ctx context.Context, gs types.GenesisState) error {
	if err := gs.Validate(k.addressCodec); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	if err := k.OrderSeq.Set(ctx, max(gs.NextOrderId, 1)); err != nil {
		return err
	}
	if err := k.PositionSeq.Set(ctx, max(gs.NextPositionId, 1)); err != nil {
		return err
	}
	for _, o := range gs.Orders {
		owner, _ := k.addressCodec.StringToBytes(o.Owner) // validated above
		if err := k.Orders.Set(ctx, o.Id, o); err != nil {
			return err
		}
		if err := k.book(o.Side).Set(ctx, collections.Join3(o.Series.Key(), priceKey(o.Side, o.PricePerUnit.Amount.Uint64()), o.Id)); err != nil {
			return err
		}
		if err := k.OrdersByOwner.Set(ctx, collections.Join(sdk.AccAddress(owner), o.Id)); err != nil {
			return err
		}
		if err := k.bumpOpen(ctx, owner, 1); err != nil {
			return err
		}
		if err := k.OrderExpiry.Push(ctx, o.ExpiresAt, o.Id); err != nil {
			return err
		}
		if err := k.add(ctx, k.OrderEscrow, o.Escrow.Amount); err != nil {
			return err
		}
	}
	for _, l := range gs.Lots {
		if err := k.Lots.Set(ctx, l.Id, l); err != nil {
			return err
		}
	}
	for _, p := range gs.Positions {
		switch p.Status {
		case types.PositionStatus_POSITION_STATUS_OPEN:
			if err := k.storePosition(ctx, p); err != nil {
				return err
			}
		default:
			if err := k.storePosition(ctx, p); err != nil {
				return err
			}
			if err := k.PositionTerms.Remove(ctx, k.positionTermsKey(p)); err != nil {
				return err
			}
			if p.Status == types.PositionStatus_POSITION_STATUS_SETTLED {
				if err := k.WindowQueue.Remove(ctx, types.DeliveryEnd(p), p.Id); err != nil {
					return err
				}
				if err := k.PruneQueue.Push(ctx, p.Settlement.SettledAt.Add(gs.Params.Retention), p.Id); err != nil {
					return err
				}
			}
		}
		if err := k.add(ctx, k.PositionEscrow, p.Escrow.Amount); err != nil {
			return err
		}
		if err := k.add(ctx, k.Collateral, p.Collateral.Amount); err != nil {
			return err
		}
	}
	for _, pj := range gs.PositionJobs {
		if err := k.PositionJobs.Set(ctx, pj.JobId, pj); err != nil {
			return err
		}
	}
	for _, b := range gs.Buckets {
		bk := collections.Join(int32(b.Class), b.Hour.Unix())
		if err := k.Buckets.Set(ctx, bk, b); err != nil {
			return err
		}
		due := b.Hour.Add(time.Hour)
		if b.Closed {
			due = b.Hour.Add((types.MaxIndexWindowHours + 1) * time.Hour)
		}
		if err := k.BucketQueue.Push(ctx, due, bk); err != nil {
			return err
		}
	}
	for _, v := range gs.Levels {
		if err := k.Levels.Set(ctx, collections.Join3(int32(v.Class), v.Hour.Unix(), v.Level), v); err != nil {
			return err
		}
	}
	return nil
}

// ExportGenesis writes the state out.
func (k *Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: p}
	if gs.NextOrderId, err = k.OrderSeq.Peek(ctx); err != nil {
		return nil, err
	}
	if gs.NextPositionId, err = k.PositionSeq.Peek(ctx); err != nil {
		return nil, err
	}
	if err := k.Orders.Walk(ctx, nil, func(_ uint64, o types.Order) (bool, error) {
		gs.Orders = append(gs.Orders, o)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Positions.Walk(ctx, nil, func(_ uint64, pos types.Position) (bool, error) {
		gs.Positions = append(gs.Positions, pos)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.PositionJobs.Walk(ctx, nil, func(_ uint64, pj types.PositionJob) (bool, error) {
		gs.PositionJobs = append(gs.PositionJobs, pj)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Buckets.Walk(ctx, nil, func(_ BucketKey, b types.IndexBucket) (bool, error) {
		gs.Buckets = append(gs.Buckets, b)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Levels.Walk(ctx, nil, func(_ LevelKey, v types.PriceLevel) (bool, error) {
		gs.Levels = append(gs.Levels, v)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Lots.Walk(ctx, nil, func(_ uint64, l types.Lot) (bool, error) {
		gs.Lots = append(gs.Lots, l)
		return false, nil
	}); err != nil {
		return nil, err
	}
	return gs, nil
}
