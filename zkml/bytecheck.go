package zkml

import (
	"errors"
	"math/big"

	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/multicommit"
)

// byteChecker range-checks values to [0, 256) with one log-derivative
// lookup (Haböck, "Multivariate lookups based on logarithmic derivatives",
// eprint 2022/1530) into the table 0..255: with multiplicities m_t
// (a hint) and a challenge X drawn from a commitment to the values and the
// multiplicities,
//
//	Σ_i 1/(X − v_i) = Σ_t m_t/(X − t)
//
// holds for a random X only if every v_i is in the table. Each value costs
// one constraint (its inverse), against two through gnark's general range
// checker (a limb decomposition and its lookup) — version 2 checks every
// weight and input byte this way. The challenge comes from gnark's
// multicommit, which derives every commitment the circuit asks for from the
// one commitment the proof carries (the range checker's lookup shares it),
// so proofs still carry exactly one commitment.
type byteChecker struct {
	vals []frontend.Variable
}

func (b *byteChecker) Check(v frontend.Variable) { b.vals = append(b.vals, v) }

// finish emits the lookup; the constraints are added once the compiler
// runs the commitment's deferred callback.
func (b *byteChecker) finish(api frontend.API) error {
	if len(b.vals) == 0 {
		return nil
	}
	mult, err := api.Compiler().NewHint(ByteCountHint, 256, b.vals...)
	if err != nil {
		return err
	}
	toCommit := append(append([]frontend.Variable{}, b.vals...), mult...)
	multicommit.WithCommitment(api, func(api frontend.API, x frontend.Variable) error {
		var table frontend.Variable = 0
		for t := range mult {
			table = api.Add(table, api.DivUnchecked(mult[t], api.Sub(x, t)))
		}
		diffs := make([]frontend.Variable, len(b.vals))
		for i, v := range b.vals {
			diffs[i] = api.Sub(x, v)
		}
		if bi, ok := api.(frontend.BatchInverter); ok {
			diffs = bi.BatchInvert(diffs)
		} else {
			for i := range diffs {
				diffs[i] = api.Inverse(diffs[i])
			}
		}
		var queries frontend.Variable = 0
		for _, d := range diffs {
			queries = api.Add(queries, d)
		}
		api.AssertIsEqual(table, queries)
		return nil
	}, toCommit...)
	return nil
}

// ByteCountHint counts how often each byte value occurs among the inputs
// (the lookup's multiplicities). A value outside [0, 256) has no honest
// multiplicity: the hint refuses it, and no assignment of multiplicities
// would satisfy the lookup anyway.
func ByteCountHint(_ *big.Int, in, out []*big.Int) error {
	if len(out) != 256 {
		return errors.New("byte count hint: want 256 outputs")
	}
	counts := make([]int64, 256)
	for _, v := range in {
		if !v.IsInt64() || v.Int64() < 0 || v.Int64() > 255 {
			return errors.New("byte count hint: a value is not a byte")
		}
		counts[v.Int64()]++
	}
	for t, n := range counts {
		out[t].SetInt64(n)
	}
	return nil
}
