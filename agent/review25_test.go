package agent

import (
	"bytes"
	"math"
	"math/big"
	"os"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/x/dispute/zkverify"
	"github.com/verdict-chain/verdict/zkml"
	zksetup "github.com/verdict-chain/verdict/zkml/setup"
)

// Review 25, ATTACK (rule 15): a buyer's version 3 job names the all-zero
// model (every weight −128, every bias −2^31, every shift 0: a valid
// file). Its commitment point is the point at infinity. Safe behaviour:
// the provider's fetcher refuses the job before it costs anything, or
// else the provider's honest proof of it verifies on the chain; today the
// fetcher accepts it and the chain refuses every proof of it
// ("commitment 0 is the point at infinity"), so a challenge or an audit
// slashes the honest provider.
func TestReview25FetcherZeroModel(t *testing.T) {
	sh := zkml.Shape{16, 16, 4}
	id := zkml.Pedersen.CircuitID(sh)
	ccs, err := zkml.Pedersen.Compile(sh)
	require.NoError(t, err)
	pk, vk, err := zksetup.Setup(ccs)
	require.NoError(t, err)
	ck, err := zkml.CommitmentKeyOf(pk)
	require.NoError(t, err)
	dir := t.TempDir()
	var b bytes.Buffer
	_, err = ck.WriteTo(&b)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(zkml.CommitmentKeyPath(dir, id), b.Bytes(), 0o644))

	m, err := zkml.ExampleModel(sh, "zero")
	require.NoError(t, err)
	for li := range m.Layers {
		l := &m.Layers[li]
		l.Shift = 0
		for k := range l.Weights {
			l.Weights[k] = -128
		}
		for k := range l.Biases {
			l.Biases[k] = math.MinInt32
		}
	}
	bz, err := m.MarshalBinary()
	require.NoError(t, err)
	mc, err := ck.ModelCommitment(m) // the buyer's job
	if err != nil {
		return
	}
	f, err := NewFetcher(FetchConfig{MaxBytes: 1 << 20, Timeout: 5 * time.Second, KeysDir: dir})
	require.NoError(t, err)
	if _, err := f.ParseModel(zkml.Pedersen, bz, mc[:]); err != nil {
		return // refused up front: safe
	}
	in := zkml.ExampleInput(16, "zero")
	proof, out, err := zkml.Pedersen.Prove(ccs, pk, m, in, 3)
	require.NoError(t, err)
	var vkb bytes.Buffer
	_, err = vk.WriteTo(&vkb)
	require.NoError(t, err)
	cvk, err := zkverify.ParseVerifyingKey(vkb.Bytes(), zkverify.Limits{MaxBytes: 1 << 16, NbPublic: zkml.PublicInputs})
	require.NoError(t, err)
	ic, oc := zkml.Pedersen.TensorCommitment(in), zkml.Pedersen.TensorCommitment(out)
	var pub []fr.Element
	for _, c := range [][]byte{mc[:], ic[:], oc[:], new(big.Int).SetUint64(3).FillBytes(make([]byte, 32))} {
		e, err := zkverify.PublicInput(c)
		require.NoError(t, err)
		pub = append(pub, e)
	}
	require.NoError(t, zkverify.Verify(cvk, proof, pub), "the fetcher accepted a job whose honest proof the chain refuses")
}
