// Package keeper implements x/dispute: the circuit registry, challenges,
// random audits, and dispute resolution by on-chain Groth16 verification.
package keeper

import (
	"context"
	"fmt"
	"time"

	"cosmossdk.io/collections"
	"cosmossdk.io/collections/indexes"
	"cosmossdk.io/core/address"
	corestore "cosmossdk.io/core/store"
	"cosmossdk.io/log/v2"
	"cosmossdk.io/math"
	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/internal/funds"
	"github.com/verdict-chain/verdict/x/internal/settle"
)

// DisputeIndexes index disputes by status, kept by the IndexedMap.
type DisputeIndexes struct {
	Status *indexes.Multi[int32, uint64, types.Dispute]
}

// IndexesList implements collections.Indexes.
func (i DisputeIndexes) IndexesList() []collections.Index[uint64, types.Dispute] {
	return []collections.Index[uint64, types.Dispute]{i.Status}
}

// Keeper owns the x/dispute state.
type Keeper struct {
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	authority    string

	funds funds.Account
	jobs  types.JobsKeeper

	hooks         []types.DisputeHooks
	auditWeighers []types.AuditWeigher

	// vks caches parsed verifying keys by content hash (see vkcache.go).
	vks *vkCache

	Schema   collections.Schema
	Params   collections.Item[types.Params]
	Circuits collections.Map[string, types.Circuit]
	// Disputes holds every dispute, open and resolved, by job id.
	Disputes *collections.IndexedMap[uint64, types.Dispute, DisputeIndexes]
	// DeadlineQueue holds open disputes by proof deadline (x/internal/settle).
	DeadlineQueue *settle.Queue[uint64]
	// PruneQueue holds resolved disputes until params.retention has passed.
	PruneQueue *settle.Queue[uint64]
	// PendingAudits holds results posted in the current block (and batch
	// jobs whose window resumed in it); EndBlock draws their audits and
	// empties it.
	PendingAudits collections.KeySet[uint64]
	// DeferredAudits: batch jobs whose audit lottery was postponed, undrawn,
	// because one of their items was disputed when it was due (a challenge
	// in the block of the result): the lottery runs at the end of the block
	// in which that dispute resumes the job's window.
	DeferredAudits collections.KeySet[uint64]
	// TotalBonds is the sum of open challenge bonds (the module balance).
	TotalBonds collections.Item[math.Int]
	// ProvingBacklog: what stands in front of each provider's next dispute
	// (proving.go); no entry when none of its disputes is open. The
	// provider field is empty in the store (the key holds it).
	ProvingBacklog collections.Map[sdk.AccAddress, types.ProvingBacklog]
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
	moduleAddr := ak.GetModuleAddress(types.ModuleName)
	if moduleAddr == nil {
		panic("the x/dispute module account has not been set")
	}
	sb := collections.NewSchemaBuilder(storeService)
	k := &Keeper{
		cdc:          cdc,
		addressCodec: addressCodec,
		authority:    authority,
		funds:        funds.Account{Module: types.ModuleName, Address: moduleAddr, Bank: bk, Distr: dk},
		jobs:         jk,
		vks:          newVKCache(vkCacheSize),

		Params:   collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Circuits: collections.NewMap(sb, types.CircuitsKey, "circuits", collections.StringKey, codec.CollValue[types.Circuit](cdc)),
		Disputes: collections.NewIndexedMap(sb, types.DisputesKey, "disputes", collections.Uint64Key, codec.CollValue[types.Dispute](cdc), DisputeIndexes{
			Status: indexes.NewMulti(sb, types.DisputesByStatusKey, "disputes_by_status", collections.Int32Key, collections.Uint64Key,
				func(_ uint64, d types.Dispute) (int32, error) { return int32(d.Status), nil }),
		}),
		DeadlineQueue:  settle.New(sb, types.DeadlineQueueKey, types.DeadlineDeadLettersKey, "proof_deadline", collections.Uint64Key),
		PruneQueue:     settle.New(sb, types.PruneQueueKey, types.PruneDeadLettersKey, "prune", collections.Uint64Key),
		PendingAudits:  collections.NewKeySet(sb, types.PendingAuditsKey, "pending_audits", collections.Uint64Key),
		DeferredAudits: collections.NewKeySet(sb, types.DeferredAuditsKey, "deferred_audits", collections.Uint64Key),
		TotalBonds:     collections.NewItem(sb, types.TotalBondsKey, "total_bonds", sdk.IntValue),
		ProvingBacklog: collections.NewMap(sb, types.ProvingBacklogKey, "proving_backlog", sdk.AccAddressKey, codec.CollValue[types.ProvingBacklog](cdc)),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	deadLetter := func(queue string) settle.DeadLetterFunc[uint64] {
		return func(ctx context.Context, due time.Time, id uint64, cause error) error {
			return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventSettlementDeadLettered{
				Queue: queue, Entry: fmt.Sprint(id), Due: due, Error: cause.Error(),
			})
		}
	}
	k.DeadlineQueue.Handle(k.settleProofDeadline, deadLetter("proof_deadline"))
	k.PruneQueue.Handle(k.settlePrune, deadLetter("prune"))
	return k
}

// SetHooks installs the dispute outcome hooks. Call once, at app wiring.
func (k *Keeper) SetHooks(hooks ...types.DisputeHooks) {
	if k.hooks != nil {
		panic("x/dispute: hooks already set")
	}
	k.hooks = append([]types.DisputeHooks{}, hooks...)
}

// SetAuditWeighers scales audit_rate_ppm per job (x/reputation by score,
// x/attest for enclave-signed results); the factors multiply. Call once, at
// app wiring.
func (k *Keeper) SetAuditWeighers(ws ...types.AuditWeigher) {
	if k.auditWeighers != nil {
		panic("x/dispute: audit weighers already set")
	}
	k.auditWeighers = append([]types.AuditWeigher{}, ws...)
}

// GetAuthority returns the governance address.
func (k *Keeper) GetAuthority() string { return k.authority }

// ModuleAddress is the account holding challenge bonds.
func (k *Keeper) ModuleAddress() sdk.AccAddress { return k.funds.Address }

// Logger returns a module logger.
func (k *Keeper) Logger(ctx context.Context) log.Logger {
	return sdk.UnwrapSDKContext(ctx).Logger().With("module", "x/"+types.ModuleName)
}
