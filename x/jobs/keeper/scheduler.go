package keeper

import (
	"context"

	"cosmossdk.io/collections"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

// WalkCandidates visits the eligible providers for job j in ascending price
// order (ties: operator address bytes), from the (class, price, operator)
// offer index. It stops at the first offer above the job's max price, after
// maxScan offers (eligible or not), or when fn returns true — so the work is
// bounded whatever the number of providers. Schedulers build on it.
func (k *Keeper) WalkCandidates(ctx context.Context, j types.Job, maxScan uint32, fn func(types.Candidate) (stop bool, err error)) error {
	scanned := uint32(0)
	rng := collections.NewPrefixedTripleRange[int32, uint64, sdk.AccAddress](int32(j.Class))
	return k.Offers.Walk(ctx, rng, func(key OfferKey) (bool, error) {
		if scanned >= maxScan {
			return true, nil
		}
		scanned++
		if key.K2() > j.MaxPricePerUnit.Amount.Uint64() {
			return true, nil
		}
		p, err := k.Providers.Get(ctx, key.K3())
		if err != nil {
			return true, err
		}
		if k.CheckEligible(ctx, p, j) != nil {
			return false, nil
		}
		price, _ := types.PriceFor(p, j.Class)
		return fn(types.Candidate{Provider: p, Price: price})
	})
}

// CheapestScheduler assigns the cheapest eligible ACTIVE offer among the
// first max_scheduler_scan offers of the job's class. It is the default
// until x/reputation installs its reputation-weighted scheduler.
type CheapestScheduler struct{ k *Keeper }

var _ types.Scheduler = CheapestScheduler{}

// SelectProvider returns nil when no eligible provider was found.
func (s CheapestScheduler) SelectProvider(ctx context.Context, j types.Job) (sdk.AccAddress, error) {
	params, err := s.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	var chosen sdk.AccAddress
	err = s.k.WalkCandidates(ctx, j, params.MaxSchedulerScan, func(c types.Candidate) (bool, error) {
		op, err := s.k.addressCodec.StringToBytes(c.Provider.Operator)
		chosen = op
		return true, err
	})
	return chosen, err
}
