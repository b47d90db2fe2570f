package keeper

import (
	"context"
	"fmt"
	"time"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	corestore "cosmossdk.io/core/store"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/log/v2"
	"cosmossdk.io/math"
	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

// JobKey and friends name the composite keys used by the indexes and queues.
type (
	// OfferKey orders ACTIVE providers' offers by (class, price, operator):
	// the cheapest offer of a class comes first, ties broken by address bytes.
	OfferKey = collections.Triple[int32, uint64, sdk.AccAddress]
	// QueueKey orders queue entries by time, then job id.
	QueueKey = collections.Pair[time.Time, uint64]
)

// Keeper owns the x/jobs state.
type Keeper struct {
	cdc          codec.BinaryCodec
	storeService corestore.KVStoreService
	addressCodec address.Codec
	authority    string

	accountKeeper types.AccountKeeper
	bankKeeper    types.BankKeeper
	distrKeeper   types.DistrKeeper

	hooks     types.JobHooks
	scheduler types.Scheduler
	circuits  types.CircuitRegistry

	Schema collections.Schema
	Params collections.Item[types.Params]

	Providers         collections.Map[sdk.AccAddress, types.Provider]
	ProvidersByStatus collections.KeySet[collections.Pair[int32, sdk.AccAddress]]
	Offers            collections.KeySet[OfferKey]

	JobSeq         collections.Sequence
	Jobs           collections.Map[uint64, types.Job]
	JobsByBuyer    collections.KeySet[collections.Pair[sdk.AccAddress, uint64]]
	JobsByProvider collections.KeySet[collections.Pair[sdk.AccAddress, uint64]]
	JobsByStatus   collections.KeySet[collections.Pair[int32, uint64]]

	DeadlineQueue  collections.KeySet[QueueKey]
	WindowQueue    collections.KeySet[QueueKey]
	UnbondingQueue collections.KeySet[collections.Pair[time.Time, sdk.AccAddress]]

	// Running totals checked against the module balance (see accounting.go).
	TotalEscrow collections.Item[math.Int]
	TotalBonds  collections.Item[math.Int]
}

// NewKeeper builds the keeper. authority is the gov module address.
func NewKeeper(
	cdc codec.BinaryCodec,
	storeService corestore.KVStoreService,
	addressCodec address.Codec,
	authority string,
	ak types.AccountKeeper,
	bk types.BankKeeper,
	dk types.DistrKeeper,
) *Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(fmt.Sprintf("invalid authority address %q: %v", authority, err))
	}
	if ak.GetModuleAddress(types.ModuleName) == nil {
		panic("the x/jobs module account has not been set")
	}
	sb := collections.NewSchemaBuilder(storeService)
	k := &Keeper{
		cdc:           cdc,
		storeService:  storeService,
		addressCodec:  addressCodec,
		authority:     authority,
		accountKeeper: ak,
		bankKeeper:    bk,
		distrKeeper:   dk,
		hooks:         types.MultiJobHooks{},

		Params:            collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Providers:         collections.NewMap(sb, types.ProvidersKey, "providers", sdk.AccAddressKey, codec.CollValue[types.Provider](cdc)),
		ProvidersByStatus: collections.NewKeySet(sb, types.ProvidersByStatusKey, "providers_by_status", collections.PairKeyCodec(collections.Int32Key, sdk.AccAddressKey)),
		Offers:            collections.NewKeySet(sb, types.OffersKey, "offers", collections.TripleKeyCodec(collections.Int32Key, collections.Uint64Key, sdk.AccAddressKey)),
		JobSeq:            collections.NewSequence(sb, types.JobSeqKey, "job_seq"),
		Jobs:              collections.NewMap(sb, types.JobsKey, "jobs", collections.Uint64Key, codec.CollValue[types.Job](cdc)),
		JobsByBuyer:       collections.NewKeySet(sb, types.JobsByBuyerKey, "jobs_by_buyer", collections.PairKeyCodec(sdk.AccAddressKey, collections.Uint64Key)),
		JobsByProvider:    collections.NewKeySet(sb, types.JobsByProviderKey, "jobs_by_provider", collections.PairKeyCodec(sdk.AccAddressKey, collections.Uint64Key)),
		JobsByStatus:      collections.NewKeySet(sb, types.JobsByStatusKey, "jobs_by_status", collections.PairKeyCodec(collections.Int32Key, collections.Uint64Key)),
		DeadlineQueue:     collections.NewKeySet(sb, types.DeadlineQueueKey, "deadline_queue", collections.PairKeyCodec(sdk.TimeKey, collections.Uint64Key)),
		WindowQueue:       collections.NewKeySet(sb, types.WindowQueueKey, "window_queue", collections.PairKeyCodec(sdk.TimeKey, collections.Uint64Key)),
		UnbondingQueue:    collections.NewKeySet(sb, types.UnbondingQueueKey, "unbonding_queue", collections.PairKeyCodec(sdk.TimeKey, sdk.AccAddressKey)),
		TotalEscrow:       collections.NewItem(sb, types.TotalEscrowKey, "total_escrow", sdk.IntValue),
		TotalBonds:        collections.NewItem(sb, types.TotalBondsKey, "total_bonds", sdk.IntValue),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	k.scheduler = CheapestScheduler{k: k}
	return k
}

// SetHooks installs the lifecycle hooks. Call once, at app wiring.
func (k *Keeper) SetHooks(hooks ...types.JobHooks) {
	k.hooks = types.MultiJobHooks(hooks)
}

// SetScheduler replaces the default cheapest-offer scheduler.
func (k *Keeper) SetScheduler(s types.Scheduler) {
	k.scheduler = s
}

// SetCircuitRegistry makes job and provider circuit ids checked against the
// registry. Call once, at app wiring.
func (k *Keeper) SetCircuitRegistry(r types.CircuitRegistry) {
	k.circuits = r
}

// checkCircuits requires every non-empty id to be registered (when a
// registry is set).
func (k *Keeper) checkCircuits(ctx context.Context, kind *errorsmod.Error, ids ...string) error {
	if k.circuits == nil {
		return nil
	}
	for _, id := range ids {
		if id == "" {
			continue
		}
		ok, err := k.circuits.HasCircuit(ctx, id)
		if err != nil {
			return err
		}
		if !ok {
			return errorsmod.Wrapf(kind, "circuit %q is not registered", id)
		}
	}
	return nil
}

// GetAuthority returns the governance address allowed to change params.
func (k *Keeper) GetAuthority() string { return k.authority }

// AddressCodec returns the account address codec.
func (k *Keeper) AddressCodec() address.Codec { return k.addressCodec }

// ModuleAddress is the module account holding bonds and escrows.
func (k *Keeper) ModuleAddress() sdk.AccAddress {
	return k.accountKeeper.GetModuleAddress(types.ModuleName)
}

// Logger returns a module logger.
func (k *Keeper) Logger(ctx context.Context) log.Logger {
	return sdk.UnwrapSDKContext(ctx).Logger().With("module", "x/"+types.ModuleName)
}
