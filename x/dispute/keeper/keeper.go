// Package keeper implements x/dispute: the circuit registry, challenges,
// random audits, and dispute resolution by on-chain Groth16 verification.
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

	"github.com/verdict-chain/verdict/x/dispute/types"
)

// QueueKey orders proof deadlines by time, then job id.
type QueueKey = collections.Pair[time.Time, uint64]

// Keeper owns the x/dispute state.
type Keeper struct {
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	authority    string

	accountKeeper types.AccountKeeper
	bankKeeper    types.BankKeeper
	distrKeeper   types.DistrKeeper
	jobs          types.JobsKeeper

	hooks        []types.DisputeHooks
	auditWeigher types.AuditWeigher

	// vks caches parsed verifying keys by content hash (see vkcache.go).
	vks *vkCache

	Schema   collections.Schema
	Params   collections.Item[types.Params]
	Circuits collections.Map[string, types.Circuit]
	// Disputes holds every dispute, open and resolved, by job id.
	Disputes         collections.Map[uint64, types.Dispute]
	DisputesByStatus collections.KeySet[collections.Pair[int32, uint64]]
	// DeadlineQueue holds open disputes by proof deadline.
	DeadlineQueue collections.KeySet[QueueKey]
	// PendingAudits holds results posted in the current block; EndBlock
	// draws their audits and empties it.
	PendingAudits collections.KeySet[uint64]
	// TotalBonds is the sum of open challenge bonds (the module balance).
	TotalBonds collections.Item[math.Int]
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
	jk types.JobsKeeper,
) *Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(fmt.Sprintf("invalid authority address %q: %v", authority, err))
	}
	if ak.GetModuleAddress(types.ModuleName) == nil {
		panic("the x/dispute module account has not been set")
	}
	sb := collections.NewSchemaBuilder(storeService)
	k := &Keeper{
		cdc:           cdc,
		addressCodec:  addressCodec,
		authority:     authority,
		accountKeeper: ak,
		bankKeeper:    bk,
		distrKeeper:   dk,
		jobs:          jk,
		vks:           newVKCache(vkCacheSize),

		Params:           collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Circuits:         collections.NewMap(sb, types.CircuitsKey, "circuits", collections.StringKey, codec.CollValue[types.Circuit](cdc)),
		Disputes:         collections.NewMap(sb, types.DisputesKey, "disputes", collections.Uint64Key, codec.CollValue[types.Dispute](cdc)),
		DisputesByStatus: collections.NewKeySet(sb, types.DisputesByStatusKey, "disputes_by_status", collections.PairKeyCodec(collections.Int32Key, collections.Uint64Key)),
		DeadlineQueue:    collections.NewKeySet(sb, types.DeadlineQueueKey, "deadline_queue", collections.PairKeyCodec(sdk.TimeKey, collections.Uint64Key)),
		PendingAudits:    collections.NewKeySet(sb, types.PendingAuditsKey, "pending_audits", collections.Uint64Key),
		TotalBonds:       collections.NewItem(sb, types.TotalBondsKey, "total_bonds", sdk.IntValue),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

// SetHooks installs the dispute outcome hooks. Call once, at app wiring.
func (k *Keeper) SetHooks(hooks ...types.DisputeHooks) { k.hooks = hooks }

// SetAuditWeigher scales audit_rate_ppm per provider (x/reputation). Call
// once, at app wiring.
func (k *Keeper) SetAuditWeigher(w types.AuditWeigher) { k.auditWeigher = w }

// GetAuthority returns the governance address.
func (k *Keeper) GetAuthority() string { return k.authority }

// ModuleAddress is the account holding challenge bonds.
func (k *Keeper) ModuleAddress() sdk.AccAddress {
	return k.accountKeeper.GetModuleAddress(types.ModuleName)
}

// Logger returns a module logger.
func (k *Keeper) Logger(ctx context.Context) log.Logger {
	return sdk.UnwrapSDKContext(ctx).Logger().With("module", "x/"+types.ModuleName)
}

// saveDispute writes a dispute and keeps the status index in step.
func (k *Keeper) saveDispute(ctx context.Context, d types.Dispute) error {
	old, err := k.Disputes.Get(ctx, d.JobId)
	switch {
	case err == nil:
		if err := k.DisputesByStatus.Remove(ctx, collections.Join(int32(old.Status), d.JobId)); err != nil {
			return err
		}
	case !isNotFound(err):
		return err
	}
	if err := k.Disputes.Set(ctx, d.JobId, d); err != nil {
		return err
	}
	return k.DisputesByStatus.Set(ctx, collections.Join(int32(d.Status), d.JobId))
}
