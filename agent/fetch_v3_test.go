package agent

import (
	"bytes"
	"crypto/sha256"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/zkml"
	zksetup "github.com/verdict-chain/verdict/zkml/setup"
)

// A version 3 job's model is checked with its circuit's commitment key from
// the keys directory: the model that commits to the job's commitment is
// taken; another model, a missing key, or another setup's key is refused.
func TestFetcherVersion3Model(t *testing.T) {
	sh := zkml.Shape{16, 16, 4}
	id := zkml.Pedersen.CircuitID(sh)
	ccs, err := zkml.Pedersen.Compile(sh)
	require.NoError(t, err)
	pk, _, err := zksetup.Setup(ccs)
	require.NoError(t, err)
	ck, err := zkml.CommitmentKeyOf(pk)
	require.NoError(t, err)
	dir := t.TempDir()
	var b bytes.Buffer
	_, err = ck.WriteTo(&b)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(zkml.CommitmentKeyPath(dir, id), b.Bytes(), 0o644))

	m, err := zkml.ExampleModel(sh, "v3")
	require.NoError(t, err)
	bz, err := m.MarshalBinary()
	require.NoError(t, err)
	mc, err := ck.ModelCommitment(m)
	require.NoError(t, err)
	got, err := zkml.Pedersen.ModelCommitmentIn(dir, m)
	require.NoError(t, err)
	require.Equal(t, mc, got)

	registered := sha256.Sum256(b.Bytes())
	keyHash := func(string) ([]byte, error) { return registered[:], nil }
	f, err := NewFetcher(FetchConfig{MaxBytes: 1 << 20, Timeout: 5 * time.Second, KeysDir: dir, KeyHash: keyHash})
	require.NoError(t, err)
	pm, err := f.ParseModel(zkml.Pedersen, bz, mc[:])
	require.NoError(t, err)
	require.Equal(t, m.Layers, pm.Layers)

	other, err := zkml.ExampleModel(sh, "other")
	require.NoError(t, err)
	obz, err := other.MarshalBinary()
	require.NoError(t, err)
	_, err = f.ParseModel(zkml.Pedersen, obz, mc[:])
	require.ErrorIs(t, err, ErrCommitmentMismatch)
	// the version 2 commitment of the same model is not its version 3 one
	v2, err := zkml.Poseidon2.ModelCommitment(m)
	require.NoError(t, err)
	_, err = f.ParseModel(zkml.Pedersen, bz, v2[:])
	require.ErrorIs(t, err, ErrCommitmentMismatch)

	noKeys, err := NewFetcher(FetchConfig{MaxBytes: 1 << 20, Timeout: 5 * time.Second, KeysDir: t.TempDir()})
	require.NoError(t, err)
	_, err = noKeys.ParseModel(zkml.Pedersen, bz, mc[:])
	require.ErrorIs(t, err, zkml.ErrCommitmentKey)

	// another setup's key: the same model, another commitment
	pk2, _, err := zksetup.Setup(ccs)
	require.NoError(t, err)
	ck2, err := zkml.CommitmentKeyOf(pk2)
	require.NoError(t, err)
	b.Reset()
	_, err = ck2.WriteTo(&b)
	require.NoError(t, err)
	dir2 := t.TempDir()
	require.NoError(t, os.WriteFile(zkml.CommitmentKeyPath(dir2, id), b.Bytes(), 0o644))
	f2, err := NewFetcher(FetchConfig{MaxBytes: 1 << 20, Timeout: 5 * time.Second, KeysDir: dir2})
	require.NoError(t, err)
	_, err = f2.ParseModel(zkml.Pedersen, bz, mc[:])
	require.ErrorIs(t, err, ErrCommitmentMismatch)
	// and a key file that is not the registered one is refused before it
	// is used (a tampered key can map the buyer's model to another's
	// commitment: review 25)
	f3, err := NewFetcher(FetchConfig{MaxBytes: 1 << 20, Timeout: 5 * time.Second, KeysDir: dir2, KeyHash: keyHash})
	require.NoError(t, err)
	_, err = f3.ParseModel(zkml.Pedersen, bz, mc[:])
	require.ErrorIs(t, err, zkml.ErrCommitmentKey)
	require.ErrorContains(t, err, "the chain registered")
}
