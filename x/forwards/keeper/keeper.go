// Package keeper implements x/forwards: forward contracts on compute —
// an order book per series (class, delivery window), positions that
// deliver physically as x/jobs contract jobs at the forward price, an
// on-chain spot index from scheduler-assigned jobs, and settlement at the
// window's end that prices non-delivery against that index.
package keeper

import (
	"context"
	"fmt"
	"time"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	corestore "cosmossdk.io/core/store"
	"cosmossdk.io/log/v2"
	"cosmossdk.io/math"
	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/forwards/types"
	"github.com/verdict-chain/verdict/x/internal/funds"
	"github.com/verdict-chain/verdict/x/internal/settle"
)

// BookKey orders one side of a series' book: (series, price key, order id).
// Sell books key by price (lowest first), buy books by MaxUint64 − price
// (highest first); the order id is time priority.
type BookKey = collections.Triple[string, uint64, uint64]

// BucketKey is (class, hour unix).
type BucketKey = collections.Pair[int32, int64]

// LevelKey is (class, hour unix, price level).
type LevelKey = collections.Triple[int32, int64, uint32]

// BankKeeper is what x/forwards needs of x/bank: moving coins, and whether
// an address may receive them (every payout address is checked when it is
// named).
type BankKeeper interface {
	funds.BankKeeper
	BlockedAddr(addr sdk.AccAddress) bool
}

// Keeper owns the x/forwards state and its module account.
type Keeper struct {
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	authority    string
	funds        funds.Account
	bank         BankKeeper
	jobs         types.JobsKeeper
	reputation   types.ReputationSource
	attest       types.AttestationSource
	repHooks     types.ReputationHooks

	Schema      collections.Schema
	Params      collections.Item[types.Params]
	OrderSeq    collections.Sequence
	PositionSeq collections.Sequence
	Orders      collections.Map[uint64, types.Order]
	BuyBook     collections.KeySet[BookKey]
	SellBook    collections.KeySet[BookKey]
	// OrdersByOwner and OpenOrders: an owner's resting orders and their count.
	OrdersByOwner collections.KeySet[collections.Pair[sdk.AccAddress, uint64]]
	OpenOrders    collections.Map[sdk.AccAddress, uint32]
	OrderExpiry   *settle.Queue[uint64]
	Positions     collections.Map[uint64, types.Position]
	// PositionsByOwner / BySeller index positions; PositionTerms finds the
	// position a transfer joins (the recipient's of the same lot and terms).
	PositionsByOwner  collections.KeySet[collections.Pair[sdk.AccAddress, uint64]]
	PositionsBySeller collections.KeySet[collections.Pair[sdk.AccAddress, uint64]]
	PositionTerms     collections.Map[string, uint64]
	// WindowQueue: positions, at their window's end.
	WindowQueue  *settle.Queue[uint64]
	PositionJobs collections.Map[uint64, types.PositionJob]
	// Lots: each trade's delivery limits (ratable limit, units in flight),
	// shared by every position split from it; deleted when the last of its
	// positions reaches the window end.
	Lots collections.Map[uint64, types.Lot]
	// The spot index: hourly buckets and, while a bucket is open, its volume
	// per price level; BucketQueue closes a bucket when its hour ends and
	// prunes it when it leaves the longest index window.
	Buckets     collections.Map[BucketKey, types.IndexBucket]
	Levels      collections.Map[LevelKey, types.PriceLevel]
	BucketQueue *settle.Queue[BucketKey]
	PruneQueue  *settle.Queue[uint64]
	// Totals: order escrow, position escrow, collateral (the invariant).
	OrderEscrow    collections.Item[math.Int]
	PositionEscrow collections.Item[math.Int]
	Collateral     collections.Item[math.Int]
}

// NewKeeper builds the keeper. authority is the gov module address.
func NewKeeper(cdc codec.BinaryCodec, storeService corestore.KVStoreService, addressCodec address.Codec, authority string,
	ak interface{ GetModuleAddress(string) sdk.AccAddress }, bk BankKeeper, dk funds.DistrKeeper, jk types.JobsKeeper,
) *Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(fmt.Sprintf("invalid authority address %q: %v", authority, err))
	}
	moduleAddr := ak.GetModuleAddress(types.ModuleName)
	if moduleAddr == nil {
		panic("x/forwards: module account not set")
	}
	sb := collections.NewSchemaBuilder(storeService)
	triple := collections.TripleKeyCodec(collections.StringKey, collections.Uint64Key, collections.Uint64Key)
	owner := collections.PairKeyCodec(sdk.AccAddressKey, collections.Uint64Key)
	bucket := collections.PairKeyCodec(collections.Int32Key, collections.Int64Key)
	k := &Keeper{
		cdc: cdc, addressCodec: addressCodec, authority: authority, jobs: jk, bank: bk,
		funds:             funds.Account{Module: types.ModuleName, Address: moduleAddr, Bank: bk, Distr: dk},
		Params:            collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		OrderSeq:          collections.NewSequence(sb, types.OrderSeqKey, "order_seq"),
		PositionSeq:       collections.NewSequence(sb, types.PositionSeqKey, "position_seq"),
		Orders:            collections.NewMap(sb, types.OrdersKey, "orders", collections.Uint64Key, codec.CollValue[types.Order](cdc)),
		BuyBook:           collections.NewKeySet(sb, types.BuyBookKey, "buy_book", triple),
		SellBook:          collections.NewKeySet(sb, types.SellBookKey, "sell_book", triple),
		OrdersByOwner:     collections.NewKeySet(sb, types.OrdersByOwnerKey, "orders_by_owner", owner),
		OpenOrders:        collections.NewMap(sb, types.OpenOrdersKey, "open_orders", sdk.AccAddressKey, collections.Uint32Value),
		OrderExpiry:       settle.New(sb, types.OrderExpiryKey, types.OrderExpiryDeadKey, "order_expiry", collections.Uint64Key),
		Positions:         collections.NewMap(sb, types.PositionsKey, "positions", collections.Uint64Key, codec.CollValue[types.Position](cdc)),
		PositionsByOwner:  collections.NewKeySet(sb, types.PositionsByOwnerKey, "positions_by_owner", owner),
		PositionsBySeller: collections.NewKeySet(sb, types.PositionsBySellerKey, "positions_by_seller", owner),
		PositionTerms:     collections.NewMap(sb, types.PositionTermsKey, "position_terms", collections.StringKey, collections.Uint64Value),
		WindowQueue:       settle.New(sb, types.WindowQueueKey, types.WindowDeadKey, "window_end", collections.Uint64Key),
		PositionJobs:      collections.NewMap(sb, types.PositionJobsKey, "position_jobs", collections.Uint64Key, codec.CollValue[types.PositionJob](cdc)),
		Buckets:           collections.NewMap(sb, types.BucketsKey, "buckets", bucket, codec.CollValue[types.IndexBucket](cdc)),
		Lots:              collections.NewMap(sb, types.LotsKey, "lots", collections.Uint64Key, codec.CollValue[types.Lot](cdc)),
		Levels: collections.NewMap(sb, types.LevelsKey, "price_levels",
			collections.TripleKeyCodec(collections.Int32Key, collections.Int64Key, collections.Uint32Key), codec.CollValue[types.PriceLevel](cdc)),
		BucketQueue:    settle.New(sb, types.BucketQueueKey, types.BucketDeadKey, "index_bucket", bucket),
		PruneQueue:     settle.New(sb, types.PruneQueueKey, types.PruneDeadKey, "prune", collections.Uint64Key),
		OrderEscrow:    collections.NewItem(sb, types.OrderEscrowKey, "order_escrow", sdk.IntValue),
		PositionEscrow: collections.NewItem(sb, types.PositionEscrowKey, "position_escrow", sdk.IntValue),
		Collateral:     collections.NewItem(sb, types.CollateralKey, "collateral", sdk.IntValue),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	k.OrderExpiry.Handle(k.settleOrderExpiry, deadLetter[uint64](k, "order_expiry"))
	k.WindowQueue.Handle(k.settleWindowEnd, deadLetter[uint64](k, "window_end"))
	k.BucketQueue.Handle(k.settleBucket, deadLetter[BucketKey](k, "index_bucket"))
	k.PruneQueue.Handle(k.settlePrune, deadLetter[uint64](k, "prune"))
	return k
}

func deadLetter[K any](_ *Keeper, queue string) settle.DeadLetterFunc[K] {
	return func(ctx context.Context, due time.Time, key K, cause error) error {
		return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventSettlementDeadLettered{
			Queue: queue, Entry: fmt.Sprint(key), Due: due, Error: cause.Error(),
		})
	}
}

// SetReputation connects x/reputation: scores lower collateral, faults are
// recorded. Call once, at app wiring.
func (k *Keeper) SetReputation(src types.ReputationSource, hooks types.ReputationHooks) {
	if k.reputation != nil {
		panic("x/forwards: reputation already set")
	}
	k.reputation, k.repHooks = src, hooks
}

// SetAttestation connects x/attest: an attested seller posts less
// collateral. Call once, at app wiring; without it the factor is 1.
func (k *Keeper) SetAttestation(src types.AttestationSource) {
	if k.attest != nil {
		panic("x/forwards: attestation already set")
	}
	k.attest = src
}

// GetAuthority returns the governance address.
func (k *Keeper) GetAuthority() string { return k.authority }

// ModuleAddress is the account holding escrows and collateral.
func (k *Keeper) ModuleAddress() sdk.AccAddress { return k.funds.Address }

// Logger returns a module logger.
func (k *Keeper) Logger(ctx context.Context) log.Logger {
	return sdk.UnwrapSDKContext(ctx).Logger().With("module", "x/"+types.ModuleName)
}

func (k *Keeper) addr(field, a string) (sdk.AccAddress, error) {
	b, err := k.addressCodec.StringToBytes(a)
	if err != nil {
		return nil, types.ErrInvalidAddress.Wrapf("%s: %v", field, err)
	}
	return b, nil
}

func (k *Keeper) str(a sdk.AccAddress) string {
	s, _ := k.addressCodec.BytesToString(a)
	return s
}
