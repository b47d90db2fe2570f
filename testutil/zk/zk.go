// Package zk gives tests real Groth16 keys and proofs for the small reference
// circuit (16-16-4). The setup (~2 s) runs once per test binary.
package zk

import (
	"bytes"
	"sync"
	"testing"

	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/constraint"
	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/zkml"
	zksetup "github.com/verdict-chain/verdict/zkml/setup"
)

// Kit is a compiled circuit with its key pair.
type Kit struct {
	Shape   zkml.Shape
	CCS     constraint.ConstraintSystem
	PK      groth16.ProvingKey
	VKBytes []byte // compressed, as registered on-chain
}

var (
	once   sync.Once
	kit    *Kit
	kitErr error
)

// Small returns the shared 16-16-4 kit.
func Small(t testing.TB) *Kit {
	t.Helper()
	once.Do(func() {
		sh := zkml.Shape{16, 16, 4}
		ccs, err := zkml.Compile(sh)
		if err != nil {
			kitErr = err
			return
		}
		pk, vk, err := zksetup.Setup(ccs)
		if err != nil {
			kitErr = err
			return
		}
		var b bytes.Buffer
		if _, err := vk.WriteTo(&b); err != nil {
			kitErr = err
			return
		}
		kit = &Kit{Shape: sh, CCS: ccs, PK: pk, VKBytes: b.Bytes()}
	})
	require.NoError(t, kitErr)
	return kit
}

// Job is a model and input with their commitments.
type Job struct {
	Model                   *zkml.Model
	Input, Output           []int8
	ModelC, InputC, OutputC []byte
}

// NewJob derives a model and an input from a seed and runs it.
func (k *Kit) NewJob(t testing.TB, seed string) Job {
	t.Helper()
	m, err := zkml.ExampleModel(k.Shape, seed)
	require.NoError(t, err)
	in := zkml.ExampleInput(k.Shape[0], seed)
	out, err := zkml.Infer(m, in)
	require.NoError(t, err)
	mc, err := zkml.ModelCommitment(m)
	require.NoError(t, err)
	ic, oc := zkml.TensorCommitment(in), zkml.TensorCommitment(out)
	return Job{Model: m, Input: in, Output: out, ModelC: mc[:], InputC: ic[:], OutputC: oc[:]}
}

// Prove proves j's true output for a job id.
func (k *Kit) Prove(t testing.TB, j Job, jobID uint64) []byte {
	t.Helper()
	p, _, err := zkml.Prove(k.CCS, k.PK, j.Model, j.Input, jobID)
	require.NoError(t, err)
	return p
}

// ProveItem proves j's true output as item `item` of batch job jobID.
func (k *Kit) ProveItem(t testing.TB, j Job, jobID, item uint64) []byte {
	t.Helper()
	p, _, err := zkml.MiMC.ProveItem(k.CCS, k.PK, j.Model, j.Input, jobID, item)
	require.NoError(t, err)
	return p
}
