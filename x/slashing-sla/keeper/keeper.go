// Package keeper implements x/slashingsla: SLA reports from buyers and
// registered monitors, graded slashing of the provider's bond by severity,
// compensation of the buyer, and jail for repeated violations.
package keeper

import (
	"context"
	"fmt"
	"time"

	"cosmossdk.io/collections"
	collcodec "cosmossdk.io/collections/codec"
	"cosmossdk.io/core/address"
	corestore "cosmossdk.io/core/store"
	"cosmossdk.io/log/v2"
	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/internal/settle"
	"github.com/verdict-chain/verdict/x/slashing-sla/types"
)

// ViolationKey is (provider, time, job id): a provider's violations in time
// order, so the count in any window is a range read.
type ViolationKey = collections.Triple[sdk.AccAddress, time.Time, uint64]

// Keeper owns the x/slashingsla state. The module holds no coins: slashes
// move from x/jobs' bond pool to the buyer and the community pool.
type Keeper struct {
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	authority    string
	jobs         types.JobsKeeper
	reputation   types.ReputationHooks

	Schema   collections.Schema
	Params   collections.Item[types.Params]
	Monitors collections.KeySet[sdk.AccAddress]
	Reports  collections.Map[collections.Pair[uint64, sdk.AccAddress], types.SLAReport]
	// Pending: jobs with reports, graded at the time given, when they come
	// due in Queue (x/internal/settle).
	Pending collections.Map[uint64, time.Time]
	Queue   *settle.Queue[uint64]
	// PendingByProvider: (provider, job id) of every pending grading.
	PendingByProvider collections.KeySet[collections.Pair[sdk.AccAddress, uint64]]
	// PruneQueue: assessments, deleted params.retention after grading.
	PruneQueue  *settle.Queue[uint64]
	Assessments collections.Map[uint64, types.Assessment]
	Violations  collections.KeySet[ViolationKey]
}

// NewKeeper builds the keeper. authority is the gov module address.
func NewKeeper(cdc codec.BinaryCodec, storeService corestore.KVStoreService, addressCodec address.Codec, authority string, jk types.JobsKeeper) *Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(fmt.Sprintf("invalid authority address %q: %v", authority, err))
	}
	sb := collections.NewSchemaBuilder(storeService)
	k := &Keeper{
		cdc: cdc, addressCodec: addressCodec, authority: authority, jobs: jk,
		Params:   collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Monitors: collections.NewKeySet(sb, types.MonitorsKey, "monitors", sdk.AccAddressKey),
		Reports:  collections.NewMap(sb, types.ReportsKey, "reports", collections.PairKeyCodec(collections.Uint64Key, sdk.AccAddressKey), codec.CollValue[types.SLAReport](cdc)),
		Pending:  collections.NewMap(sb, types.PendingKey, "pending", collections.Uint64Key, collcodec.KeyToValueCodec(sdk.TimeKey)),
		Queue:    settle.New(sb, types.QueueKey, types.QueueDeadLettersKey, "queue", collections.Uint64Key),
		PendingByProvider: collections.NewKeySet(sb, types.PendingByProviderKey, "pending_by_provider",
			collections.PairKeyCodec(sdk.AccAddressKey, collections.Uint64Key)),
		PruneQueue:  settle.New(sb, types.PruneQueueKey, types.PruneDeadLettersKey, "prune", collections.Uint64Key),
		Assessments: collections.NewMap(sb, types.AssessmentsKey, "assessments", collections.Uint64Key, codec.CollValue[types.Assessment](cdc)),
		Violations:  collections.NewKeySet(sb, types.ViolationsKey, "violations", collections.TripleKeyCodec(sdk.AccAddressKey, sdk.TimeKey, collections.Uint64Key)),
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
	k.Queue.Handle(k.settleGrading, func(ctx context.Context, due time.Time, id uint64, cause error) error {
		if err := deadLetter("grading")(ctx, due, id, cause); err != nil {
			return err
		}
		return k.dropGrading(ctx, id)
	})
	k.PruneQueue.Handle(k.settlePrune, deadLetter("prune"))
	return k
}

// SetReputationHooks connects x/reputation. Call once, at app wiring.
func (k *Keeper) SetReputationHooks(h types.ReputationHooks) {
	if k.reputation != nil {
		panic("x/slashingsla: reputation hooks already set")
	}
	k.reputation = h
}

// GetAuthority returns the governance address.
func (k *Keeper) GetAuthority() string { return k.authority }

// Logger returns a module logger.
func (k *Keeper) Logger(ctx context.Context) log.Logger {
	return sdk.UnwrapSDKContext(ctx).Logger().With("module", "x/"+types.ModuleName)
}
