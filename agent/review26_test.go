package agent

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/zkml"
	zksetup "github.com/verdict-chain/verdict/zkml/setup"
)

// review26Key sets up mlp3-16-16-4 and writes its commitment key to a
// fresh directory: the key, its file bytes and the directory.
func review26Key(t *testing.T) (*zkml.CommitmentKey, []byte, string, string) {
	t.Helper()
	sh := zkml.Shape{16, 16, 4}
	id := zkml.Pedersen.CircuitID(sh)
	ccs, err := zkml.Pedersen.Compile(sh)
	require.NoError(t, err)
	pk, _, err := zksetup.Setup(ccs)
	require.NoError(t, err)
	ck, err := zkml.CommitmentKeyOf(pk)
	require.NoError(t, err)
	var b bytes.Buffer
	_, err = ck.WriteTo(&b)
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(zkml.CommitmentKeyPath(dir, id), b.Bytes(), 0o644))
	return ck, b.Bytes(), dir, id
}

// review26Tampered is ck with the point of the committed constant 1 (the
// second-to-last; every model commits 1 to it) doubled: every model's
// commitment moves.
func review26Tampered(t *testing.T, ck *zkml.CommitmentKey) (*zkml.CommitmentKey, []byte) {
	t.Helper()
	bad := &zkml.CommitmentKey{Basis: append(ck.Basis[:0:0], ck.Basis...)}
	n := len(bad.Basis)
	bad.Basis[n-2].Double(&bad.Basis[n-2])
	var b bytes.Buffer
	_, err := bad.WriteTo(&b)
	require.NoError(t, err)
	return bad, b.Bytes()
}

// ATTACK (question 3): the key file is swapped after the fetcher first
// read it (an operator's re-setup, a mirror's update, a tampered copy).
// Safe: the fetcher keeps checking models with the key it verified
// against the chain's hash — a commitment made with the swapped key is
// refused, one made with the registered key still taken — and a fetcher
// started after the swap refuses the swapped file. The hash is looked up
// by the job's own circuit id.
func TestReview26FetcherKeySwappedAfterFirstRead(t *testing.T) {
	ck, raw, dir, id := review26Key(t)
	registered := sha256.Sum256(raw)
	var mu sync.Mutex
	var asked []string
	keyHash := func(c string) ([]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, c)
		return registered[:], nil
	}
	cfg := FetchConfig{MaxBytes: 1 << 20, Timeout: 5 * time.Second, KeysDir: dir, KeyHash: keyHash}
	f, err := NewFetcher(cfg)
	require.NoError(t, err)
	sh := zkml.Shape{16, 16, 4}
	m1, err := zkml.ExampleModel(sh, "first")
	require.NoError(t, err)
	b1, err := m1.MarshalBinary()
	require.NoError(t, err)
	c1, err := ck.ModelCommitment(m1)
	require.NoError(t, err)
	_, err = f.ParseModel(zkml.Pedersen, b1, c1[:])
	require.NoError(t, err)

	bad, badRaw := review26Tampered(t, ck)
	require.NoError(t, os.WriteFile(zkml.CommitmentKeyPath(dir, id), badRaw, 0o644))
	m2, err := zkml.ExampleModel(sh, "second")
	require.NoError(t, err)
	b2, err := m2.MarshalBinary()
	require.NoError(t, err)
	forged, err := bad.ModelCommitment(m2)
	require.NoError(t, err)
	_, err = f.ParseModel(zkml.Pedersen, b2, forged[:])
	require.ErrorIs(t, err, ErrCommitmentMismatch, "a commitment made with the swapped key is taken")
	honest, err := ck.ModelCommitment(m2)
	require.NoError(t, err)
	_, err = f.ParseModel(zkml.Pedersen, b2, honest[:])
	require.NoError(t, err, "the verified key is no longer used")

	fresh, err := NewFetcher(cfg)
	require.NoError(t, err)
	_, err = fresh.ParseModel(zkml.Pedersen, b2, forged[:])
	require.ErrorIs(t, err, zkml.ErrCommitmentKey, "a fetcher started after the swap takes the swapped key")
	_, err = fresh.ParseModel(zkml.Pedersen, b2, honest[:])
	require.ErrorIs(t, err, zkml.ErrCommitmentKey)

	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, asked)
	for _, a := range asked {
		require.Equal(t, id, a)
	}
}

// ATTACK (question 3): the chain's hash cannot be read (a node down, a
// circuit without a hash), or the lookup answers something that is not a
// sha256. Safe: the model is refused (the job declined at no cost), the
// failure is not remembered as a verified key, and the next job, once the
// chain answers, is taken.
func TestReview26FetcherKeyHashUnavailable(t *testing.T) {
	ck, raw, dir, _ := review26Key(t)
	registered := sha256.Sum256(raw)
	answers := []func() ([]byte, error){
		func() ([]byte, error) { return nil, errors.New("node down") },
		func() ([]byte, error) { return nil, nil },
		func() ([]byte, error) { return []byte{}, nil },
		func() ([]byte, error) { return registered[:16], nil },
		func() ([]byte, error) { return append(registered[:], 0), nil },
		func() ([]byte, error) { return registered[:], nil },
	}
	var call int
	f, err := NewFetcher(FetchConfig{MaxBytes: 1 << 20, Timeout: 5 * time.Second, KeysDir: dir, KeyHash: func(string) ([]byte, error) {
		a := answers[min(call, len(answers)-1)]
		call++
		return a()
	}})
	require.NoError(t, err)
	m, err := zkml.ExampleModel(zkml.Shape{16, 16, 4}, "hash")
	require.NoError(t, err)
	bz, err := m.MarshalBinary()
	require.NoError(t, err)
	mc, err := ck.ModelCommitment(m)
	require.NoError(t, err)
	for i := 0; i < len(answers)-1; i++ {
		_, err = f.ParseModel(zkml.Pedersen, bz, mc[:])
		require.ErrorIs(t, err, zkml.ErrCommitmentKey, "answer %d", i)
	}
	_, err = f.ParseModel(zkml.Pedersen, bz, mc[:])
	require.NoError(t, err)
}
