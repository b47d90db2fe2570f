package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

// SetParams validates and sets the params. The denom cannot change once
// set: bonds and escrows are held in it.
func (k *Keeper) SetParams(ctx context.Context, p types.Params) error {
	if err := p.Validate(); err != nil {
		return err
	}
	old, err := k.Params.Get(ctx)
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return err
	}
	if err == nil && old.Denom != p.Denom {
		return errorsmod.Wrap(types.ErrInvalidParams, "denom cannot change once set")
	}
	return k.Params.Set(ctx, p)
}

// Denom is the denom jobs are priced and escrowed in.
func (k *Keeper) Denom(ctx context.Context) (string, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return "", err
	}
	return p.Denom, nil
}

// ProtocolFeeBps is the protocol fee now (x/forwards keeps it with a trade
// for the units paid without a job: take-or-pay).
func (k *Keeper) ProtocolFeeBps(ctx context.Context) (uint32, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return 0, err
	}
	return p.ProtocolFeeBps, nil
}
