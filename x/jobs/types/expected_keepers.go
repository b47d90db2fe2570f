package types

import (
	"context"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/internal/funds"
)

// AccountKeeper is the part of x/auth that x/jobs uses.
type AccountKeeper interface {
	GetModuleAddress(moduleName string) sdk.AccAddress
}

// BankKeeper and DistrKeeper are the parts of x/bank and x/distribution
// that x/jobs moves coins with (through x/internal/funds).
type (
	BankKeeper  = funds.BankKeeper
	DistrKeeper = funds.DistrKeeper
)

// JobHooks lets other modules follow the job lifecycle. Hooks run in the
// order they were registered, inside the transaction or EndBlock that made
// the transition; an error aborts that transition.
type JobHooks interface {
	AfterResultPosted(ctx context.Context, job Job) error
	AfterJobFinalized(ctx context.Context, job Job) error
	AfterJobFailed(ctx context.Context, job Job) error
	AfterJobExpired(ctx context.Context, job Job) error
	AfterJobCancelled(ctx context.Context, job Job) error
}

// MultiJobHooks calls several JobHooks in order.
type MultiJobHooks []JobHooks

var _ JobHooks = MultiJobHooks{}

func (m MultiJobHooks) each(f func(JobHooks) error) error {
	for _, h := range m {
		if err := f(h); err != nil {
			return err
		}
	}
	return nil
}

func (m MultiJobHooks) AfterResultPosted(ctx context.Context, job Job) error {
	return m.each(func(h JobHooks) error { return h.AfterResultPosted(ctx, job) })
}

func (m MultiJobHooks) AfterJobFinalized(ctx context.Context, job Job) error {
	return m.each(func(h JobHooks) error { return h.AfterJobFinalized(ctx, job) })
}

func (m MultiJobHooks) AfterJobFailed(ctx context.Context, job Job) error {
	return m.each(func(h JobHooks) error { return h.AfterJobFailed(ctx, job) })
}

func (m MultiJobHooks) AfterJobExpired(ctx context.Context, job Job) error {
	return m.each(func(h JobHooks) error { return h.AfterJobExpired(ctx, job) })
}

func (m MultiJobHooks) AfterJobCancelled(ctx context.Context, job Job) error {
	return m.each(func(h JobHooks) error { return h.AfterJobCancelled(ctx, job) })
}

// Scheduler picks a provider for a job submitted without one. The default
// picks the cheapest eligible offer; x/reputation replaces it.
type Scheduler interface {
	SelectProvider(ctx context.Context, job Job) (sdk.AccAddress, error)
}

// CircuitRegistry tells x/jobs which circuit ids exist (x/dispute). When
// set, a job's circuit id and a provider's supported circuits must be
// registered.
type CircuitRegistry interface {
	HasCircuit(ctx context.Context, id string) (bool, error)
}

// PlacementScheduler places multi-node jobs (x/reputation): the nodes, the
// coordinator first, and the scaling efficiency (ppm) estimated for them.
// It returns an error, stating the figure, when no placement reaches the
// job's min_efficiency_ppm.
type PlacementScheduler interface {
	SelectPlacement(ctx context.Context, job Job) ([]sdk.AccAddress, uint32, error)
}

// EligibilityRule is a condition another module adds to every assignment
// (direct order, scheduler, accepted open job, each node of a placement):
// x/attest's TEE requirement, the bond floor, consent to the job's terms.
// It returns ErrNotEligible (wrapped) with the reason, or nil.
type EligibilityRule interface {
	CheckEligible(ctx context.Context, p Provider, j Job) error
}

// ChallengeWindowPolicy sets the challenge window of a result posted by p
// (x/attest shortens it for attested providers). It may only shorten base,
// params.challenge_window.
type ChallengeWindowPolicy interface {
	ChallengeWindow(ctx context.Context, p Provider, j Job, base time.Duration) (time.Duration, error)
}

// ClaimSource tells whether a provider still answers for a claim another
// module holds open (x/slashingsla: an SLA grading). A provider's bond is
// not returned while any source reports an open claim.
type ClaimSource interface {
	HasOpenClaims(ctx context.Context, operator sdk.AccAddress) (bool, error)
}
