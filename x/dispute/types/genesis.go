package types

import (
	"bytes"
	"crypto/sha256"
	time "time"

	"cosmossdk.io/core/address"
	errorsmod "cosmossdk.io/errors"

	"github.com/verdict-chain/verdict/x/jobs/serving"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// DefaultGenesis has default params, no circuits and no disputes.
func DefaultGenesis() *GenesisState {
	return &GenesisState{Params: DefaultParams()}
}

// Validate checks records statelessly; the VK bytes themselves are parsed and
// validated by InitGenesis, which has the params' limits.
func (gs GenesisState) Validate(ac address.Codec) error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	fail := func(format string, args ...any) error { return errorsmod.Wrapf(ErrInvalidGenesis, format, args...) }
	ids := map[string]bool{}
	for _, c := range gs.Circuits {
		if c.Id == "" || len(c.Id) > MaxCircuitIDLen {
			return fail("circuit id %q", c.Id)
		}
		if ids[c.Id] {
			return fail("duplicate circuit %q", c.Id)
		}
		ids[c.Id] = true
		h := sha256.Sum256(c.VerifyingKey)
		if !bytes.Equal(h[:], c.VkHash) {
			return fail("circuit %q: vk_hash is not sha256(verifying_key)", c.Id)
		}
		if c.ProofSystem != ProofSystem_PROOF_SYSTEM_GROTH16_BN254 {
			return fail("circuit %q: proof system %s not supported", c.Id, c.ProofSystem)
		}
		if err := ValidateCommitmentKeyHash(c.Id, c.CommitmentKeyHash); err != nil {
			return fail("%v", err)
		}
	}
	jobs := map[uint64]bool{}
	for _, d := range gs.Disputes {
		if d.JobId == 0 || jobs[d.JobId] {
			return fail("dispute job id %d zero or duplicate", d.JobId)
		}
		jobs[d.JobId] = true
		if !ids[d.CircuitId] {
			return fail("dispute %d: unknown circuit %q", d.JobId, d.CircuitId)
		}
		if _, err := ac.StringToBytes(d.Provider); err != nil {
			return fail("dispute %d: provider: %v", d.JobId, err)
		}
		switch d.Kind {
		case DisputeKind_DISPUTE_KIND_CHALLENGE:
			if _, err := ac.StringToBytes(d.Challenger); err != nil {
				return fail("dispute %d: challenger: %v", d.JobId, err)
			}
			if !d.Bond.IsValid() || !d.Bond.IsPositive() {
				return fail("dispute %d: bond %s", d.JobId, d.Bond)
			}
		case DisputeKind_DISPUTE_KIND_AUDIT:
			if d.Challenger != "" || (!d.Bond.Amount.IsNil() && !d.Bond.IsZero()) || len(d.CounterCommitment) != 0 || len(d.Receipt) != 0 {
				return fail("dispute %d: an audit has no challenger, bond, counter commitment or receipt", d.JobId)
			}
		default:
			return fail("dispute %d: kind %s", d.JobId, d.Kind)
		}
		if len(d.CounterCommitment) != 0 && len(d.CounterCommitment) != CommitmentLen {
			return fail("dispute %d: counter commitment length %d", d.JobId, len(d.CounterCommitment))
		}
		if len(d.Receipt) != 0 && len(d.Receipt) != serving.BodyLen {
			return fail("dispute %d: receipt of %d bytes, want %d", d.JobId, len(d.Receipt), serving.BodyLen)
		}
		if d.ProveTime < 0 || d.ProveTime > jobstypes.MaxProveTime {
			return fail("dispute %d: prove_time %s outside 0..%s", d.JobId, d.ProveTime, jobstypes.MaxProveTime)
		}
		if d.WindowLeft < 0 || d.WindowLeft > jobstypes.MaxChallengeWindow {
			return fail("dispute %d: window_left %s outside 0..%s", d.JobId, d.WindowLeft, jobstypes.MaxChallengeWindow)
		}
		switch d.Status {
		case DisputeStatus_DISPUTE_STATUS_OPEN:
			if d.Resolution != nil {
				return fail("dispute %d: open with a resolution", d.JobId)
			}
			if d.ProveTime <= 0 {
				return fail("dispute %d: open without a booked prove_time", d.JobId)
			}
		case DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST:
			if d.Resolution == nil {
				return fail("dispute %d: closed without a resolution", d.JobId)
			}
		default:
			return fail("dispute %d: status %s", d.JobId, d.Status)
		}
	}
	// a backlog for every provider with open disputes, holding exactly
	// what they booked (one still busy with a closed dispute's proof may
	// have one with none open; reported in document order)
	booked := map[string]time.Duration{}
	for _, d := range gs.Disputes {
		if d.Status == DisputeStatus_DISPUTE_STATUS_OPEN {
			booked[d.Provider] += d.ProveTime
		}
	}
	seen := map[string]bool{}
	for _, b := range gs.ProvingBacklogs {
		// canonical spelling: two spellings of one account would be two
		// entries here and one in the store
		if err := jobstypes.CanonicalAddress(ac, b.Provider); err != nil || seen[b.Provider] {
			return fail("proving backlog of %q: bad, non-canonical or repeated provider", b.Provider)
		}
		seen[b.Provider] = true
		if b.OpenWork != booked[b.Provider] {
			return fail("proving backlog of %s: open work %s, its open disputes booked %s", b.Provider, b.OpenWork, booked[b.Provider])
		}
	}
	open, challenged := map[uint64]bool{}, map[uint64]bool{}
	for _, d := range gs.Disputes {
		if d.Status == DisputeStatus_DISPUTE_STATUS_OPEN && !seen[d.Provider] {
			return fail("dispute %d is open but its provider %s has no proving backlog", d.JobId, d.Provider)
		}
		open[d.JobId] = d.Status == DisputeStatus_DISPUTE_STATUS_OPEN
		challenged[d.JobId] = d.Kind == DisputeKind_DISPUTE_KIND_CHALLENGE
	}
	// a postponed audit lottery waits for an open challenge of one of its
	// job's items to end (an audit is the lottery's own outcome: one
	// postponed behind it would audit the job twice)
	deferred := map[uint64]bool{}
	for _, id := range gs.DeferredAudits {
		if deferred[id] || !open[id] || !challenged[id] {
			return fail("deferred audit of job %d: repeated, or the job has no open challenge", id)
		}
		deferred[id] = true
	}
	return nil
}
