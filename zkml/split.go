package zkml

import (
	"fmt"
	"strings"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/profile"
)

// Split is a circuit's constraint count by part, measured while compiling
// (gnark's constraint profiler records every constraint added while a part
// runs).
type Split struct {
	Hashing        int // the model, input and output commitments
	Matmul         int // the layers' products and sums (version 2: with the unpacking check)
	Requantization int // division by 2^shift and the clamp, less their range checks
	RangeChecks    int // every range check: weights, biases, input, remainders, clamp distances, packed sums
	Other          int // the job id, the shifts' power-of-two selection, the commitment equalities
	Total          int
}

type part int

const (
	partHashing part = iota
	partMatmul
	partRequantization
)

func (sp *Split) bucket(p part) *int {
	switch p {
	case partHashing:
		return &sp.Hashing
	case partMatmul:
		return &sp.Matmul
	default:
		return &sp.Requantization
	}
}

// String prints the split with each part's share of the total.
func (sp Split) String() string {
	var b strings.Builder
	row := func(name string, n int) {
		permille := 0 // integers only: zkml sits under x/, where floats are kept out
		if sp.Total > 0 {
			permille = (1000*n + sp.Total/2) / sp.Total
		}
		fmt.Fprintf(&b, "  %-16s %10d  %3d.%d%%\n", name, n, permille/10, permille%10)
	}
	row("hashing", sp.Hashing)
	row("matmul", sp.Matmul)
	row("requantization", sp.Requantization)
	row("range checks", sp.RangeChecks)
	row("other", sp.Other)
	fmt.Fprintf(&b, "  %-16s %10d", "total", sp.Total)
	return b.String()
}

// count runs fn, adding the constraints it creates to part p when the
// circuit is being compiled with a split.
func (c *Circuit) count(p part, fn func() error) error {
	if c.split == nil {
		return fn()
	}
	prof := profile.Start(profile.WithNoOutput())
	err := fn()
	prof.Stop()
	*c.split.bucket(p) += prof.NbConstraints()
	return err
}

// countRangeChecks starts, once the compiler runs the callbacks deferred
// after Define (in the order they were registered), the count of the range
// checks: the range checker's own callback and the lookup argument it
// defers in turn. compileSplit ends the count when compilation returns, so
// it must be called before the range checker registers its callback.
func (c *Circuit) countRangeChecks(api frontend.API) {
	if c.split == nil {
		return
	}
	api.Compiler().Defer(func(frontend.API) error {
		c.deferredProf = profile.Start(profile.WithNoOutput())
		return nil
	})
}

// compileSplit compiles c and measures its constraint split. It is slower
// than a plain compilation (every constraint's call stack is recorded) and
// must not run concurrently with another compilation in the process (the
// profiler is global); the constraint system is the same (CompileByID with
// split).
func compileSplit(c *Circuit) (constraint.ConstraintSystem, Split, error) {
	c.split = &Split{}
	ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, c)
	if c.deferredProf != nil {
		c.deferredProf.Stop()
		c.split.RangeChecks += c.deferredProf.NbConstraints()
	}
	if err != nil {
		return nil, Split{}, err
	}
	sp := *c.split
	sp.Total = ccs.GetNbConstraints()
	sp.Other = sp.Total - sp.Hashing - sp.Matmul - sp.Requantization - sp.RangeChecks
	return ccs, sp, nil
}
