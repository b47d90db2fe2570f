package agent

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/dispute/zkverify"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
	zksetup "github.com/verdict-chain/verdict/zkml/setup"
)

func writeFiles(t *testing.T) (dir string, model *zkml.Model, mc [32]byte, in []int8, ic [32]byte) {
	t.Helper()
	dir = t.TempDir()
	sh, err := zkml.ParseShape("16-16-4")
	require.NoError(t, err)
	model, err = zkml.ExampleModel(sh, "agent-test")
	require.NoError(t, err)
	require.NoError(t, zkml.WriteModel(filepath.Join(dir, "m.vmdl"), model))
	mc, err = zkml.ModelCommitment(model)
	require.NoError(t, err)
	in = zkml.ExampleInput(16, "agent-test")
	require.NoError(t, zkml.WriteTensor(filepath.Join(dir, "in.vten"), in))
	return dir, model, mc, in, zkml.TensorCommitment(in)
}

func TestFetchChecksCommitments(t *testing.T) {
	dir, _, mc, in, ic := writeFiles(t)
	f, err := NewFetcher(FetchConfig{MaxBytes: 1 << 20, Timeout: 5 * time.Second, FileRoot: dir})
	require.NoError(t, err)
	ctx := context.Background()

	m, err := f.Model(ctx, zkml.MiMC, "file://"+filepath.Join(dir, "m.vmdl"), mc[:])
	require.NoError(t, err)
	require.Equal(t, "16-16-4", m.Shape().String())
	got, err := f.Tensor(ctx, zkml.MiMC, "file://"+filepath.Join(dir, "in.vten"), ic[:])
	require.NoError(t, err)
	require.Equal(t, in, got)

	// the input served where the model's commitment is expected, and a
	// tensor whose bytes differ from the committed one
	_, err = f.Tensor(ctx, zkml.MiMC, "file://"+filepath.Join(dir, "in.vten"), mc[:])
	require.ErrorIs(t, err, ErrCommitmentMismatch)
	// the right files under the other scheme: version 1 commitments are
	// not version 2's (the model check is cached per scheme)
	_, err = f.Model(ctx, zkml.Poseidon2, "file://"+filepath.Join(dir, "m.vmdl"), mc[:])
	require.ErrorIs(t, err, ErrCommitmentMismatch)
	_, err = f.Tensor(ctx, zkml.Poseidon2, "file://"+filepath.Join(dir, "in.vten"), ic[:])
	require.ErrorIs(t, err, ErrCommitmentMismatch)
	mc2, err := zkml.Poseidon2.ModelCommitment(m)
	require.NoError(t, err)
	_, err = f.Model(ctx, zkml.Poseidon2, "file://"+filepath.Join(dir, "m.vmdl"), mc2[:])
	require.NoError(t, err)
	other := zkml.ExampleInput(16, "other")
	require.NoError(t, zkml.WriteTensor(filepath.Join(dir, "other.vten"), other))
	_, err = f.Tensor(ctx, zkml.MiMC, "file://"+filepath.Join(dir, "other.vten"), ic[:])
	require.ErrorIs(t, err, ErrCommitmentMismatch)
	// a model file that is a tensor: a parse error, not a panic
	_, err = f.Model(ctx, zkml.MiMC, "file://"+filepath.Join(dir, "in.vten"), mc[:])
	require.Error(t, err)

	for _, uri := range []string{"", "ipfs://bafy", "ftp://x/y", "://bad"} {
		_, err := f.Fetch(ctx, uri)
		require.Error(t, err, uri)
	}
}

func TestFetchOverHTTPWithCaps(t *testing.T) {
	dir, _, _, _, ic := writeFiles(t)
	bz, err := os.ReadFile(filepath.Join(dir, "in.vten"))
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/in.vten":
			_, _ = w.Write(bz)
		case "/big":
			_, _ = w.Write(make([]byte, 4096))
		case "/slow":
			time.Sleep(2 * time.Second)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	require.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"))
	f, err := NewFetcher(FetchConfig{MaxBytes: 1024, Timeout: 500 * time.Millisecond, AllowPrivate: true})
	require.NoError(t, err)
	ctx := context.Background()
	_, err = f.Tensor(ctx, zkml.MiMC, srv.URL+"/in.vten", ic[:])
	require.NoError(t, err)
	_, err = f.Fetch(ctx, srv.URL+"/big")
	require.ErrorContains(t, err, "cap")
	_, err = f.Fetch(ctx, srv.URL+"/missing")
	require.ErrorContains(t, err, "404")
	start := time.Now()
	_, err = f.Fetch(ctx, srv.URL+"/slow")
	require.Error(t, err)
	require.Less(t, time.Since(start), 2*time.Second)
}

func TestStorePersistsAcrossRestarts(t *testing.T) {
	home := t.TempDir()
	s, err := OpenStore(home)
	require.NoError(t, err)
	require.NoError(t, s.Put(jobKey("challenge", 7), challengeRecord{Bond: "1000", Open: true}))
	require.NoError(t, s.Put(jobKey("challenge", 12), challengeRecord{Bond: "5", Open: false}))
	require.NoError(t, s.Put(jobKey("check", 7), checkRecord{Checked: true}))
	require.NoError(t, s.Close())

	s, err = OpenStore(home)
	require.NoError(t, err)
	defer func() { _ = s.Close() }()
	var rec challengeRecord
	ok, err := s.Get(jobKey("challenge", 7), &rec)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "1000", rec.Bond)
	var keys []string
	require.NoError(t, s.Each("challenge/", func(k string, _ []byte) error { keys = append(keys, k); return nil }))
	require.Equal(t, []string{jobKey("challenge", 7), jobKey("challenge", 12)}, keys, "ordered by job id")
	require.False(t, s.Has(jobKey("check", 12)))
	w := &Watcher{Base: &Base{Store: s}}
	require.Equal(t, "1000", w.bondInUse().String(), "only open challenges hold budget")
}

func TestQueueDeduplicatesInOrder(t *testing.T) {
	q := newQueue()
	for _, id := range []uint64{3, 1, 3, 2, 1} {
		q.push(id)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var got []uint64
	for range 3 {
		id, ok := q.pop(ctx)
		require.True(t, ok)
		got = append(got, id)
	}
	require.Equal(t, []uint64{3, 1, 2}, got)
	q.push(3) // may come back once taken
	id, ok := q.pop(ctx)
	require.True(t, ok)
	require.EqualValues(t, 3, id)
	_, ok = q.pop(ctx)
	require.False(t, ok, "pop returns when the context ends")
}

func TestLotteryIsUniformAndSeeded(t *testing.T) {
	hits := 0
	for id := uint64(1); id <= 20000; id++ {
		v := lottery("seed", id)
		require.True(t, v >= 0 && v < 1)
		if v < 0.1 {
			hits++
		}
	}
	require.InDelta(t, 2000, hits, 200, "10% sample")
	require.Equal(t, lottery("a", 5), lottery("a", 5))
	require.NotEqual(t, lottery("a", 5), lottery("b", 5))
}

func TestSummarize(t *testing.T) {
	ms := func(v ...int) []sample {
		out := make([]sample, len(v))
		for i, x := range v {
			out[i] = sample{latency: time.Duration(x) * time.Millisecond, ok: true}
		}
		return out
	}
	m := Summarize(ms(100, 100, 100, 100), 2*time.Second)
	require.EqualValues(t, 100, m.LatencyP50Ms)
	require.EqualValues(t, 100, m.LatencyP99Ms)
	require.Zero(t, m.JitterMs)
	require.EqualValues(t, 10_000, m.ThroughputMeanMilli, "one unit per 100 ms = 10 units/s")
	require.Zero(t, m.ThroughputCvPpm)
	require.Equal(t, 2*time.Second, m.Window)

	m = Summarize(ms(10, 30, 20, 40, 500), time.Second)
	require.EqualValues(t, 30, m.LatencyP50Ms)
	require.EqualValues(t, 500, m.LatencyP99Ms, "nearest rank: the slowest of five")
	require.EqualValues(t, (20+10+20+460)/4, m.JitterMs)
	require.Positive(t, m.ThroughputCvPpm)

	m = Summarize(ms(0), time.Second) // sub-millisecond answers count as 1 ms
	require.EqualValues(t, 1, m.LatencyP99Ms)
}

func TestTypedEventsFromBlocks(t *testing.T) {
	ev := func(msg interface{ String() string }, mode string) abci.Event {
		e, err := sdk.TypedEventToEvent(msg.(sdk.Msg))
		require.NoError(t, err)
		ae := abci.Event(e)
		if mode != "" {
			ae.Attributes = append(ae.Attributes, abci.EventAttribute{Key: "mode", Value: mode})
		}
		return ae
	}
	b := Block{Events: []abci.Event{
		ev(&jobstypes.EventResultPosted{JobId: 4, Provider: "p"}, ""),
		ev(&disputetypes.EventAudited{JobId: 9, Provider: "p"}, "EndBlock"), // block-level: plain-text mode attribute
		{Type: "transfer", Attributes: []abci.EventAttribute{{Key: "amount", Value: "5uverd"}}},
		{Type: "verdict.jobs.v1.EventNoSuchThing", Attributes: []abci.EventAttribute{{Key: "x", Value: "{"}}},
	}}
	got := typedEvents(b)
	require.Len(t, got, 2)
	require.EqualValues(t, 4, got[0].(*jobstypes.EventResultPosted).JobId)
	require.EqualValues(t, 9, got[1].(*disputetypes.EventAudited).JobId)
}

func TestSchemeOf(t *testing.T) {
	require.Equal(t, zkml.Poseidon2, SchemeOf(jobstypes.Job{CircuitId: "mlp2-16-16-4"}))
	require.Equal(t, zkml.MiMC, SchemeOf(jobstypes.Job{CircuitId: "mlp-16-16-4"}))
	require.Equal(t, zkml.MiMC, SchemeOf(jobstypes.Job{}), "a job without a reference circuit")
}

// The prover the agents use makes proofs the chain's own verification path
// accepts, with keys read from disk as `verdictd zk setup` writes them.
func TestProverWarmUpAndChainVerification(t *testing.T) {
	sh := zkml.Shape{16, 16, 4}
	ccs, err := zkml.Compile(sh)
	require.NoError(t, err)
	pk, vk, err := zksetup.Setup(ccs)
	require.NoError(t, err)
	dir := t.TempDir()
	vkBytes, err := zkml.WriteKeysByID(dir, zkml.MiMC.CircuitID(sh), pk, vk)
	require.NoError(t, err)

	p := NewProver(dir)
	require.Zero(t, p.Estimate("mlp-16-16-4"))
	took, err := p.WarmUp("mlp-16-16-4")
	require.NoError(t, err)
	require.Positive(t, took)
	require.Equal(t, took, p.Estimate("mlp-16-16-4"))
	require.Zero(t, p.Estimate("mlp2-16-16-4"), "estimates are per circuit")

	_, model, mc, in, ic := writeFiles(t)
	proof, out, _, err := p.Prove(zkml.MiMC, model, in, 42)
	require.NoError(t, err)
	oc := zkml.TensorCommitment(out)
	job := jobstypes.Job{Id: 42, ModelCommitment: mc[:], InputCommitment: ic[:]}
	pvk, err := disputetypes.ParseVK(vkBytes, 1<<20)
	require.NoError(t, err)
	pub, err := disputetypes.PublicInputs(job, oc[:])
	require.NoError(t, err)
	require.NoError(t, zkverify.Verify(pvk, proof, pub))
	job.Id = 43 // bound to its job
	pub, err = disputetypes.PublicInputs(job, oc[:])
	require.NoError(t, err)
	require.Error(t, zkverify.Verify(pvk, proof, pub))

	_, err = NewProver(t.TempDir()).WarmUp("mlp-16-16-4")
	require.ErrorContains(t, err, "proving key")
	_, err = p.WarmUp("mlp2-16-16-4") // no mlp2- key in dir
	require.ErrorContains(t, err, "proving key")
	_, err = p.WarmUp("resnet-50")
	require.Error(t, err)
}

// A CNN job: the scheme follows its circuit id, and the prover proves it
// with the key `verdictd zk setup --circuit cnn-…` writes.
func TestProverCNN(t *testing.T) {
	const id = "cnn-1x10x10-2k3-3k3-5-4"
	require.Equal(t, zkml.Poseidon2, SchemeOf(jobstypes.Job{CircuitId: id}))
	require.Equal(t, zkml.MiMC, SchemeOf(jobstypes.Job{CircuitId: "cnn-garbage"}))
	ccs, _, err := zkml.CompileByID(id, false)
	require.NoError(t, err)
	pk, vk, err := zksetup.Setup(ccs)
	require.NoError(t, err)
	dir := t.TempDir()
	vkBytes, err := zkml.WriteKeysByID(dir, id, pk, vk)
	require.NoError(t, err)
	p := NewProver(dir)
	took, err := p.WarmUp(id)
	require.NoError(t, err)
	require.Equal(t, took, p.Estimate(id))

	m, in, _, err := zkml.ExampleForID(id, "job")
	require.NoError(t, err)
	proof, out, _, err := p.Prove(zkml.Poseidon2, m, in, 5)
	require.NoError(t, err)
	mc, err := zkml.Poseidon2.ModelCommitment(m)
	require.NoError(t, err)
	ic, oc := zkml.Poseidon2.TensorCommitment(in), zkml.Poseidon2.TensorCommitment(out)
	pvk, err := disputetypes.ParseVK(vkBytes, 1<<20)
	require.NoError(t, err)
	pub, err := disputetypes.PublicInputs(jobstypes.Job{Id: 5, ModelCommitment: mc[:], InputCommitment: ic[:]}, oc[:])
	require.NoError(t, err)
	require.NoError(t, zkverify.Verify(pvk, proof, pub))
}

// The node's mismatch error carries the sequence its check state expects
// (mempool included); the signer adopts it rather than re-reading the
// committed account, which lags by the pending transactions.
func TestExpectedSequence(t *testing.T) {
	n, ok := expectedSequence("account sequence mismatch, expected 411, got 406: incorrect account sequence")
	require.True(t, ok)
	require.Equal(t, uint64(411), n)
	for _, bad := range []string{"", "incorrect account sequence", "account sequence mismatch, expected x, got 1", "expected 5"} {
		_, ok := expectedSequence(bad)
		require.False(t, ok, bad)
	}
	s := &Signer{sequence: 406, synced: true}
	s.resequence("account sequence mismatch, expected 411, got 406")
	require.False(t, s.synced, "no account read yet: re-read it")
	s = &Signer{sequence: 406, synced: true, hasAccount: true}
	s.resequence("account sequence mismatch, expected 411, got 406")
	require.True(t, s.synced)
	require.Equal(t, uint64(411), s.sequence)
	s.resequence("incorrect account sequence")
	require.False(t, s.synced, "no number in the error: re-read the account")
}

// A dispute's proof goes before a warm-up: a warm-up does not take the
// prover while a proof waits for it or holds it (a restart with a dispute
// open must not lose the deadline to warm-ups), an estimate never waits
// for a proof in progress, and a warm-up of a circuit a proof already
// measured does not prove again.
func TestProverWarmUpGivesWayToProofs(t *testing.T) {
	sh := zkml.Shape{16, 16, 4}
	ccs, err := zkml.Compile(sh)
	require.NoError(t, err)
	pk, vk, err := zksetup.Setup(ccs)
	require.NoError(t, err)
	dir := t.TempDir()
	_, err = zkml.WriteKeysByID(dir, zkml.MiMC.CircuitID(sh), pk, vk)
	require.NoError(t, err)
	p := NewProver(dir)

	unlock := p.lockForProof() // a dispute's proof holds the prover
	done := make(chan error, 1)
	go func() { _, err := p.WarmUp("mlp-16-16-4"); done <- err }()
	select {
	case err := <-done:
		t.Fatalf("the warm-up ran while a proof held the prover (err %v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	estimated := make(chan time.Duration, 1)
	go func() { estimated <- p.Estimate("mlp-16-16-4") }()
	select {
	case <-estimated:
	case <-time.After(5 * time.Second):
		t.Fatal("an estimate waited for the proof in progress")
	}
	unlock()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(2 * time.Minute):
		t.Fatal("the warm-up never ran after the proof")
	}
	first := p.Estimate("mlp-16-16-4")
	require.Positive(t, first)

	// measured already (by the warm-up, as it would be by a proof): a second
	// warm-up proves nothing and returns the measurement
	took, err := p.WarmUp("mlp-16-16-4")
	require.NoError(t, err)
	require.Equal(t, first, took)
}
