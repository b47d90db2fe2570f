package keeper

import (
	"context"

	"cosmossdk.io/collections"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/reputation/types"
)

// InitGenesis loads params and records.
func (k *Keeper) InitGenesis(ctx context.Context, gs types.GenesisState) error {
	if err := gs.Validate(k.addressCodec); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	for _, r := range gs.Records {
		op, err := k.addressCodec.StringToBytes(r.Provider)
		if err != nil {
			return err
		}
		key := collections.Join(sdk.AccAddress(op), int32(r.Class))
		if err := k.Records.Set(ctx, key, r); err != nil {
			return err
		}
		if err := k.PruneQueue.Push(ctx, r.UpdatedAt.Add(gs.Params.RecordRetention), key); err != nil {
			return err
		}
	}
	return nil
}

// ExportGenesis writes params and records out (as stored: evidence is
// decayed lazily, so the export is exact).
func (k *Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: p}
	err = k.Records.Walk(ctx, nil, func(_ RecordKey, r types.Record) (bool, error) {
		gs.Records = append(gs.Records, r)
		return false, nil
	})
	return gs, err
}
