package keeper

import (
	"context"
	"time"

	"cosmossdk.io/collections"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/slashing-sla/types"
)

// recordViolation stores the violation, forgets up to maxPrunePerViolation
// of those older than the longest window the params allow, and jails the
// provider when the count inside the current window reaches max_violations.
// The count is a range read over timestamps inside the window only, so
// changing violation_window (within its bound) never miscounts.
func (k *Keeper) recordViolation(ctx context.Context, p types.Params, op sdk.AccAddress, provider string, jobID uint64, now time.Time) (bool, error) {
	if err := k.Violations.Set(ctx, collections.Join3(op, now, jobID)); err != nil {
		return false, err
	}
	horizon := now.Add(-types.MaxViolationWindowDays * 24 * time.Hour)
	var stale []ViolationKey
	if err := k.Violations.Walk(ctx, collections.NewPrefixedTripleRange[sdk.AccAddress, time.Time, uint64](op), func(key ViolationKey) (bool, error) {
		if !key.K2().Before(horizon) {
			return true, nil
		}
		stale = append(stale, key)
		return len(stale) >= maxPrunePerViolation, nil
	}); err != nil {
		return false, err
	}
	for _, key := range stale {
		if err := k.Violations.Remove(ctx, key); err != nil {
			return false, err
		}
	}
	n, err := k.CountInWindow(ctx, op, p.ViolationWindow, now)
	if err != nil || n < p.MaxViolations {
		return false, err
	}
	until := now.Add(p.JailDuration)
	if err := k.jobs.Jail(ctx, op, until); err != nil {
		return false, err
	}
	return true, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventProviderJailed{Provider: provider, ViolationsInWindow: n, Until: until})
}

// CountInWindow counts a provider's violations in (now − window, now],
// reading only that range.
func (k *Keeper) CountInWindow(ctx context.Context, op sdk.AccAddress, window time.Duration, now time.Time) (uint32, error) {
	cutoff := now.Add(-window)
	rng := new(collections.Range[ViolationKey]).
		StartExclusive(collections.Join3(op, cutoff, ^uint64(0))).
		EndInclusive(collections.Join3(op, farFuture, ^uint64(0)))
	n := uint32(0)
	err := k.Violations.Walk(ctx, rng, func(ViolationKey) (bool, error) {
		n++
		return false, nil
	})
	return n, err
}
