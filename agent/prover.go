package agent

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/constraint"

	"github.com/verdict-chain/verdict/x/dispute/zkml"
)

// CircuitPrefix is how the reference circuits are named on-chain:
// "mlp-<shape>", e.g. mlp-64-64-10.
const CircuitPrefix = "mlp-"

// ShapeOf returns the MLP shape a circuit id names.
func ShapeOf(circuitID string) (zkml.Shape, error) {
	if !strings.HasPrefix(circuitID, CircuitPrefix) {
		return nil, fmt.Errorf("circuit %q is not a reference MLP circuit (%s<shape>)", circuitID, CircuitPrefix)
	}
	return zkml.ParseShape(strings.TrimPrefix(circuitID, CircuitPrefix))
}

// Prover makes Groth16 proofs of the reference circuit, keeping each
// shape's compiled circuit and proving key in memory after first use, and
// the last proving time per shape to judge whether a deadline can be met.
type Prover struct {
	dir  string
	mu   sync.Mutex
	ccs  map[string]constraint.ConstraintSystem
	pk   map[string]groth16.ProvingKey
	last map[string]time.Duration
}

// NewProver reads keys from dir (files mlp-<shape>.pk from `verdictd zk setup`).
func NewProver(dir string) *Prover {
	return &Prover{dir: dir, ccs: map[string]constraint.ConstraintSystem{}, pk: map[string]groth16.ProvingKey{}, last: map[string]time.Duration{}}
}

// Estimate is the last proving time for the shape (0 when never proven).
func (p *Prover) Estimate(sh zkml.Shape) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last[sh.String()]
}

// Prove proves that m on input gives the returned output, for jobID.
// Proofs are made one at a time (each uses every core).
func (p *Prover) Prove(m *zkml.Model, input []int8, jobID uint64) (proof []byte, out []int8, took time.Duration, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	sh := m.Shape()
	key := sh.String()
	start := time.Now()
	if p.ccs[key] == nil {
		ccs, err := zkml.Compile(sh)
		if err != nil {
			return nil, nil, 0, err
		}
		pk, err := zkml.ReadProvingKey(p.dir, sh)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("proving key for %s in %s: %w", key, p.dir, err)
		}
		p.ccs[key], p.pk[key] = ccs, pk
	}
	proof, out, err = zkml.Prove(p.ccs[key], p.pk[key], m, input, jobID)
	took = time.Since(start)
	if err == nil {
		p.last[key] = took
	}
	return proof, out, took, err
}

// WarmUp compiles the shape's circuit, loads its proving key and times one
// proof of an example model, so the first real dispute pays neither the
// compile nor the load and the deadline estimate exists from the start.
func (p *Prover) WarmUp(sh zkml.Shape) (time.Duration, error) {
	m, err := zkml.ExampleModel(sh, "warm-up")
	if err != nil {
		return 0, err
	}
	if _, _, _, err := p.Prove(m, zkml.ExampleInput(sh[0], "warm-up"), 1); err != nil {
		return 0, err
	}
	return p.Estimate(sh), nil
}
