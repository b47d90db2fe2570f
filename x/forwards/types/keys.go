package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the name of the module; its account holds order
	// escrows, position escrows and seller collateral.
	ModuleName = "forwards"
	// StoreKey is its KV store key.
	StoreKey = ModuleName
	// ContractPrefix starts the reference of every x/jobs contract job
	// drawn on a position: "forwards/position/<id>".
	ContractPrefix = "forwards/position/"
)

// Store prefixes.
var (
	ParamsKey            = collections.NewPrefix(0)
	OrderSeqKey          = collections.NewPrefix(1)
	PositionSeqKey       = collections.NewPrefix(2)
	OrdersKey            = collections.NewPrefix(3)
	BuyBookKey           = collections.NewPrefix(4)
	SellBookKey          = collections.NewPrefix(5)
	OrdersByOwnerKey     = collections.NewPrefix(6)
	OpenOrdersKey        = collections.NewPrefix(7)
	OrderExpiryKey       = collections.NewPrefix(8)
	OrderExpiryDeadKey   = collections.NewPrefix(9)
	PositionsKey         = collections.NewPrefix(10)
	PositionsByOwnerKey  = collections.NewPrefix(11)
	PositionsBySellerKey = collections.NewPrefix(12)
	PositionTermsKey     = collections.NewPrefix(13)
	WindowQueueKey       = collections.NewPrefix(14)
	WindowDeadKey        = collections.NewPrefix(15)
	PositionJobsKey      = collections.NewPrefix(16)
	BucketsKey           = collections.NewPrefix(17)
	// 18 held per-provider volumes of an open bucket (now LevelsKey).
	BucketQueueKey    = collections.NewPrefix(19)
	BucketDeadKey     = collections.NewPrefix(20)
	PruneQueueKey     = collections.NewPrefix(21)
	PruneDeadKey      = collections.NewPrefix(22)
	OrderEscrowKey    = collections.NewPrefix(23)
	PositionEscrowKey = collections.NewPrefix(24)
	CollateralKey     = collections.NewPrefix(25)
	LevelsKey         = collections.NewPrefix(26)
	LotsKey           = collections.NewPrefix(27)
)

const (
	// PPM is 1.0 in parts per million.
	PPM = 1_000_000
	// MaxIndexWindowHours bounds index_window_hours; closed buckets are kept
	// this long, so any window up to it reads exactly.
	MaxIndexWindowHours = 168
	// MaxBookLevels bounds a Book query per side.
	MaxBookLevels = 50
	// MaxFillsPerMsg bounds max_fills_per_msg.
	MaxFillsPerMsg = 100
	// MaxPriceLevels bounds the price levels of an index bucket (PriceLevel):
	// 64 binary magnitudes of 64 steps each.
	MaxPriceLevels = 64 * 64
)
