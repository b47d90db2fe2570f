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
	"github.com/verdict-chain/verdict/x/internal/bps"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// The spot index. A scheduler-assigned job that names no position and
// FINALIZES adds its price x units used to the class's bucket of the hour it
// settled in, at the price's level (prices within 1/64 share a level): O(1)
// per job, whoever traded it. When the hour is over the bucket closes: its
// price is the units-weighted median of the prices its jobs paid, clamped
// to within index_max_move_bps of the index before it. The index
// is the units-weighted median of the closed buckets of the last
// index_window_hours (a bounded read), stale below index_min_volume_units.
// Direct orders and position jobs never count: two parties can agree any
// price between themselves.
//
// Weight is paid volume, nothing per address: splitting volume across any
// number of sybil accounts changes no weight. Moving the index to a price X
// means bringing, at X or beyond, more units than all other trading of the
// window, paying x/jobs' protocol fee on X x those units; what it buys is
// only a larger penalty for a seller that fails to deliver, paid to the
// community pool (types.SettleFaults): no party gains from it. And each
// hour moves the index at most index_max_move_bps, so the volume it takes
// grows with every step of the distance.

// recordSpot feeds a finalized job into its bucket.
func (k *Keeper) recordSpot(ctx context.Context, j jobstypes.Job) error {
	if j.Contract != nil || j.AssignedVia != "scheduler" || j.Result == nil || j.Result.UnitsUsed == 0 || j.Settlement == nil {
		return nil
	}
	if !j.PricePerUnit.Amount.IsUint64() {
		return nil
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
	level := types.PriceLevelOf(j.PricePerUnit.Amount.Uint64())
	lk := collections.Join3(int32(j.Class), hour.Unix(), level)
	v, err := k.Levels.Get(ctx, lk)
	switch {
	case errors.Is(err, collections.ErrNotFound):
		b.Levels++
		v = types.PriceLevel{Class: j.Class, Hour: hour, Level: level, Value: sdkmath.ZeroInt()}
	case err != nil:
		return err
	}
	units := j.Result.UnitsUsed
	v.Value = v.Value.Add(j.PricePerUnit.Amount.Mul(sdkmath.NewIntFromUint64(units)))
	v.Units += units
	b.VolumeUnits += units
	if err := k.Levels.Set(ctx, lk, v); err != nil {
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
	var points []WeightedPrice
	var keys []LevelKey
	rng := collections.NewSuperPrefixedTripleRange[int32, int64, uint32](bk.K1(), bk.K2())
	if err := k.Levels.Walk(ctx, rng, func(key LevelKey, v types.PriceLevel) (bool, error) {
		if v.Units > 0 {
			points = append(points, WeightedPrice{Price: v.Value.Quo(sdkmath.NewIntFromUint64(v.Units)), Units: v.Units})
		}
		keys = append(keys, key)
		return false, nil
	}); err != nil {
		return err
	}
	for _, key := range keys {
		if err := k.Levels.Remove(ctx, key); err != nil {
			return err
		}
	}
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	ref, err := k.clampReference(ctx, bk)
	if err != nil {
		return err
	}
	b.Price = ClampMove(WeightedMedian(points), ref, p.IndexMaxMoveBps)
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

// clampReference is the price a closing bucket may move at most
// index_max_move_bps away from: the index before it (stale or not: thin
// trading still has a price), or, with no bucket in the index window, the
// latest closed bucket still kept (MaxIndexWindowHours). Zero — nothing to
// clamp to — only for a class with no closed bucket in a week.
func (k *Keeper) clampReference(ctx context.Context, bk BucketKey) (sdkmath.Int, error) {
	prior, err := k.Index(ctx, types.ClassOf(bk.K1()))
	if err != nil {
		return sdkmath.Int{}, err
	}
	if prior.Price.Amount.IsPositive() {
		return prior.Price.Amount, nil
	}
	ref := sdkmath.ZeroInt()
	rng := new(collections.Range[BucketKey]).
		StartInclusive(collections.Join(bk.K1(), bk.K2()-int64(types.MaxIndexWindowHours)*3600)).
		EndExclusive(bk).Descending()
	err = k.Buckets.Walk(ctx, rng, func(_ BucketKey, b types.IndexBucket) (bool, error) {
		if b.Closed && b.Price.IsPositive() {
			ref = b.Price
			return true, nil
		}
		return false, nil
	})
	return ref, err
}

// ClampMove keeps a closing bucket's price within maxMoveBps of ref (the
// index before it): however much volume an hour brings, it moves the index
// by at most that share, so reaching a price k times away takes
// log(k)/log(1 + share) hours of majority volume, each paid for. A zero ref
// clamps nothing.
func ClampMove(price, ref sdkmath.Int, maxMoveBps uint32) sdkmath.Int {
	if !ref.IsPositive() || !price.IsPositive() {
		return price
	}
	hi := bps.Floor(ref, bps.Whole+maxMoveBps)
	lo := bps.Floor(ref, bps.Whole-min(maxMoveBps, bps.Whole-1))
	return sdkmath.MaxInt(lo, sdkmath.MinInt(hi, price))
}

// WeightedPrice is a price with the units traded at it.
type WeightedPrice struct {
	Price sdkmath.Int
	Units uint64
}

// WeightedMedian is the lowest price at or below which at least half the
// units traded: the units-weighted median (zero without units). Only
// volume weighs, so no number of accounts moves it without the volume.
func WeightedMedian(points []WeightedPrice) sdkmath.Int {
	var total uint64
	for _, p := range points {
		total += p.Units
	}
	if total == 0 {
		return sdkmath.ZeroInt()
	}
	sorted := append([]WeightedPrice(nil), points...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Price.LT(sorted[j].Price) })
	var sum uint64
	for _, p := range sorted {
		sum += p.Units
		if 2*sum >= total {
			return p.Price
		}
	}
	return sorted[len(sorted)-1].Price
}

// Index is a class's spot index now, with the buckets it is made of: the
// units-weighted median of the closed buckets' prices in the window.
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
	var points []WeightedPrice
	if err := k.Buckets.Walk(ctx, rng, func(_ BucketKey, b types.IndexBucket) (bool, error) {
		if b.Closed && b.VolumeUnits > 0 && b.Price.IsPositive() {
			out.Buckets = append(out.Buckets, b)
			points = append(points, WeightedPrice{Price: b.Price, Units: b.VolumeUnits})
			out.VolumeUnits += b.VolumeUnits
		}
		return false, nil
	}); err != nil {
		return out, err
	}
	out.Price = sdk.NewCoin(denom, WeightedMedian(points))
	out.Stale = len(out.Buckets) == 0 || out.VolumeUnits < p.IndexMinVolumeUnits
	return out, nil
}
