package types

import (
	fmt "fmt"
	"time"

	"cosmossdk.io/core/address"
	errorsmod "cosmossdk.io/errors"

	"github.com/verdict-chain/verdict/x/internal/haltclock"
	"github.com/verdict-chain/verdict/x/jobs/batch"
	"github.com/verdict-chain/verdict/x/jobs/serving"
)

// HaltClock is the halt clock genesis carries (its pace starts at zero).
func (gs GenesisState) HaltClock() haltclock.State {
	return haltclock.State{
		Last: gs.HaltLastBlock, Credit: gs.HaltCredit,
		LastHalt: haltclock.LastHalt{From: gs.LastHaltFrom, To: gs.LastHaltTo, CreditBefore: gs.CreditBeforeLastHalt},
	}
}

// DefaultGenesis is an empty module with default params; job ids start at 1.
func DefaultGenesis() *GenesisState {
	return &GenesisState{Params: DefaultParams(), NextJobId: 1, NextSessionId: 1}
}

type queueRef struct {
	t  int64 // unix nanoseconds
	id uint64
}

func ref(t time.Time, id uint64) queueRef { return queueRef{t.UnixNano(), id} }

// Validate rejects inconsistent state: unknown or duplicate records, bad
// denoms, queues that do not match the records they point at, and
// open-job counts that do not match the jobs.
func (gs GenesisState) Validate(ac address.Codec) error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	denom := gs.Params.Denom
	fail := func(format string, args ...any) error { return errorsmod.Wrapf(ErrInvalidGenesis, format, args...) }
	if err := gs.HaltClock().Validate(); err != nil {
		return fail("halt clock: %v", err)
	}
	for _, j := range gs.Jobs {
		if j.HaltCredit < 0 || j.HaltCredit > gs.HaltCredit {
			return fail("job %d: halt_credit %s outside [0, the clock's %s]", j.Id, j.HaltCredit, gs.HaltCredit)
		}
	}

	providers := make(map[string]*Provider, len(gs.Providers))
	for i := range gs.Providers {
		p := &gs.Providers[i]
		if err := CanonicalAddress(ac, p.Operator); err != nil {
			return fail("provider %q: %v", p.Operator, err)
		}
		for _, pt := range p.Proving {
			if pt.ProveTime <= 0 || pt.ProveTime > MaxProveTime {
				return fail("provider %s: proving time %s for %q outside (0, %s]", p.Operator, pt.ProveTime, pt.CircuitId, MaxProveTime)
			}
		}
		if providers[p.Operator] != nil {
			return fail("duplicate provider %s", p.Operator)
		}
		providers[p.Operator] = p
		if p.Bond.Denom != denom || p.Bond.Amount.IsNil() || p.Bond.Amount.IsNegative() {
			return fail("provider %s bond %s", p.Operator, p.Bond)
		}
		if _, ok := ProviderStatus_name[int32(p.Status)]; !ok || p.Status == ProviderStatus_PROVIDER_STATUS_UNSPECIFIED {
			return fail("provider %s status %d", p.Operator, p.Status)
		}
		for _, pr := range p.Prices {
			if pr.PricePerUnit.Denom != denom || pr.PricePerUnit.Amount.IsNil() || !pr.PricePerUnit.Amount.IsPositive() || !pr.PricePerUnit.Amount.IsUint64() {
				return fail("provider %s price %s", p.Operator, pr.PricePerUnit)
			}
		}
	}

	openJobs := map[string]uint64{}
	jobs := make(map[uint64]*Job, len(gs.Jobs))
	needDeadline := map[queueRef]bool{}
	needWindow := map[queueRef]bool{}
	for i := range gs.Jobs {
		j := &gs.Jobs[i]
		if j.Id == 0 || j.Id >= gs.NextJobId {
			return fail("job id %d outside [1, next_job_id=%d)", j.Id, gs.NextJobId)
		}
		if jobs[j.Id] != nil {
			return fail("duplicate job %d", j.Id)
		}
		jobs[j.Id] = j
		if _, err := ac.StringToBytes(j.Buyer); err != nil {
			return fail("job %d buyer: %v", j.Id, err)
		}
		if j.Payer != "" {
			if _, err := ac.StringToBytes(j.Payer); err != nil {
				return fail("job %d payer: %v", j.Id, err)
			}
		}
		if _, ok := JobStatus_name[int32(j.Status)]; !ok || j.Status == JobStatus_JOB_STATUS_UNSPECIFIED {
			return fail("job %d status %d", j.Id, j.Status)
		}
		if j.Escrow.Denom != denom || j.Escrow.Amount.IsNil() || j.Escrow.Amount.IsNegative() {
			return fail("job %d escrow %s", j.Id, j.Escrow)
		}
		assigned := j.Status != JobStatus_JOB_STATUS_SUBMITTED
		if IsOpen(j.Status) && assigned {
			nodes := j.Placement
			if len(nodes) == 0 {
				nodes = []string{j.Provider}
			} else if nodes[0] != j.Provider {
				return fail("job %d: placement must start with its provider", j.Id)
			}
			for _, n := range nodes {
				if providers[n] == nil {
					return fail("open job %d assigned to unknown provider %q", j.Id, n)
				}
				openJobs[n]++
			}
		}
		if j.Status == JobStatus_JOB_STATUS_SUBMITTED && j.Provider != "" {
			return fail("submitted job %d has a provider", j.Id)
		}
		switch j.Status {
		case JobStatus_JOB_STATUS_SUBMITTED, JobStatus_JOB_STATUS_ASSIGNED:
			needDeadline[ref(j.Deadline, j.Id)] = true
		case JobStatus_JOB_STATUS_RESULT_POSTED:
			needWindow[ref(j.WindowEnd, j.Id)] = true
		}
		if IsBatch(*j) && (j.Items > batch.MaxItems || j.Units < j.Items || j.CircuitId == "" || j.Parallel != nil) {
			return fail("job %d: a batch of %d items needs at most %d items, a unit per item (%d units), a circuit and one node", j.Id, j.Items, batch.MaxItems, j.Units)
		}
		if IsBatch(*j) {
			if err := batch.CheckCircuit(j.CircuitId); err != nil {
				return fail("job %d: %v", j.Id, err)
			}
		}
		if j.Result != nil && (j.Result.ProveTime <= 0 || j.Result.ProveTime > MaxProveTime) {
			return fail("job %d: result prove_time %s outside (0, %s]", j.Id, j.Result.ProveTime, MaxProveTime)
		}
		if (j.Status == JobStatus_JOB_STATUS_RESULT_POSTED || j.Status == JobStatus_JOB_STATUS_DISPUTED) && j.Result == nil {
			return fail("job %d is %s without a result", j.Id, j.Status)
		}
	}
	for _, p := range gs.Providers {
		if p.OpenJobs != openJobs[p.Operator] {
			return fail("provider %s open_jobs %d, jobs say %d", p.Operator, p.OpenJobs, openJobs[p.Operator])
		}
	}

	if err := validateSessions(gs, ac, providers, jobs); err != nil {
		return err
	}

	checkQueue := func(name string, entries []QueueEntry, need map[queueRef]bool) error {
		if len(entries) != len(need) {
			return fail("%s has %d entries, jobs need %d", name, len(entries), len(need))
		}
		for _, e := range entries {
			if !need[ref(e.Time, e.JobId)] {
				return fail("%s entry (%s, job %d) matches no job in that state", name, e.Time, e.JobId)
			}
			delete(need, ref(e.Time, e.JobId))
		}
		return nil
	}
	if err := checkQueue("deadline_queue", gs.DeadlineQueue, needDeadline); err != nil {
		return err
	}
	if err := checkQueue("window_queue", gs.WindowQueue, needWindow); err != nil {
		return err
	}

	unbonding := 0
	for _, p := range gs.Providers {
		if p.Status == ProviderStatus_PROVIDER_STATUS_UNBONDING {
			unbonding++
		}
	}
	if len(gs.UnbondingQueue) != unbonding {
		return fail("unbonding_queue has %d entries, %d providers are unbonding", len(gs.UnbondingQueue), unbonding)
	}
	seen := map[string]bool{}
	for _, e := range gs.UnbondingQueue {
		p := providers[e.Operator]
		if p == nil || p.Status != ProviderStatus_PROVIDER_STATUS_UNBONDING || !p.UnbondingEnd.Equal(e.Time) || seen[e.Operator] {
			return fail("unbonding_queue entry (%s, %s) matches no unbonding provider", e.Time, e.Operator)
		}
		seen[e.Operator] = true
	}
	return nil
}

// CanonicalAddress checks that s is an address in the codec's own spelling
// (bech32 also accepts an all-upper-case form; modules compare the strings).
func CanonicalAddress(ac address.Codec, s string) error {
	bz, err := ac.StringToBytes(s)
	if err != nil {
		return err
	}
	if c, err := ac.BytesToString(bz); err != nil || c != s {
		return fmt.Errorf("not the canonical spelling %q", c)
	}
	return nil
}

// validateSessions checks every serving session and the jobs of their
// checkpoints: canonical parties, keys, an escrow that is exactly the price
// of the requests no checkpoint took (none once closed), checkpoints
// within the session's requests, times that stand in order.
func validateSessions(gs GenesisState, ac address.Codec, providers map[string]*Provider, jobs map[uint64]*Job) error {
	fail := func(format string, args ...any) error { return errorsmod.Wrapf(ErrInvalidGenesis, format, args...) }
	if len(gs.Sessions) > 0 && gs.NextSessionId == 0 {
		return fail("next_session_id is 0 with %d sessions", len(gs.Sessions))
	}
	sessions := make(map[uint64]*Session, len(gs.Sessions))
	for i := range gs.Sessions {
		s := &gs.Sessions[i]
		if s.Id == 0 || s.Id >= gs.NextSessionId || sessions[s.Id] != nil {
			return fail("session id %d outside [1, next_session_id=%d) or repeated", s.Id, gs.NextSessionId)
		}
		sessions[s.Id] = s
		if err := CanonicalAddress(ac, s.Buyer); err != nil {
			return fail("session %d buyer: %v", s.Id, err)
		}
		if err := CanonicalAddress(ac, s.Provider); err != nil {
			return fail("session %d provider: %v", s.Id, err)
		}
		if _, ok := SessionStatus_name[int32(s.Status)]; !ok || s.Status == SessionStatus_SESSION_STATUS_UNSPECIFIED {
			return fail("session %d status %d", s.Id, s.Status)
		}
		if serving.CheckKey(s.BuyerKey) != nil || serving.CheckKey(s.ProviderKey) != nil || serving.CheckChainID(s.ChainId) != nil {
			return fail("session %d: buyer and provider keys must be ed25519 public keys, and its chain id set", s.Id)
		}
		if len(s.ModelUri) > MaxURILen {
			return fail("session %d: model_uri of %d bytes, at most %d", s.Id, len(s.ModelUri), MaxURILen)
		}
		if s.UnitsPerRequest == 0 || s.MaxRequests == 0 || s.Checkpointed > s.MaxRequests {
			return fail("session %d: %d of %d requests of %d units checkpointed", s.Id, s.Checkpointed, s.MaxRequests, s.UnitsPerRequest)
		}
		if _, err := SessionUnits(s.UnitsPerRequest, s.MaxRequests); err != nil {
			return fail("session %d: %v", s.Id, err)
		}
		if s.Sla != nil {
			if err := ValidateSessionSLA(*s.Sla); err != nil {
				return fail("session %d: %v", s.Id, err)
			}
		}
		if s.PricePerUnit.Denom != gs.Params.Denom || s.PricePerUnit.Amount.IsNil() || !s.PricePerUnit.Amount.IsPositive() {
			return fail("session %d price %s", s.Id, s.PricePerUnit)
		}
		if s.Escrow.Denom != gs.Params.Denom || s.Escrow.Amount.IsNil() || s.Refund.Denom != gs.Params.Denom || s.Refund.Amount.IsNil() {
			return fail("session %d escrow %s refund %s", s.Id, s.Escrow, s.Refund)
		}
		want := RequestsPrice(*s, s.MaxRequests-s.Checkpointed)
		if !SessionIsOpen(s.Status) {
			want.Amount = want.Amount.Sub(s.Refund.Amount) // what went back is gone; nothing may be left
			if !s.Escrow.Amount.IsZero() || !want.Amount.IsZero() {
				return fail("closed session %d holds escrow %s, refunded %s of the %s its unclaimed requests cost", s.Id, s.Escrow, s.Refund, RequestsPrice(*s, s.MaxRequests-s.Checkpointed))
			}
		} else if !s.Escrow.Equal(want) {
			return fail("session %d escrow %s, its %d unclaimed requests cost %s", s.Id, s.Escrow, s.MaxRequests-s.Checkpointed, want)
		}
		if SessionIsOpen(s.Status) && providers[s.Provider] == nil {
			return fail("open session %d with unknown provider %s", s.Id, s.Provider)
		}
		if s.HaltCredit < 0 || s.HaltCredit > gs.HaltCredit {
			return fail("session %d: halt_credit %s outside [0, the clock's %s]", s.Id, s.HaltCredit, gs.HaltCredit)
		}
		if s.ExpiresAt.Before(s.OpenedAt) || (s.Status != SessionStatus_SESSION_STATUS_OPEN && s.CloseAt.IsZero()) {
			return fail("session %d: times out of order", s.Id)
		}
		if s.Checkpointed > 0 {
			last := jobs[s.LastCheckpoint]
			if last != nil && (last.Checkpoint == nil || last.Checkpoint.SessionId != s.Id || last.Checkpoint.First+last.Items-1 != s.Checkpointed) {
				return fail("session %d: its last checkpoint job %d does not end at request %d", s.Id, s.LastCheckpoint, s.Checkpointed)
			}
		}
	}
	for _, j := range jobs {
		if j.Checkpoint == nil {
			continue
		}
		// a checkpoint's job stands on its own (its session's record may
		// be pruned before it settles): what its disputes need is on it
		if j.Items == 0 || j.Checkpoint.First == 0 || serving.CheckKey(j.Checkpoint.ProviderKey) != nil ||
			serving.CheckKey(j.Checkpoint.BuyerKey) != nil || serving.CheckChainID(j.Checkpoint.ChainId) != nil {
			return fail("checkpoint job %d: %d items from request %d, its session's keys and chain id required", j.Id, j.Items, j.Checkpoint.First)
		}
		s := sessions[j.Checkpoint.SessionId]
		if s != nil && (j.Checkpoint.First+j.Items-1 > s.Checkpointed || j.Buyer != s.Buyer || j.Provider != s.Provider ||
			string(j.Checkpoint.ProviderKey) != string(s.ProviderKey) || string(j.Checkpoint.BuyerKey) != string(s.BuyerKey) || j.Checkpoint.ChainId != s.ChainId) {
			return fail("checkpoint job %d does not match session %d", j.Id, s.Id)
		}
	}
	return nil
}
