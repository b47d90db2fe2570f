package keeper

import (
	"context"
	"encoding/hex"

	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/attest/types"
)

// maxNoncePrunes bounds the ring's cleanup per block (more than one per
// block catches up after nonce_max_age_blocks is lowered).
const maxNoncePrunes = 16

// nonce is the hash of the block at height if evidence may still bind it:
// a block already recorded, at most nonce_max_age_blocks before this one.
// (A transaction cannot bind the block that includes it, whose hash depends
// on it; queries and gas simulation run at the last committed height, which
// they may name.)
func (k *Keeper) nonce(ctx context.Context, p types.Params, height uint64) ([]byte, error) {
	cur := uint64(sdk.UnwrapSDKContext(ctx).BlockHeight())
	if height == 0 || height > cur || cur-height > p.NonceMaxAgeBlocks {
		return nil, errorsmod.Wrapf(types.ErrStaleNonce, "nonce height %d: evidence must bind one of the %d blocks up to %d", height, p.NonceMaxAgeBlocks, cur)
	}
	hash, err := k.Nonces.Get(ctx, height)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrStaleNonce, "no block hash recorded at height %d", height)
	}
	return hash, nil
}

// ExpectedReportData is what a provider's evidence must carry for a nonce
// height and an enclave key, with the nonce block's hash.
func (k *Keeper) ExpectedReportData(ctx context.Context, operator sdk.AccAddress, height uint64, enclaveKey []byte) ([types.ReportDataSize]byte, string, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return [types.ReportDataSize]byte{}, "", err
	}
	hash, err := k.nonce(ctx, p, height)
	if err != nil {
		return [types.ReportDataSize]byte{}, "", err
	}
	return types.ReportData(sdk.UnwrapSDKContext(ctx).ChainID(), operator, hash, enclaveKey), hex.EncodeToString(hash), nil
}
