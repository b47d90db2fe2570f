package demo

import (
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	govv1 "github.com/cosmos/cosmos-sdk/x/gov/types/v1"

	"github.com/verdict-chain/verdict/testutil/cli"
	attesttypes "github.com/verdict-chain/verdict/x/attest/types"
	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	forwardstypes "github.com/verdict-chain/verdict/x/forwards/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	reputationtypes "github.com/verdict-chain/verdict/x/reputation/types"
	slatypes "github.com/verdict-chain/verdict/x/slashing-sla/types"
)

// shown shortens long arguments (proofs, signatures) for the story.
func shown(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		quote := strings.ContainsAny(a, " {\"")
		if len(a) > 96 {
			a = fmt.Sprintf("%s…(%d chars)", a[:24], len(a))
		}
		if quote {
			a = "'" + a + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// Tx signs and sends a transaction with key from (printing the command)
// and fails the scene unless the chain accepts it.
func (s *S) Tx(from string, args ...string) *cli.TxResult {
	s.printf("   $ verdictd tx %s --from %s\n", shown(args), from)
	r, err := s.c.Tx(s.ctx, from, args...)
	if err != nil {
		s.Fatalf("verdictd tx %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// TxFail sends a transaction the chain must refuse, with want in its log.
func (s *S) TxFail(from, want string, args ...string) {
	s.printf("   $ verdictd tx %s --from %s   (must fail)\n", shown(args), from)
	// a failing Msg fails gas estimation too: set the gas
	_, err := s.c.Tx(s.ctx, from, append(args, "--gas", "400000")...)
	if err == nil {
		s.Fatalf("verdictd tx %s succeeded; it should fail with %q", strings.Join(args, " "), want)
	}
	if !errors.Is(err, cli.ErrRejected) || !strings.Contains(err.Error(), want) {
		s.Fatalf("verdictd tx %s failed, but not with %q: %v", strings.Join(args, " "), want, err)
	}
	msg := err.Error()
	if len(msg) > 160 {
		msg = msg[:160]
	}
	s.Info("rejected as expected: %s", msg)
}

// JobID is the id of the job a submit transaction created.
func (s *S) JobID(r *cli.TxResult) uint64 {
	id, err := strconv.ParseUint(r.Attr("verdict.jobs.v1.EventJobSubmitted", "job_id"), 10, 64)
	if err != nil || id == 0 {
		s.Fatalf("no job id in the submit events")
	}
	return id
}

// Addr is the address of a keyring key.
func (s *S) Addr(key string) string {
	a, err := s.c.Addr(s.ctx, key)
	s.Must(err, "address of "+key)
	return a
}

// Account makes sure key exists and holds at least min uverd (sent by the
// validator), and returns its address.
func (s *S) Account(key string, min int64) string {
	a, err := s.c.EnsureKey(s.ctx, key)
	s.Must(err, "key "+key)
	if b, err := s.c.Balance(s.ctx, a, Denom); err == nil && b.LT(math.NewInt(min)) {
		s.Tx("validator", "bank", "send", "validator", a, fmt.Sprintf("%d%s", min, Denom))
	}
	return a
}

// Gross is an account's balance plus every gas fee it paid: a change in it
// is Verdict's own accounting, not gas.
func (s *S) Gross(addr string) math.Int {
	g, err := s.c.Gross(s.ctx, addr, Denom)
	s.Must(err, "balance of "+addr)
	return g
}

// Zk runs `verdictd zk --scheme scheme args...` and returns its stdout.
func (s *S) Zk(scheme string, args ...string) string {
	full := append([]string{"zk"}, args...)
	if scheme != "" {
		full = append([]string{"zk", "--scheme", scheme}, args...)
	}
	cmd := exec.CommandContext(s.ctx, s.cfg.Bin, full...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		s.Fatalf("verdictd %s: %v: %s", strings.Join(full, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// Prove runs `verdictd zk prove` for job id and returns the proof (hex).
func (s *S) Prove(who, scheme, model, input string, job uint64) string {
	s.Info("%s proves job %d off-chain with 'verdictd zk prove' (only the verifying key is on-chain)", who, job)
	start := time.Now()
	p := s.Zk(scheme, "prove", "--keys", s.cfg.ZKDir, model, input, "--job-id", strconv.FormatUint(job, 10))
	s.Info("proof of %d bytes in %s", len(p)/2, time.Since(start).Round(100*time.Millisecond))
	return p
}

// Queries.

func (s *S) Job(id uint64) jobstypes.Job {
	r, err := jobstypes.NewQueryClient(s.c.Conn()).Job(s.ctx, &jobstypes.QueryJobRequest{Id: id})
	s.Must(err, fmt.Sprintf("job %d", id))
	return r.Job
}

func (s *S) Provider(op string) (jobstypes.Provider, bool) {
	r, err := jobstypes.NewQueryClient(s.c.Conn()).Provider(s.ctx, &jobstypes.QueryProviderRequest{Operator: op})
	if err != nil {
		return jobstypes.Provider{}, false
	}
	return r.Provider, true
}

func (s *S) Bond(op string) math.Int {
	p, ok := s.Provider(op)
	if !ok {
		s.Fatalf("provider %s not registered", op)
	}
	return p.Bond.Amount
}

func (s *S) JobsParams() jobstypes.Params {
	r, err := jobstypes.NewQueryClient(s.c.Conn()).Params(s.ctx, &jobstypes.QueryParamsRequest{})
	s.Must(err, "x/jobs params")
	return r.Params
}

func (s *S) DisputeParams() disputetypes.Params {
	r, err := disputetypes.NewQueryClient(s.c.Conn()).Params(s.ctx, &disputetypes.QueryParamsRequest{})
	s.Must(err, "x/dispute params")
	return r.Params
}

func (s *S) Dispute(job uint64) (disputetypes.Dispute, bool) {
	r, err := disputetypes.NewQueryClient(s.c.Conn()).Dispute(s.ctx, &disputetypes.QueryDisputeRequest{JobId: job})
	if err != nil {
		return disputetypes.Dispute{}, false
	}
	return r.Dispute, true
}

func (s *S) MustDispute(job uint64) disputetypes.Dispute {
	d, ok := s.Dispute(job)
	if !ok {
		s.Fatalf("no dispute of job %d", job)
	}
	return d
}

func (s *S) SLAParams() slatypes.Params {
	r, err := slatypes.NewQueryClient(s.c.Conn()).Params(s.ctx, &slatypes.QueryParamsRequest{})
	s.Must(err, "x/slashingsla params")
	return r.Params
}

func (s *S) Assessment(job uint64) (slatypes.Assessment, bool) {
	r, err := slatypes.NewQueryClient(s.c.Conn()).Assessment(s.ctx, &slatypes.QueryAssessmentRequest{JobId: job})
	if err != nil {
		return slatypes.Assessment{}, false
	}
	return r.Assessment, true
}

func (s *S) Rank(maxPrice, circuit string) []reputationtypes.RankedProvider {
	r, err := reputationtypes.NewQueryClient(s.c.Conn()).RankProviders(s.ctx, &reputationtypes.QueryRankProvidersRequest{
		Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE, MaxPricePerUnit: maxPrice, CircuitId: circuit,
	})
	s.Must(err, "rank providers")
	return r.Providers
}

func (s *S) Attested(op string) *attesttypes.QueryAttestationResponse {
	r, err := attesttypes.NewQueryClient(s.c.Conn()).Attestation(s.ctx, &attesttypes.QueryAttestationRequest{Operator: op})
	s.Must(err, "attestation of "+op)
	return r
}

func (s *S) Position(id uint64) forwardstypes.Position {
	r, err := forwardstypes.NewQueryClient(s.c.Conn()).Position(s.ctx, &forwardstypes.QueryPositionRequest{Id: id})
	s.Must(err, fmt.Sprintf("position %d", id))
	return r.Position
}

func (s *S) ForwardsParams() forwardstypes.Params {
	r, err := forwardstypes.NewQueryClient(s.c.Conn()).Params(s.ctx, &forwardstypes.QueryParamsRequest{})
	s.Must(err, "x/forwards params")
	return r.Params
}

// JobsBalanced checks x/jobs' accounting: the module holds exactly the
// open escrows and the bonds.
func (s *S) JobsBalanced() {
	r, err := jobstypes.NewQueryClient(s.c.Conn()).Accounting(s.ctx, &jobstypes.QueryAccountingRequest{})
	s.Must(err, "x/jobs accounting")
	s.Show(r)
	s.Expect("x/jobs accounting balanced", r.Balanced, true)
}

// ModuleBalance is a module account's balance.
func (s *S) ModuleBalance(name string) math.Int {
	// the chain's address prefix, from an account it knows
	v := s.Addr("validator")
	addr, err := sdk.Bech32ifyAddressBytes(v[:strings.LastIndexByte(v, '1')], authtypes.NewModuleAddress(name))
	s.Must(err, "module address")
	b, err := s.c.Balance(s.ctx, addr, Denom)
	s.Must(err, "balance of module "+name)
	return b
}

// Propose submits a governance proposal (tx args), every validator key
// votes yes, and the proposal id is returned.
func (s *S) Propose(args ...string) uint64 {
	r := s.Tx("validator", args...)
	id, err := strconv.ParseUint(r.Attr("submit_proposal", "proposal_id"), 10, 64)
	s.Must(err, "proposal id")
	s.voteYes(id)
	return id
}

func (s *S) voteYes(id uint64) {
	out, err := s.c.Exec(s.ctx, "keys", "list", "--keyring-backend", "test", "--output", "json")
	s.Must(err, "keys list")
	names, err := keyNames(out)
	s.Must(err, "keys list")
	for _, name := range names {
		if strings.HasPrefix(name, "validator") {
			s.Tx(name, "gov", "vote", strconv.FormatUint(id, 10), "yes")
		}
	}
}

// keyNames are the names in `verdictd keys list --output json`.
func keyNames(listJSON string) ([]string, error) {
	var keys []struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(listJSON)), &keys); err != nil {
		return nil, fmt.Errorf("keys list output: %w", err)
	}
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.Name
	}
	return names, nil
}

// WaitPassed waits (bounded) until proposal id has passed.
func (s *S) WaitPassed(id uint64, within time.Duration) {
	q := govv1.NewQueryClient(s.c.Conn())
	s.WaitFor(fmt.Sprintf("proposal %d passed", id), within, func() bool {
		r, err := q.Proposal(s.ctx, &govv1.QueryProposalRequest{ProposalId: id})
		return err == nil && r.Proposal.Status == govv1.StatusPassed
	})
}

// WaitStatus waits (bounded) until job id has status want.
func (s *S) WaitStatus(id uint64, want jobstypes.JobStatus, within time.Duration) {
	s.WaitFor(fmt.Sprintf("job %d %s", id, want), within, func() bool { return s.Job(id).Status == want })
}

// BlockTime is the latest block's time.
func (s *S) BlockTime() time.Time {
	_, _, t, err := s.c.Status(s.ctx)
	s.Must(err, "status")
	return t
}
