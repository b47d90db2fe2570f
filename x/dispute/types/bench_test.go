package types_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"

	"github.com/verdict-chain/verdict/testutil/zk"
	"github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/dispute/zkverify"
	"github.com/verdict-chain/verdict/x/jobs/batch"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

// BenchmarkItemCheck: the on-chain check of a challenged item of a batch of
// 100,000 (its two inclusion paths, the item's commitments computed by the
// chain, the public inputs, Groth16 verification) against today's check of
// a single job's proof (public inputs, verification), in the same run; and
// the item part alone against a secp256k1 signature check (1,000 gas in the
// SDK), next to the gas ItemGas charges for it.
func BenchmarkItemCheck(b *testing.B) {
	kit := zk.Small(b)
	kj := kit.NewJob(b, "bench-item")
	const n, item = 100_000, 77_777
	in, out := zkml.Raw(kj.Input), zkml.Raw(kj.Output)
	inLeaves, outLeaves := make([]batch.Hash, n), make([]batch.Hash, n)
	for k := range uint64(n) {
		fi, fo := in, out
		if k != item {
			fi, fo = []byte(fmt.Sprintf("%016d", k)), []byte(fmt.Sprintf("%04d", k%10000))
		}
		inLeaves[k] = batch.Leaf(batch.KindInput, k, fi)
		outLeaves[k] = batch.Leaf(batch.KindOutput, k, fo)
	}
	inRoot, err := batch.Root(batch.KindInput, inLeaves)
	require.NoError(b, err)
	outRoot, err := batch.Root(batch.KindOutput, outLeaves)
	require.NoError(b, err)
	ip, err := batch.Path(inLeaves, item)
	require.NoError(b, err)
	op, err := batch.Path(outLeaves, item)
	require.NoError(b, err)
	const id = 9
	batchJob := jobstypes.Job{
		Id: id, Items: n, CircuitId: "mlp-" + kit.Shape.String(), ModelCommitment: kj.ModelC,
		InputCommitment: inRoot[:], Result: &jobstypes.Result{OutputCommitment: outRoot[:]},
	}
	single := jobstypes.Job{
		Id: id, CircuitId: batchJob.CircuitId, ModelCommitment: kj.ModelC,
		InputCommitment: kj.InputC, Result: &jobstypes.Result{OutputCommitment: kj.OutputC},
	}
	msg := &types.MsgSubmitProof{ItemInput: in, InputPath: batch.PathBytes(ip), ItemOutput: out, OutputPath: batch.PathBytes(op)}
	itemProof, singleProof := kit.ProveItem(b, kj, id, item), kit.Prove(b, kj, id)
	vk, err := types.ParseVK(kit.VKBytes, 1<<20)
	require.NoError(b, err)
	sk := secp256k1.GenPrivKey()
	sigMsg := []byte("verdict item check calibration")
	sig, err := sk.Sign(sigMsg)
	require.NoError(b, err)
	pk := sk.PubKey()

	var tSingle, tItem, tPaths, tSecp time.Duration
	for b.Loop() {
		t0 := time.Now()
		pub, err := types.PublicInputs(single, single.Result.OutputCommitment)
		if err == nil {
			err = zkverify.Verify(vk, singleProof, pub)
		}
		require.NoError(b, err)
		t1 := time.Now()
		ic, oc, err := types.CheckItem(batchJob, item, msg)
		require.NoError(b, err)
		t2 := time.Now()
		pub, err = types.PublicInputsItem(batchJob, item, ic[:], oc[:])
		if err == nil {
			err = zkverify.Verify(vk, itemProof, pub)
		}
		require.NoError(b, err)
		t3 := time.Now()
		require.True(b, pk.VerifySignature(sigMsg, sig))
		t4 := time.Now()
		tSingle += t1.Sub(t0)
		tPaths += t2.Sub(t1)
		tItem += t3.Sub(t1)
		tSecp += t4.Sub(t3)
	}
	b.ReportMetric(float64(tItem)/float64(tSingle), "item/single")
	b.ReportMetric(float64(tPaths.Nanoseconds())/float64(b.N), "item-evidence-ns")
	b.ReportMetric(1000*float64(tPaths)/float64(tSecp), "item-evidence-gas@1000/secp")
	b.ReportMetric(float64(types.ItemGas(msg)), "ItemGas-charged")
}
