package cmd_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/zkml"
)

// Review 26, LOW (question 3, the buyer's side of review 25's key
// substitution): the agents now refuse a commitment key file that does
// not hash to the circuit's registered commitment_key_hash, but the
// buyer's own tool does not: `verdictd zk commit` (and `session check`)
// commit with whatever <id>.ck the --keys directory holds and only print
// its sha256 to stderr. A provider (or a mirror) that hands a buyer a
// tampered key makes the buyer's job name the provider's model
// (TestReview25UnauthenticatedCommitmentKey): the provider then runs and
// proves that model, and the buyer's challenge loses its bond. Safe
// behaviour: the tool refuses a version 3 key it has not checked against
// the registered hash (a flag carrying the hash, or a query to a node).
func TestReview26ZKCommitRefusesUnregisteredKey(t *testing.T) {
	dir := t.TempDir()
	model, keys := filepath.Join(dir, "m.vmdl"), filepath.Join(dir, "keys")
	_, err := run(t, "example-model", model, "--shape", "16-16-4", "--seed", "s")
	require.NoError(t, err)
	_, err = run(t, "setup", "--shape", "16-16-4", "--out", keys, "--scheme", "pedersen")
	require.NoError(t, err)
	path := zkml.CommitmentKeyPath(keys, "mlp3-16-16-4")
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	sum := sha256.Sum256(raw)
	registered := hex.EncodeToString(sum[:])
	honest, err := run(t, "commit", model, "--scheme", "pedersen", "--keys", keys, "--commitment-key-hash", registered)
	require.NoError(t, err)
	require.Len(t, honest, 64)
	// fixed: without the registered hash (or a node to ask), no version 3 commitment
	_, err = run(t, "commit", model, "--scheme", "pedersen", "--keys", keys)
	require.ErrorIs(t, err, zkml.ErrCommitmentKey)

	ck, err := zkml.ReadCommitmentKey(raw)
	require.NoError(t, err)
	n := len(ck.Basis)
	ck.Basis[n-2].Double(&ck.Basis[n-2]) // the constant 1's point: every commitment moves
	var b bytes.Buffer
	_, err = ck.WriteTo(&b)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	got, err := run(t, "commit", model, "--scheme", "pedersen", "--keys", keys, "--commitment-key-hash", registered)
	if err == nil {
		require.Equal(t, honest, got, "zk commit printed a commitment made with a key that is not the registered one")
	}
	require.ErrorIs(t, err, zkml.ErrCommitmentKey)
}
