package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

// CheckEligible tells whether provider p may take job j, and why not: the
// provider's own offer (types.CheckOffer: status, class, circuit, price,
// the terms it consents to, not its own buyer), its capacity in the
// class, a bond at the floor, then
// every rule other modules added at wiring, in order. Every assignment path
// goes through it.
func (k *Keeper) CheckEligible(ctx context.Context, p types.Provider, j types.Job) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	return k.checkEligible(ctx, p, j, params)
}

// checkEligible is CheckEligible with the params already read.
func (k *Keeper) checkEligible(ctx context.Context, p types.Provider, j types.Job, params types.Params) error {
	if err := types.CheckOffer(p, j); err != nil {
		return err
	}
	op, err := k.addr("provider", p.Operator)
	if err != nil {
		return err
	}
	open, err := k.OpenUnitsOf(ctx, op, j.Class)
	if err != nil {
		return err
	}
	if err := types.CheckCapacity(types.OfferFor(p, j.Class), j, open); err != nil {
		return err
	}
	if p.Bond.Amount.LT(params.MinProviderBond.Amount) {
		return errorsmod.Wrapf(types.ErrNotEligible, "provider %s bond %s is below min_provider_bond %s: it takes no new job until it adds bond", p.Operator, p.Bond, params.MinProviderBond)
	}
	for _, nr := range k.eligibility {
		if err := nr.rule.CheckEligible(ctx, p, j); err != nil {
			return err
		}
	}
	return nil
}
