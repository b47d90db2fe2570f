package agent

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/x/dispute/zkml"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// Review: a buyer's model that commits to nothing the job names is parsed
// and fully hashed (outside any fetch timeout) before the commitment check,
// and cached regardless of the mismatch.
func TestReviewWrongCommitmentCostsFullHashAndIsCached(t *testing.T) {
	// a 16 MiB MLP (the default --max-file-bytes): 1 layer 4096x4096
	l := zkml.Layer{In: 4096, Out: 4096, Weights: make([]int8, 4096*4096), Biases: make([]int32, 4096)}
	for i := range l.Weights {
		l.Weights[i] = int8(i)
	}
	m := &zkml.Model{Layers: []zkml.Layer{l}}
	bz, err := m.MarshalBinary()
	require.NoError(t, err)
	t.Logf("model file: %d bytes", len(bz))
	f, err := NewFetcher(FetchConfig{MaxBytes: 16<<20 + 1<<20, Timeout: time.Second})
	require.NoError(t, err)
	start := time.Now()
	_, err = f.ParseModel(zkml.MiMC, bz, make([]byte, 32))
	took := time.Since(start)
	require.ErrorIs(t, err, ErrCommitmentMismatch)
	t.Logf("wrong-commitment model rejected after %s of CPU (fetch timeout was 1s)", took)
	f.mu.Lock()
	n := len(f.models)
	f.mu.Unlock()
	require.Equal(t, 0, n, "a model that matched no job's commitment was cached")
}

// Review: a job that names no circuit (allowed: settled by attestation or
// SLA rules; allowed on forward contracts) is refused with valid files.
func TestReviewCircuitlessJobIsAlwaysUnprovable(t *testing.T) {
	s, err := zkml.ParseShape("16-8-4")
	require.NoError(t, err)
	m, err := zkml.ExampleModel(s, "x")
	require.NoError(t, err)
	in := zkml.ExampleInput(16, "x")
	j := jobstypes.Job{Id: 1, CircuitId: "", Contract: &jobstypes.Contract{Reference: "fwd-1"}}
	require.ErrorIs(t, CheckProvable(j, m, in), ErrUnprovable)
}
