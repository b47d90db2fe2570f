package agent

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/constraint"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

// SchemeOf is the commitment scheme of a job: its circuit's, or version 1
// for a job that names no reference circuit (its commitments are then only
// compared, never proven).
func SchemeOf(j jobstypes.Job) zkml.Scheme {
	if sc, _, err := zkml.ParseCircuitID(j.CircuitId); err == nil {
		return sc
	}
	if sc, _, err := zkml.ParseCNNCircuitID(j.CircuitId); err == nil {
		return sc
	}
	return zkml.MiMC
}

// Prover makes Groth16 proofs of the reference circuits (MLP and CNN),
// keeping each circuit's compiled system and proving key in memory after
// first use, and the last proving time per circuit to judge whether a
// deadline can be met.
//
// A dispute's proof goes before a warm-up: a warm-up waits while any proof
// is waiting, and measures nothing a proof already measured.
type Prover struct {
	dir     string
	mu      sync.Mutex // held while loading or proving
	ccs     map[string]constraint.ConstraintSystem
	pk      map[string]groth16.ProvingKey
	lastMu  sync.Mutex // guards last, so an estimate never waits for a proof
	last    map[string]time.Duration
	waiting atomic.Int32 // proofs (not warm-ups) waiting for or holding mu
}

// NewProver reads keys from dir (files <circuit id>.pk from `verdictd zk setup`).
func NewProver(dir string) *Prover {
	return &Prover{dir: dir, ccs: map[string]constraint.ConstraintSystem{}, pk: map[string]groth16.ProvingKey{}, last: map[string]time.Duration{}}
}

// Estimate is the last proving time for the circuit id (0 when never
// proven).
func (p *Prover) Estimate(id string) time.Duration {
	p.lastMu.Lock()
	defer p.lastMu.Unlock()
	return p.last[id]
}

func (p *Prover) measured(key string, took time.Duration) {
	p.lastMu.Lock()
	defer p.lastMu.Unlock()
	p.last[key] = took
}

// lockForProof takes mu for a dispute's proof, ahead of any warm-up.
func (p *Prover) lockForProof() func() {
	p.waiting.Add(1)
	p.mu.Lock()
	return func() {
		p.mu.Unlock()
		p.waiting.Add(-1)
	}
}

// lockForWarmUp takes mu only when no proof waits for it (polling; a
// warm-up is never urgent).
func (p *Prover) lockForWarmUp() {
	for {
		if p.waiting.Load() == 0 && p.mu.TryLock() {
			if p.waiting.Load() == 0 {
				return
			}
			p.mu.Unlock() // a proof arrived meanwhile: it goes first
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Prove proves that m on input gives the returned output, for jobID.
// Proofs are made one at a time (each uses every core).
func (p *Prover) Prove(sc zkml.Scheme, m *zkml.Model, input []int8, jobID uint64) (proof []byte, out []int8, took time.Duration, err error) {
	defer p.lockForProof()()
	return p.prove(sc, m, input, jobID)
}

// prove is Prove with mu held.
func (p *Prover) prove(sc zkml.Scheme, m *zkml.Model, input []int8, jobID uint64) (proof []byte, out []int8, took time.Duration, err error) {
	key := m.CircuitID(sc)
	start := time.Now()
	if err := p.load(key); err != nil {
		return nil, nil, 0, err
	}
	proof, out, err = sc.Prove(p.ccs[key], p.pk[key], m, input, jobID)
	took = time.Since(start)
	if err == nil {
		p.measured(key, took)
	}
	return proof, out, took, err
}

// WarmUp compiles a circuit, loads its proving key and times one proof of
// an example model, so the first real dispute pays neither the compile nor
// the load and the deadline estimate exists from the start.
//
// It gives way to disputes' proofs: it takes the prover only when no proof
// waits, loads first and times its proof afterwards (a proof arriving in
// between goes first), and skips the timing when a proof already measured
// the circuit.
func (p *Prover) WarmUp(id string) (time.Duration, error) {
	m, in, sc, err := zkml.ExampleForID(id, "warm-up")
	if err != nil {
		return 0, err
	}
	p.lockForWarmUp()
	err = p.load(m.CircuitID(sc))
	p.mu.Unlock()
	if err != nil {
		return 0, err
	}
	if est := p.Estimate(id); est > 0 {
		return est, nil
	}
	p.lockForWarmUp()
	defer p.mu.Unlock()
	if _, _, _, err := p.prove(sc, m, in, 1); err != nil {
		return 0, err
	}
	return p.Estimate(id), nil
}

// ProveItem proves that m on input gives the returned output, as item
// `item` of batch job jobID.
func (p *Prover) ProveItem(sc zkml.Scheme, m *zkml.Model, input []int8, jobID, item uint64) (proof []byte, out []int8, took time.Duration, err error) {
	defer p.lockForProof()()
	key := m.CircuitID(sc)
	start := time.Now()
	if err := p.load(key); err != nil {
		return nil, nil, 0, err
	}
	proof, out, err = sc.ProveItem(p.ccs[key], p.pk[key], m, input, jobID, item)
	took = time.Since(start)
	if err == nil {
		p.measured(key, took)
	}
	return proof, out, took, err
}

// load compiles a circuit and reads its proving key once (p.mu held).
func (p *Prover) load(key string) error {
	if p.ccs[key] != nil {
		return nil
	}
	ccs, _, err := zkml.CompileByID(key, false)
	if err != nil {
		return err
	}
	pk, err := zkml.ReadProvingKeyByID(p.dir, key)
	if err != nil {
		return fmt.Errorf("proving key for %s in %s: %w", key, p.dir, err)
	}
	p.ccs[key], p.pk[key] = ccs, pk
	return nil
}
