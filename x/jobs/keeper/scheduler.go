package keeper

import (
	"context"

	"cosmossdk.io/collections"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

// CheapestScheduler assigns the cheapest eligible ACTIVE offer. It walks the
// offer index for the job's class in ascending price order (ties: operator
// address bytes) and stops at the first eligible provider, at the first
// offer above the job's max price, or after max_scheduler_scan offers, so
// the work per assignment is bounded whatever the number of providers.
type CheapestScheduler struct{ k *Keeper }

var _ types.Scheduler = CheapestScheduler{}

// SelectProvider returns nil when no eligible provider was found.
func (s CheapestScheduler) SelectProvider(ctx context.Context, j types.Job) (sdk.AccAddress, error) {
	params, err := s.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	var chosen sdk.AccAddress
	scanned := uint32(0)
	rng := collections.NewPrefixedTripleRange[int32, uint64, sdk.AccAddress](int32(j.Class))
	err = s.k.Offers.Walk(ctx, rng, func(key OfferKey) (bool, error) {
		scanned++
		if key.K2() > j.MaxPricePerUnit.Amount.Uint64() {
			return true, nil
		}
		p, err := s.k.Providers.Get(ctx, key.K3())
		if err != nil {
			return true, err
		}
		if CheckEligible(p, j) == nil {
			chosen = key.K3()
			return true, nil
		}
		return scanned >= params.MaxSchedulerScan, nil
	})
	return chosen, err
}
