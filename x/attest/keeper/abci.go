package keeper

import (
	"context"

	"cosmossdk.io/collections"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/verdict-chain/verdict/x/internal/settle"
)

// BeginBlocker records this block's hash, which evidence of the next
// nonce_max_age_blocks blocks may bind, and forgets the oldest.
func (k *Keeper) BeginBlocker(ctx context.Context) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	h := sdkCtx.BlockHeight()
	if h <= 0 {
		return nil
	}
	if hash := sdkCtx.HeaderHash(); len(hash) > 0 {
		if err := k.Nonces.Set(ctx, uint64(h), append([]byte(nil), hash...)); err != nil {
			return err
		}
	}
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	if uint64(h) <= p.NonceMaxAgeBlocks {
		return nil
	}
	oldest := uint64(h) - p.NonceMaxAgeBlocks
	var stale []uint64
	if err := k.Nonces.Walk(ctx, new(collections.Range[uint64]).EndExclusive(oldest), func(height uint64, _ []byte) (bool, error) {
		stale = append(stale, height)
		return len(stale) >= maxNoncePrunes, nil
	}); err != nil {
		return err
	}
	for _, height := range stale {
		if err := k.Nonces.Remove(ctx, height); err != nil {
			return err
		}
	}
	return nil
}

// EndBlocker deletes expired attestations, at most max_expiries_per_block.
func (k *Keeper) EndBlocker(ctx context.Context) error {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	_, err = settle.Run(ctx, int(p.MaxExpiriesPerBlock), k.ExpiryQueue)
	return err
}
