package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

// CheckEligible tells whether provider p may take job j, and why not: the
// provider's own offer (types.CheckOffer: status, class, circuit, price,
// not its own buyer), then every rule other modules added at wiring, in
// order. Every assignment path goes through it.
func (k *Keeper) CheckEligible(ctx context.Context, p types.Provider, j types.Job) error {
	if err := types.CheckOffer(p, j); err != nil {
		return err
	}
	for _, nr := range k.eligibility {
		if err := nr.rule.CheckEligible(ctx, p, j); err != nil {
			return err
		}
	}
	return nil
}
