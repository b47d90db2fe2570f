// Package keeper implements x/jobs: the provider registry with bonds, jobs
// with escrow, assignment, results and challenge windows, and the EndBlock
// settlements. Other modules reach it through the interfaces in their
// expected_keepers.go and the vocabulary in x/jobs/types.
package keeper

import (
	"context"
	"fmt"
	"time"

	"cosmossdk.io/collections"
	"cosmossdk.io/collections/indexes"
	"cosmossdk.io/core/address"
	corestore "cosmossdk.io/core/store"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/log/v2"
	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/internal/funds"
	"github.com/verdict-chain/verdict/x/internal/haltclock"
	"github.com/verdict-chain/verdict/x/internal/settle"
	"github.com/verdict-chain/verdict/x/jobs/types"
)

// OfferKey orders ACTIVE providers' offers by (class, price, operator): the
// cheapest offer of a class comes first, ties broken by address bytes.
type OfferKey = collections.Triple[int32, uint64, sdk.AccAddress]

// JobIndexes are the secondary indexes of jobs, kept by the IndexedMap on
// every write: by buyer, by status, and by every node that works on the job.
type JobIndexes struct {
	Buyer  *indexes.Multi[sdk.AccAddress, uint64, types.Job]
	Status *indexes.Multi[int32, uint64, types.Job]
	Nodes  *NodeIndex
}

// IndexesList implements collections.Indexes: the three indexes behind one
// (jobIndexSet), so that a job write reads the old job once and rewrites
// only the index entries whose key changed.
func (i JobIndexes) IndexesList() []collections.Index[uint64, types.Job] {
	return []collections.Index[uint64, types.Job]{jobIndexSet{i}}
}

// Keeper owns the x/jobs state.
type Keeper struct {
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	authority    string
	funds        funds.Account

	// Wiring-time extension points (each set at most once).
	hooks           types.MultiJobHooks
	hooksSet        bool
	scheduler       types.Scheduler
	schedulerSet    bool
	circuits        types.CircuitRegistry
	eligibility     []namedRule
	claimSources    []types.ClaimSource
	challengeWindow types.ChallengeWindowPolicy

	Schema collections.Schema
	Params collections.Item[types.Params]

	// Providers are written only by setProvider/removeProvider, which keep
	// ProvidersByStatus and Offers (ACTIVE providers' prices) in step.
	Providers         collections.Map[sdk.AccAddress, types.Provider]
	ProvidersByStatus collections.KeySet[collections.Pair[int32, sdk.AccAddress]]
	Offers            collections.KeySet[OfferKey]
	// OpenJobs counts each provider's open jobs (slots); absent means none.
	// The stored provider record's open_jobs stays 0: queries and genesis
	// export fill it in from here (providerView).
	OpenJobs collections.Map[sdk.AccAddress, uint64]
	// OpenUnits is each provider's capacity in use: the units of its open
	// jobs, per class (absent means none). Rebuilt from the jobs at genesis.
	OpenUnits collections.Map[collections.Pair[sdk.AccAddress, int32], uint64]
	// Halt is the chain's halt clock, ticked in BeginBlock: an open job's
	// times, and x/dispute's proof deadlines, move by the halts after they
	// were set (halts.go).
	Halt haltclock.Clock

	// Ledger holds the next job id and the running totals (accounting.go).
	Ledger collections.Item[types.Ledger]
	Jobs   *collections.IndexedMap[uint64, types.Job, JobIndexes]
	// newJobs is Jobs' primary map without its indexes (same prefix): the
	// write of a job under a fresh id, its index entries made by writeJob.
	newJobs collections.Map[uint64, types.Job]

	// Settlement queues (x/internal/settle), drained by EndBlock.
	DeadlineQueue  *settle.Queue[uint64]         // open jobs expire at their deadline
	WindowQueue    *settle.Queue[uint64]         // posted results finalize when their window ends
	UnbondingQueue *settle.Queue[sdk.AccAddress] // bonds return when unbonding ends
	PruneQueue     *settle.Queue[uint64]         // closed jobs are deleted after params.retention

	// Serving sessions (sessions.go). SessionQueue holds one entry per
	// session: when an open one stops taking checkpoints (it then closes),
	// when a closed one is pruned.
	Sessions     *collections.IndexedMap[uint64, types.Session, SessionIndexes]
	SessionQueue *settle.Queue[uint64]
	// OpenSessions counts each provider's OPEN and CLOSING sessions (absent
	// means none): its exit waits for them. Rebuilt at genesis.
	OpenSessions collections.Map[sdk.AccAddress, uint64]
}

// SessionIndexes are the secondary indexes of sessions: by buyer, by
// provider and by status.
type SessionIndexes struct {
	Buyer    *indexes.Multi[sdk.AccAddress, uint64, types.Session]
	Provider *indexes.Multi[sdk.AccAddress, uint64, types.Session]
	Status   *indexes.Multi[int32, uint64, types.Session]
}

// IndexesList implements collections.Indexes.
func (i SessionIndexes) IndexesList() []collections.Index[uint64, types.Session] {
	return []collections.Index[uint64, types.Session]{i.Buyer, i.Provider, i.Status}
}

type namedRule struct {
	name string
	rule types.EligibilityRule
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
	moduleAddr := ak.GetModuleAddress(types.ModuleName)
	if moduleAddr == nil {
		panic("the x/jobs module account has not been set")
	}
	sb := collections.NewSchemaBuilder(storeService)
	addrOf := func(s string) (sdk.AccAddress, error) {
		b, err := addressCodec.StringToBytes(s)
		if err != nil {
			return nil, errorsmod.Wrap(types.ErrInvalidAddress, err.Error())
		}
		return b, nil
	}
	k := &Keeper{
		cdc:          cdc,
		addressCodec: addressCodec,
		authority:    authority,
		funds:        funds.Account{Module: types.ModuleName, Address: moduleAddr, Bank: bk, Distr: dk},

		Params:            collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Providers:         collections.NewMap(sb, types.ProvidersKey, "providers", sdk.AccAddressKey, codec.CollValue[types.Provider](cdc)),
		ProvidersByStatus: collections.NewKeySet(sb, types.ProvidersByStatusKey, "providers_by_status", collections.PairKeyCodec(collections.Int32Key, sdk.AccAddressKey)),
		Offers:            collections.NewKeySet(sb, types.OffersKey, "offers", collections.TripleKeyCodec(collections.Int32Key, collections.Uint64Key, sdk.AccAddressKey)),
		OpenJobs:          collections.NewMap(sb, types.OpenJobsKey, "open_jobs", sdk.AccAddressKey, collections.Uint64Value),
		OpenUnits:         collections.NewMap(sb, types.OpenUnitsKey, "open_units", collections.PairKeyCodec(sdk.AccAddressKey, collections.Int32Key), collections.Uint64Value),
		Halt: haltclock.New(sb, haltclock.Prefixes{
			Last: types.HaltLastKey, Credit: types.HaltCreditKey, Pace: types.HaltPaceKey,
			From: types.HaltFromKey, To: types.HaltToKey, Before: types.HaltBeforeKey,
		}),
		Ledger: collections.NewItem(sb, types.LedgerKey, "ledger", codec.CollValue[types.Ledger](cdc)),
		Jobs: collections.NewIndexedMap(sb, types.JobsKey, "jobs", collections.Uint64Key, codec.CollValue[types.Job](cdc), JobIndexes{
			Buyer: indexes.NewMulti(sb, types.JobsByBuyerKey, "jobs_by_buyer", sdk.AccAddressKey, collections.Uint64Key,
				func(_ uint64, j types.Job) (sdk.AccAddress, error) { return addrOf(j.Buyer) }),
			Status: indexes.NewMulti(sb, types.JobsByStatusKey, "jobs_by_status", collections.Int32Key, collections.Uint64Key,
				func(_ uint64, j types.Job) (int32, error) { return int32(j.Status), nil }),
			Nodes: NewNodeIndex(sb, types.JobsByProviderKey, "jobs_by_provider", addrOf),
		}),
		DeadlineQueue:  settle.New(sb, types.DeadlineQueueKey, types.DeadlineDeadLettersKey, "deadline", collections.Uint64Key),
		WindowQueue:    settle.New(sb, types.WindowQueueKey, types.WindowDeadLettersKey, "window", collections.Uint64Key),
		UnbondingQueue: settle.New(sb, types.UnbondingQueueKey, types.UnbondingDeadLettersKey, "unbonding", sdk.AccAddressKey),
		PruneQueue:     settle.New(sb, types.PruneQueueKey, types.PruneDeadLettersKey, "prune", collections.Uint64Key),
		Sessions: collections.NewIndexedMap(sb, types.SessionsKey, "sessions", collections.Uint64Key, codec.CollValue[types.Session](cdc), SessionIndexes{
			Buyer: indexes.NewMulti(sb, types.SessionsByBuyerKey, "sessions_by_buyer", sdk.AccAddressKey, collections.Uint64Key,
				func(_ uint64, s types.Session) (sdk.AccAddress, error) { return addrOf(s.Buyer) }),
			Provider: indexes.NewMulti(sb, types.SessionsByProviderKey, "sessions_by_provider", sdk.AccAddressKey, collections.Uint64Key,
				func(_ uint64, s types.Session) (sdk.AccAddress, error) { return addrOf(s.Provider) }),
			Status: indexes.NewMulti(sb, types.SessionsByStatusKey, "sessions_by_status", collections.Int32Key, collections.Uint64Key,
				func(_ uint64, s types.Session) (int32, error) { return int32(s.Status), nil }),
		}),
		SessionQueue: settle.New(sb, types.SessionQueueKey, types.SessionDeadLettersKey, "session", collections.Uint64Key),
		OpenSessions: collections.NewMap(sb, types.OpenSessionsKey, "open_sessions", sdk.AccAddressKey, collections.Uint64Value),
	}
	// declared on a schema of its own: the prefix is Jobs', declared above
	k.newJobs = collections.NewMap(collections.NewSchemaBuilder(storeService), types.JobsKey, "jobs", collections.Uint64Key, codec.CollValue[types.Job](cdc))
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	k.scheduler = CheapestScheduler{k: k}
	k.WindowQueue.Handle(k.settleWindow, deadLetter[uint64](k, "window"))
	k.DeadlineQueue.Handle(k.settleDeadline, deadLetter[uint64](k, "deadline"))
	k.UnbondingQueue.Handle(k.settleUnbonding, deadLetter[sdk.AccAddress](k, "unbonding"))
	k.PruneQueue.Handle(k.settlePrune, deadLetter[uint64](k, "prune"))
	k.SessionQueue.Handle(k.settleSession, deadLetter[uint64](k, "session"))
	return k
}

// SetHooks installs the lifecycle hooks, in the order they run. Call once,
// at app wiring.
func (k *Keeper) SetHooks(hooks ...types.JobHooks) {
	if k.hooksSet {
		panic("x/jobs: hooks already set")
	}
	k.hooks, k.hooksSet = hooks, true
}

// SetScheduler replaces the default cheapest-offer scheduler. Call once, at
// app wiring.
func (k *Keeper) SetScheduler(s types.Scheduler) {
	if k.schedulerSet {
		panic("x/jobs: scheduler already set")
	}
	k.scheduler, k.schedulerSet = s, true
}

// SetCircuitRegistry makes job and provider circuit ids checked against the
// registry. Call once, at app wiring.
func (k *Keeper) SetCircuitRegistry(r types.CircuitRegistry) {
	if k.circuits != nil {
		panic("x/jobs: circuit registry already set")
	}
	k.circuits = r
}

// AddEligibilityRule adds a check every assignment must pass, after the
// provider's own offer (types.CheckOffer) and the rules added before it.
// Call at app wiring.
func (k *Keeper) AddEligibilityRule(name string, r types.EligibilityRule) {
	for _, nr := range k.eligibility {
		if nr.name == name {
			panic("x/jobs: eligibility rule " + name + " already added")
		}
	}
	k.eligibility = append(k.eligibility, namedRule{name, r})
}

// AddClaimSource adds a module whose open claims against a provider keep its
// bond locked after unbonding (x/slashingsla: pending SLA gradings). Call at
// app wiring.
func (k *Keeper) AddClaimSource(src types.ClaimSource) {
	k.claimSources = append(k.claimSources, src)
}

// SetChallengeWindowPolicy lets another module set a provider's challenge
// window (x/attest shortens it for attested providers). Call once, at app
// wiring; without one every provider gets params.challenge_window.
func (k *Keeper) SetChallengeWindowPolicy(p types.ChallengeWindowPolicy) {
	if k.challengeWindow != nil {
		panic("x/jobs: challenge window policy already set")
	}
	k.challengeWindow = p
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

// challengeWindowFor is the window a result of provider p on job j gets.
func (k *Keeper) challengeWindowFor(ctx context.Context, p types.Provider, j types.Job, base time.Duration) (time.Duration, error) {
	if k.challengeWindow == nil {
		if j.Result != nil && len(j.Result.EnclaveSignature) > 0 {
			return 0, errorsmod.Wrap(types.ErrInvalidResult, "an enclave signature needs x/attest to check it; none is wired")
		}
		return base, nil
	}
	w, err := k.challengeWindow.ChallengeWindow(ctx, p, j, base)
	if err != nil {
		return 0, err
	}
	if w <= 0 || w > base {
		return 0, errorsmod.Wrapf(types.ErrInvalidParams, "challenge window policy gave %s; it may only shorten %s", w, base)
	}
	return w, nil
}

// GetAuthority returns the governance address allowed to change params.
func (k *Keeper) GetAuthority() string { return k.authority }

// AddressCodec returns the account address codec.
func (k *Keeper) AddressCodec() address.Codec { return k.addressCodec }

// ModuleAddress is the module account holding bonds and escrows.
func (k *Keeper) ModuleAddress() sdk.AccAddress { return k.funds.Address }

// Logger returns a module logger.
func (k *Keeper) Logger(ctx context.Context) log.Logger {
	return sdk.UnwrapSDKContext(ctx).Logger().With("module", "x/"+types.ModuleName)
}

// addr decodes a bech32 address field of a message.
// canonical is an address in the codec's own spelling (bech32 also takes
// an all-upper-case form), for string comparisons with stored addresses.
func (k *Keeper) canonical(field, s string) (string, error) {
	b, err := k.addr(field, s)
	if err != nil {
		return "", err
	}
	c, err := k.addressCodec.BytesToString(b)
	if err != nil {
		return "", errorsmod.Wrapf(types.ErrInvalidAddress, "%s: %v", field, err)
	}
	return c, nil
}

func (k *Keeper) addr(field, s string) (sdk.AccAddress, error) {
	if s == "" {
		return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "%s is required", field)
	}
	b, err := k.addressCodec.StringToBytes(s)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "%s: %v", field, err)
	}
	return b, nil
}
