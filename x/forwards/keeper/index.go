package keeper

import (
	"context"
	"errors"
	"sort"
	"time"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/forwards/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// The spot index. A scheduler-assigned job that names no position and
// FINALIZES adds its price x units used to its provider's volume in the
// class's bucket of the hour it settled in: O(1) per job. When the hour is
// over the bucket closes: its price is the weighted median of the
// providers' volume-weighted prices, each provider's weight capped at
// index_max_provider_weight_bps of the bucket. The index is the mean of the
// closed buckets of the last index_window_hours (a bounded read), stale
// below index_min_volume_units. Direct orders and position jobs never
// count: two parties can agree any price between themselves.

// recordSpot feeds a finalized job into its bucket.
func (k *Keeper) recordSpot(ctx context.Context, j jobstypes.Job) error {
	if j.Contract != nil || j.AssignedVia != "scheduler" || j.Result == nil || j.Result.UnitsUsed == 0 || j.Settlement == nil {
		return nil
	}
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	op, err := k.addr("provider", j.Provider)
	if err != nil {
		return err
	}
	hour := j.Settlement.SettledAt.Truncate(time.Hour).UTC()
	bk := collections.Join(int32(j.Class), hour.Unix())
	b, err := k.Buckets.Get(ctx, bk)
	switch {
	case errors.Is(err, collections.ErrNotFound):
		b = types.IndexBucket{Class: j.Class, Hour: hour, Price: sdkmath.ZeroInt()}
		if err := k.BucketQueue.Push(ctx, hour.Add(time.Hour), bk); err != nil {
			return err
		}
	case err != nil:
		return err
	case b.Closed:
		return nil // settled in a later block of an hour already closed
	}
	vk := collections.Join3(int32(j.Class), hour.Unix(), op)
	v, err := k.Volumes.Get(ctx, vk)
	switch {
	case errors.Is(err, collections.ErrNotFound):
		if b.Providers >= p.IndexMaxProvidersPerBucket {
			return nil // the bucket counts its first providers only
		}
		b.Providers++
		v = types.ProviderVolume{Class: j.Class, Hour: hour, Provider: j.Provider, Value: sdkmath.ZeroInt()}
	case err != nil:
		return err
	}
	units := j.Result.UnitsUsed
	v.Value = v.Value.Add(j.PricePerUnit.Amount.Mul(sdkmath.NewIntFromUint64(units)))
	v.Units += units
	b.VolumeUnits += units
	if err := k.Volumes.Set(ctx, vk, v); err != nil {
		return err
	}
	return k.Buckets.Set(ctx, bk, b)
}

// settleBucket closes a bucket when its hour ends, and deletes it when it
// leaves the longest index window.
func (k *Keeper) settleBucket(ctx context.Context, _ time.Time, bk BucketKey) error {
	b, err := k.Buckets.Get(ctx, bk)
	if errors.Is(err, collections.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if b.Closed {
		return k.Buckets.Remove(ctx, bk)
	}
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	var vols []types.ProviderVolume
	var keys []collections.Triple[int32, int64, sdk.AccAddress]
	rng := collections.NewSuperPrefixedTripleRange[int32, int64, sdk.AccAddress](bk.K1(), bk.K2())
	if err := k.Volumes.Walk(ctx, rng, func(key collections.Triple[int32, int64, sdk.AccAddress], v types.ProviderVolume) (bool, error) {
		vols = append(vols, v)
		keys = append(keys, key)
		return false, nil
	}); err != nil {
		return err
	}
	for _, key := range keys {
		if err := k.Volumes.Remove(ctx, key); err != nil {
			return err
		}
	}
	b.Price = WeightedMedian(vols, p.IndexMaxProviderWeightBps)
	b.Closed = true
	if err := k.Buckets.Set(ctx, bk, b); err != nil {
		return err
	}
	// kept while any index window may read it
	if err := k.BucketQueue.Push(ctx, b.Hour.Add((types.MaxIndexWindowHours+1)*time.Hour), bk); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventIndexBucketClosed{Bucket: b})
}

// WeightedMedian is the price (volume-weighted, per provider, rounded
// down) at which half the weight lies below. Each provider weighs its
// units, capped so that it holds at most capBps of the weight against the
// others' volume: w_i = min(u_i, s/(1−s) × Σ_{j≠i} u_j), s = capBps/10⁴.
// However much volume one provider adds, it moves the median at most to
// the neighbouring prices of the others. A bucket of one provider has no
// weight: zero, and the index skips it. Ties in price order by provider.
func WeightedMedian(vols []types.ProviderVolume, capBps uint32) sdkmath.Int {
	var total uint64
	for _, v := range vols {
		total += v.Units
	}
	if total == 0 {
		return sdkmath.ZeroInt()
	}
	sort.Slice(vols, func(i, j int) bool {
		// value_i / units_i < value_j / units_j, exactly
		l := vols[i].Value.Mul(sdkmath.NewIntFromUint64(vols[j].Units))
		r := vols[j].Value.Mul(sdkmath.NewIntFromUint64(vols[i].Units))
		if !l.Equal(r) {
			return l.LT(r)
		}
		return vols[i].Provider < vols[j].Provider
	})
	weight := func(v types.ProviderVolume) uint64 {
		if capBps >= types.MaxBps {
			return v.Units
		}
		others := sdkmath.NewIntFromUint64(total - v.Units)
		c := others.MulRaw(int64(capBps)).QuoRaw(int64(types.MaxBps - capBps))
		if c.IsUint64() && c.Uint64() < v.Units {
			return c.Uint64()
		}
		return v.Units
	}
	var weights, sum uint64
	for _, v := range vols {
		weights += weight(v)
	}
	if weights == 0 {
		return sdkmath.ZeroInt()
	}
	for _, v := range vols {
		sum += weight(v)
		if 2*sum >= weights {
			return v.Value.Quo(sdkmath.NewIntFromUint64(v.Units))
		}
	}
	last := vols[len(vols)-1]
	return last.Value.Quo(sdkmath.NewIntFromUint64(last.Units))
}

// Index is a class's spot index now, with the buckets it is made of.
func (k *Keeper) Index(ctx context.Context, class jobstypes.WorkloadClass) (types.SpotIndex, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return types.SpotIndex{}, err
	}
	denom, err := k.jobs.Denom(ctx)
	if err != nil {
		return types.SpotIndex{}, err
	}
	now := sdk.UnwrapSDKContext(ctx).BlockTime().Truncate(time.Hour)
	from := now.Add(-time.Duration(p.IndexWindowHours) * time.Hour)
	out := types.SpotIndex{Class: class, Price: sdk.NewCoin(denom, sdkmath.ZeroInt())}
	rng := new(collections.Range[BucketKey]).
		StartInclusive(collections.Join(int32(class), from.Unix())).
		EndExclusive(collections.Join(int32(class), now.Unix()))
	sum := sdkmath.ZeroInt()
	if err := k.Buckets.Walk(ctx, rng, func(_ BucketKey, b types.IndexBucket) (bool, error) {
		if b.Closed && b.VolumeUnits > 0 && b.Price.IsPositive() {
			out.Buckets = append(out.Buckets, b)
			sum = sum.Add(b.Price)
			out.VolumeUnits += b.VolumeUnits
		}
		return false, nil
	}); err != nil {
		return out, err
	}
	if len(out.Buckets) > 0 {
		out.Price = sdk.NewCoin(denom, sum.QuoRaw(int64(len(out.Buckets))))
	}
	out.Stale = len(out.Buckets) == 0 || out.VolumeUnits < p.IndexMinVolumeUnits
	return out, nil
}
