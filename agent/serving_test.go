package agent

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/jobs/batch"
	"github.com/verdict-chain/verdict/x/jobs/serving"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

const (
	servingChain   = "verdict-serving-1"
	servingCircuit = "mlp2-16-16-4"
)

func servingKey(seed string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte(seed))
	return ed25519.NewKeyFromSeed(s[:])
}

// servingFixture is a provider's serving half over a store in dir, and a
// session of maxRequests requests of a 16-16-4 model, with the buyer's key.
type servingFixture struct {
	srv     *Server
	http    *httptest.Server
	session jobstypes.Session
	model   *zkml.Model
	buyer   ed25519.PrivateKey
	store   *Store
}

func newServingFixture(t *testing.T, dir string, maxRequests uint64) *servingFixture {
	t.Helper()
	store, err := OpenStore(dir)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	_, shape, err := zkml.ParseCircuitID(servingCircuit)
	require.NoError(t, err)
	m, err := zkml.ExampleModel(shape, "serving")
	require.NoError(t, err)
	provKey, buyer := servingKey("provider serving"), servingKey("buyer session")
	s := jobstypes.Session{
		Id: 7, ChainId: servingChain, CircuitId: servingCircuit, MaxRequests: maxRequests,
		BuyerKey: buyer.Public().(ed25519.PublicKey), ProviderKey: provKey.Public().(ed25519.PublicKey),
		Status: jobstypes.SessionStatus_SESSION_STATUS_OPEN,
	}
	srv, err := NewServer(provKey, store, NewMetrics("test"))
	require.NoError(t, err)
	_, err = srv.Add(&ServedSession{Session: s, Model: m, Until: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	mux := http.NewServeMux()
	srv.Routes(mux)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return &servingFixture{srv: srv, http: hs, session: s, model: m, buyer: buyer, store: store}
}

func (f *servingFixture) client(t *testing.T, count uint64) *SessionClient {
	t.Helper()
	c, err := NewSessionClient(f.session, f.http.URL, f.buyer, count)
	require.NoError(t, err)
	return c
}

func input(i int) []int8 { return zkml.ExampleInput(16, "request-"+strconv.Itoa(i)) }

// A session's requests are answered in order, each with a receipt the
// buyer checks: the provider's key, this request, this input, this very
// output, this voucher.
func TestSessionRequestsAnsweredWithReceipts(t *testing.T) {
	f := newServingFixture(t, t.TempDir(), 100)
	c := f.client(t, 0)
	for i := 1; i <= 30; i++ {
		out, r, err := c.Infer(context.Background(), input(i))
		require.NoError(t, err)
		want, err := zkml.Infer(f.model, input(i))
		require.NoError(t, err)
		require.Equal(t, want, out)
		require.Equal(t, uint64(i), r.Seq)
		require.NoError(t, serving.VerifyReceipt(f.session.ProviderKey, servingChain, r))
		require.NoError(t, serving.VerifyVoucher(f.session.BuyerKey, servingChain, r.VoucherOf()), "the receipt carries the buyer's voucher of the request")
		require.LessOrEqual(t, r.ReceivedMs, r.AnsweredMs)
	}
	require.Equal(t, uint64(30), c.Count())
	k, err := f.srv.Kept(f.session.Id, 12)
	require.NoError(t, err)
	held, ok := c.Served(12)
	require.True(t, ok)
	require.Equal(t, held.Receipt, k.Receipt, "what the provider keeps is what the buyer holds")
	require.Equal(t, input(12), k.Input, "and the input, to prove it")
}

// post sends a raw request: the voucher of count signed by key for chain
// and session, over in.
func (f *servingFixture) post(t *testing.T, key ed25519.PrivateKey, chain string, session, count uint64, in []int8) *http.Response {
	t.Helper()
	v, err := serving.SignVoucher(key, chain, serving.Voucher{Session: session, Count: count, Input: serving.Digest(zkml.Raw(in))})
	require.NoError(t, err)
	body, err := zkml.MarshalTensor(in)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, f.http.URL+"/v1/sessions/"+strconv.FormatUint(session, 10)+"/infer", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set(hdrCount, strconv.FormatUint(count, 10))
	req.Header.Set(hdrVoucher, base64.StdEncoding.EncodeToString(v.Signature))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	return resp
}

// Vouchers that are not the buyer's next request of this session on this
// chain get no answer, and no receipt is signed for them: a count that goes
// back (a replay) or skips ahead, an unknown key, another chain or session,
// beyond what the session pays for, a missing voucher, an input the model
// does not take, a session that ended.
func TestSessionBadVouchersRefused(t *testing.T) {
	f := newServingFixture(t, t.TempDir(), 5)
	c := f.client(t, 0)
	for i := 1; i <= 3; i++ {
		_, _, err := c.Infer(context.Background(), input(i))
		require.NoError(t, err)
	}
	id := f.session.Id
	cases := []struct {
		name string
		resp *http.Response
		code int
	}{
		{"a replayed count", f.post(t, f.buyer, servingChain, id, 3, input(3)), http.StatusConflict},
		{"an earlier count, another input", f.post(t, f.buyer, servingChain, id, 2, input(9)), http.StatusConflict},
		{"a count skipping ahead", f.post(t, f.buyer, servingChain, id, 5, input(4)), http.StatusConflict},
		{"an unknown key", f.post(t, servingKey("stranger"), servingChain, id, 4, input(4)), http.StatusForbidden},
		{"another chain", f.post(t, f.buyer, "verdict-other-1", id, 4, input(4)), http.StatusForbidden},
		{"another session", f.post(t, f.buyer, servingChain, id+1, 4, input(4)), http.StatusNotFound},
		{"an input of another size", f.post(t, f.buyer, servingChain, id, 4, zkml.ExampleInput(17, "x")), http.StatusBadRequest},
	}
	for _, tc := range cases {
		require.Equal(t, tc.code, tc.resp.StatusCode, tc.name)
	}
	require.Equal(t, "3", cases[0].resp.Header.Get(hdrServed), "a refused count says where the session stands")

	// a voucher signed over one input, sent with another
	v, err := serving.SignVoucher(f.buyer, servingChain, serving.Voucher{Session: id, Count: 4, Input: serving.Digest(zkml.Raw(input(4)))})
	require.NoError(t, err)
	_, _, err = f.srv.Answer(context.Background(), id, 4, v.Signature, input(5))
	require.ErrorIs(t, err, serving.ErrSignature)
	// no voucher at all
	body, _ := zkml.MarshalTensor(input(4))
	resp, err := http.Post(f.http.URL+"/v1/sessions/7/infer", "application/octet-stream", bytes.NewReader(body))
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)

	// the rest of what the session pays for, then no more
	for i := 4; i <= 5; i++ {
		_, _, err := c.Infer(context.Background(), input(i))
		require.NoError(t, err)
	}
	require.Equal(t, http.StatusPaymentRequired, f.post(t, f.buyer, servingChain, id, 6, input(6)).StatusCode)
	f.srv.End(id)
	require.Equal(t, http.StatusNotFound, f.post(t, f.buyer, servingChain, id, 6, input(6)).StatusCode, "an ended session is no longer served")
	for seq := uint64(6); seq <= 8; seq++ {
		_, err := f.srv.Kept(id, seq)
		require.Error(t, err, "no receipt signed for a refused request")
	}
}

// A restarted provider resumes from its kept receipts: it never answers a
// request twice, so it can never sign two receipts of one request.
func TestSessionRestartNeverAnswersARequestTwice(t *testing.T) {
	dir := t.TempDir()
	f := newServingFixture(t, dir, 50)
	c := f.client(t, 0)
	for i := 1; i <= 4; i++ {
		_, _, err := c.Infer(context.Background(), input(i))
		require.NoError(t, err)
	}
	require.NoError(t, f.store.Close())

	g := newServingFixture(t, dir, 50)
	require.Equal(t, http.StatusConflict, g.post(t, g.buyer, servingChain, 7, 4, input(40)).StatusCode, "request 4 again, with another input")
	c2 := g.client(t, 4)
	_, r, err := c2.Infer(context.Background(), input(5))
	require.NoError(t, err)
	require.Equal(t, uint64(5), r.Seq)
	k, err := g.srv.Kept(7, 4)
	require.NoError(t, err)
	held, _ := c.Served(4)
	require.Equal(t, held.Receipt, k.Receipt)

	// a client that lost the answer of its last request (5) goes on after
	// it; one that the provider says is further behind does not jump ahead
	// (it would sign for requests it never sent)
	c3 := g.client(t, 4)
	_, r, err = c3.Infer(context.Background(), input(6))
	require.NoError(t, err)
	require.Equal(t, uint64(6), r.Seq)
	c4 := g.client(t, 2)
	_, _, err = c4.Infer(context.Background(), input(7))
	require.ErrorIs(t, err, ErrNotNext)
	require.Equal(t, uint64(2), c4.Count())
}

// A checkpoint is due after CheckpointEvery requests, after the interval,
// or at the session's end; its message is the tree of the receipts the
// buyer holds, with the last voucher, and it is what x/dispute checks a
// receipt challenge against. A tree holding another receipt than the one
// served is found by the buyer's Check, and the challenge it builds is
// equivocation evidence the chain accepts.
func TestSessionCheckpointAndEquivocationCheck(t *testing.T) {
	f := newServingFixture(t, t.TempDir(), 100)
	c := f.client(t, 0)
	now := time.Now()
	_, _, ok := f.srv.Due(7, now, 5, time.Minute, 1000)
	require.False(t, ok, "nothing answered yet")
	for i := 1; i <= 6; i++ {
		_, _, err := c.Infer(context.Background(), input(i))
		require.NoError(t, err)
	}
	first, count, ok := f.srv.Due(7, now, 10, time.Minute, 4)
	require.False(t, ok || first != 0 || count != 0, "6 waiting of 10, not a minute yet")
	first, count, ok = f.srv.Due(7, now.Add(2*time.Minute), 10, time.Minute, 4)
	require.True(t, ok)
	require.Equal(t, [2]uint64{1, 4}, [2]uint64{first, count}, "at most max_items at once")
	_, _, again := f.srv.Due(7, now.Add(2*time.Minute), 1, time.Minute, 4)
	require.False(t, again, "one checkpoint of a session in flight at a time")
	msg, err := f.srv.CheckpointMsg("verdict1provider", 7, first, count, ReceiptsURI(f.http.URL, 7, first, count))
	require.NoError(t, err)
	f.srv.Checkpointed(7, count)
	held, _ := c.Served(4)
	require.Equal(t, uint64(4), msg.Count)
	require.Equal(t, held.Receipt.Input[:], msg.LastInput)
	require.Equal(t, held.Receipt.Voucher, msg.VoucherSignature)
	first, count, ok = f.srv.Due(7, now.Add(3*time.Minute), 1, time.Minute, 1000)
	require.True(t, ok)
	require.Equal(t, [2]uint64{5, 5}, [2]uint64{first, count}, "at most every requests at once")
	f.srv.Checkpointed(7, 4) // failed: stays due
	_, count, ok = f.srv.Due(7, now.Add(3*time.Minute), 10, time.Minute, 1000)
	require.True(t, ok)
	require.Equal(t, uint64(6), count)
	f.srv.Checkpointed(7, 4)

	job := jobstypes.Job{
		Id: 99, Items: 4, CircuitId: servingCircuit, InputUri: msg.ReceiptsUri,
		Result:     &jobstypes.Result{OutputCommitment: msg.ReceiptsRoot},
		Checkpoint: &jobstypes.SessionCheckpoint{SessionId: 7, First: 1, ProviderKey: f.session.ProviderKey, BuyerKey: f.session.BuyerKey, ChainId: servingChain},
	}
	eq, err := c.Check(context.Background(), job)
	require.NoError(t, err)
	require.Nil(t, eq, "an honest checkpoint holds the receipts served")

	// the provider's store now says request 3 had another answer (what a
	// provider that answers wrong and commits right would publish), and
	// the checkpoint is built on it
	k, err := f.srv.Kept(7, 3)
	require.NoError(t, err)
	r := k.Receipt
	r.Output[31] ^= 1
	r, err = serving.SignReceipt(servingKey("provider serving"), servingChain, r)
	require.NoError(t, err)
	k.Receipt = r
	require.NoError(t, f.store.PutRawSync([2][]byte{receiptKey(7, 3), k.encode()}))
	lying, err := f.srv.CheckpointMsg("verdict1provider", 7, 1, 4, msg.ReceiptsUri)
	require.NoError(t, err)
	job.Result.OutputCommitment = lying.ReceiptsRoot
	eq, err = c.Check(context.Background(), job)
	require.NoError(t, err)
	require.NotNil(t, eq)
	require.Equal(t, uint64(3), eq.Seq)
	ch := eq.Challenge("verdict1buyer", job.Id)
	require.NoError(t, ch.ValidateBasic())
	_, equivocation, err := disputetypes.CheckChallengeReceipt(job, ch)
	require.NoError(t, err)
	require.True(t, equivocation, "the chain slashes on it at once")

	// published receipts that are not the checkpoint's tree are reported
	job.Result.OutputCommitment = bytes.Repeat([]byte{1}, 32)
	_, err = c.Check(context.Background(), job)
	require.Error(t, err)
}

// The receipts a checkpoint publishes are read back exactly; a malformed
// read is an error, never a panic.
func TestParseReceipts(t *testing.T) {
	f := newServingFixture(t, t.TempDir(), 10)
	c := f.client(t, 0)
	for i := 1; i <= 3; i++ {
		_, _, err := c.Infer(context.Background(), input(i))
		require.NoError(t, err)
	}
	resp, err := http.Get(ReceiptsURI(f.http.URL, 7, 1, 3))
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(resp.Body)
	require.NoError(t, err)
	rs, err := ParseReceipts(7, buf.Bytes())
	require.NoError(t, err)
	require.Len(t, rs, 3)
	for i, r := range rs {
		held, _ := c.Served(uint64(i) + 1)
		require.Equal(t, held.Receipt, r)
	}
	_, err = ParseReceipts(7, buf.Bytes()[:100])
	require.Error(t, err)
	leaves := []batch.Hash{rs[0].Leaf(0)}
	_, err = batch.Root(batch.KindReceipt, leaves)
	require.NoError(t, err)
	for _, q := range []string{"first=0&count=1", "first=1&count=0", "first=1&count=100001", "first=x&count=1", "first=2&count=9"} {
		resp, err := http.Get(f.http.URL + "/v1/sessions/7/receipts?" + q)
		require.NoError(t, err)
		_ = resp.Body.Close()
		require.NotEqual(t, http.StatusOK, resp.StatusCode, q)
	}
}

// The buyer's receipts file reads back what was appended; a torn last
// record ends it; a malformed one is an error, never a panic. A client
// holding the file goes on after its last request, and Wrong finds an
// answer that is not the model's, with the challenge that carries its
// receipt and the right output.
func TestSessionReceiptsFileAndWrongAnswers(t *testing.T) {
	f := newServingFixture(t, t.TempDir(), 20)
	f.srv.Tamper = func(_, seq uint64, out []int8) []int8 {
		if seq == 3 {
			out = append([]int8(nil), out...)
			out[0]++
		}
		return out
	}
	c := f.client(t, 0)
	var file bytes.Buffer
	for i := 1; i <= 5; i++ {
		out, r, err := c.Infer(context.Background(), input(i))
		require.NoError(t, err)
		sr, ok := c.Served(r.Seq)
		require.True(t, ok)
		require.Equal(t, out, sr.Output)
		require.NotZero(t, sr.SentMs, "the buyer's own times are kept")
		require.GreaterOrEqual(t, sr.GotMs, sr.SentMs)
		require.NoError(t, AppendServed(&file, sr))
	}
	whole := file.Bytes()
	held, err := ReadServed(bytes.NewReader(whole), 7)
	require.NoError(t, err)
	require.Len(t, held, 5)
	for i, h := range held {
		got, _ := c.Served(uint64(i) + 1)
		require.Equal(t, got, h)
	}
	torn, err := ReadServed(bytes.NewReader(whole[:len(whole)-7]), 7)
	require.NoError(t, err)
	require.Len(t, torn, 4, "a torn last record ends the file")
	bad := append([]byte{}, whole...)
	bad[3] = 5 // a first record of 5 bytes
	_, err = ReadServed(bytes.NewReader(bad), 7)
	require.Error(t, err)

	c2 := f.client(t, 0)
	c2.Hold(held)
	require.Equal(t, uint64(5), c2.Count())
	_, r, err := c2.Infer(context.Background(), input(6))
	require.NoError(t, err)
	require.Equal(t, uint64(6), r.Seq)

	job := jobstypes.Job{Id: 12, Items: 5, Checkpoint: &jobstypes.SessionCheckpoint{SessionId: 7, First: 1}}
	wrong, err := c2.Wrong(job, f.model, "verdict1buyer")
	require.NoError(t, err)
	require.Len(t, wrong, 1)
	require.Equal(t, uint64(2), wrong[0].Item, "request 3")
	right, err := zkml.Infer(f.model, input(3))
	require.NoError(t, err)
	sc, _, _ := zkml.ParseCircuitID(servingCircuit)
	rc := sc.TensorCommitment(right)
	require.Equal(t, rc[:], wrong[0].CounterCommitment)
	require.NoError(t, wrong[0].ValidateBasic())
}

// Nothing a malformed receipts file holds makes ReadServed panic.
func FuzzReadServed(f *testing.F) {
	var b bytes.Buffer
	r := serving.Receipt{Seq: 1, Voucher: make([]byte, 64), Signature: make([]byte, 64)}
	_ = AppendServed(&b, ServedRequest{Receipt: r, Input: []int8{1, 2}, Output: []int8{3}})
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, bz []byte) {
		_, _ = ReadServed(bytes.NewReader(bz), 1)
		_, _ = ParseReceipts(1, bz)
	})
}

// A machine crash may lose receipts written but not synced; a session
// whose synced reservation runs past its kept receipts after such a crash
// (no clean stop, another boot) is a suspect: answered no more, its kept
// requests due for a checkpoint at once, then closed by the provider. An
// agent's own crash (same boot) or a clean stop loses nothing and makes no
// suspect.
func TestSessionCrashSafety(t *testing.T) {
	serve := func(f *servingFixture, from, to int) {
		c := f.client(t, uint64(from-1))
		for i := from; i <= to; i++ {
			_, _, err := c.Infer(context.Background(), input(i))
			require.NoError(t, err)
		}
	}
	// the agent crashes (no clean stop), the machine does not: trusted
	dir := t.TempDir()
	f := newServingFixture(t, dir, 100)
	serve(f, 1, 5)
	require.NoError(t, f.store.Close())
	f = newServingFixture(t, dir, 100)
	require.False(t, f.srv.Suspect(7))
	serve(f, 6, 8)

	// a clean stop, then a new boot: trusted
	require.NoError(t, f.srv.Close())
	_, _, err := f.srv.Answer(context.Background(), 7, 9, make([]byte, 64), input(9))
	require.ErrorIs(t, err, ErrSessionOver, "nothing is answered after the clean-stop mark")
	require.NoError(t, f.store.PutRawSync([2][]byte{[]byte(bootKey), []byte("an earlier boot")}))
	require.NoError(t, f.store.Close())
	f = newServingFixture(t, dir, 100)
	require.False(t, f.srv.Suspect(7))
	serve(f, 9, 10)

	// the machine crashes: requests 9 and 10 answered, their receipts lost
	require.NoError(t, f.store.PutRawSync(
		[2][]byte{servedKey(7), binary.BigEndian.AppendUint64(nil, 8)},
		[2][]byte{[]byte(bootKey), []byte("the boot before the crash")},
	))
	for _, seq := range []uint64{9, 10} {
		require.NoError(t, f.store.Delete(string(receiptKey(7, seq))))
	}
	require.NoError(t, f.store.Close())
	f = newServingFixture(t, dir, 100)
	require.True(t, f.srv.Suspect(7))
	require.Equal(t, http.StatusGone, f.post(t, f.buyer, servingChain, 7, 9, input(90)).StatusCode, "request 9 may have been answered: never again")
	first, count, ok := f.srv.Due(7, time.Now(), 1000, time.Hour, 1000)
	require.True(t, ok, "a suspect's kept requests are due at once")
	require.Equal(t, [2]uint64{1, 8}, [2]uint64{first, count})
	f.srv.Checkpointed(7, 8)
	require.Zero(t, f.srv.Waiting(7))
	require.NoError(t, f.srv.Forget(7))
	f.srv.End(7)
}

// An equivocating server (testing) answers the buyer wrong and keeps the
// model's output for its checkpoint: the buyer's Check finds it.
func TestSessionEquivocationTestingKnob(t *testing.T) {
	f := newServingFixture(t, t.TempDir(), 10)
	f.srv.Equivocate = func(_, seq uint64) bool { return seq == 2 }
	c := f.client(t, 0)
	for i := 1; i <= 3; i++ {
		_, _, err := c.Infer(context.Background(), input(i))
		require.NoError(t, err)
	}
	held, _ := c.Served(2)
	right, err := zkml.Infer(f.model, input(2))
	require.NoError(t, err)
	require.NotEqual(t, right, held.Output, "served wrong")
	k, err := f.srv.Kept(7, 2)
	require.NoError(t, err)
	require.Equal(t, right, k.Output, "kept right")
	msg, err := f.srv.CheckpointMsg("verdict1provider", 7, 1, 3, ReceiptsURI(f.http.URL, 7, 1, 3))
	require.NoError(t, err)
	job := jobstypes.Job{
		Id: 5, Items: 3, CircuitId: servingCircuit, InputUri: msg.ReceiptsUri,
		Result:     &jobstypes.Result{OutputCommitment: msg.ReceiptsRoot},
		Checkpoint: &jobstypes.SessionCheckpoint{SessionId: 7, First: 1, ProviderKey: f.session.ProviderKey, BuyerKey: f.session.BuyerKey, ChainId: servingChain},
	}
	eq, err := c.Check(context.Background(), job)
	require.NoError(t, err)
	require.NotNil(t, eq)
	require.Equal(t, uint64(2), eq.Seq)
}

// An idle session is stopped (and the provider then closes it, giving its
// capacity back) only when nothing it answered waits for a checkpoint: a
// request after the stop is refused, never answered unpaid; a failed close
// lets it answer again.
func TestSessionIdleStopped(t *testing.T) {
	f := newServingFixture(t, t.TempDir(), 100)
	id, idle := f.session.Id, 10*time.Minute
	require.False(t, f.srv.StopIdle(id, time.Now().Add(idle/2), idle), "not idle yet")

	c := f.client(t, 0)
	_, _, err := c.Infer(context.Background(), input(1))
	require.NoError(t, err)
	later := time.Now().Add(2 * idle)
	require.False(t, f.srv.StopIdle(id, later, idle), "request 1 waits for its checkpoint: closing now would give up its pay")
	first, count, ok := f.srv.Due(id, later, 1, time.Second, 1000)
	require.True(t, ok)
	require.Equal(t, [2]uint64{1, 1}, [2]uint64{first, count})
	f.srv.Checkpointed(id, 1)
	require.False(t, f.srv.StopIdle(id, time.Now(), idle), "answered a moment ago")
	require.True(t, f.srv.StopIdle(id, later, idle), "idle, nothing waiting")
	require.False(t, f.srv.StopIdle(id, later, idle), "stopped once")

	_, _, err = c.Infer(context.Background(), input(2))
	require.ErrorContains(t, err, "410 Gone", "a stopped session answers nothing: the provider is closing it")
	f.srv.Retry(id) // the close failed: the session is still open on chain
	_, _, err = f.client(t, 1).Infer(context.Background(), input(2))
	require.NoError(t, err)
	require.False(t, f.srv.StopIdle(id, time.Now(), 0), "--session-idle 0: never")
}

// The buyer sets the latency it saw against the service times the
// provider's receipts claim: a provider 40 ms slow is seen 40 ms slow by
// both; receipts whose times cannot be true beside the buyer's clock are
// counted. Records written before the buyer's times were kept still read.
func TestSessionTiming(t *testing.T) {
	f := newServingFixture(t, t.TempDir(), 20)
	f.srv.Delay = 40 * time.Millisecond
	c := f.client(t, 0)
	for i := 1; i <= 5; i++ {
		_, _, err := c.Infer(context.Background(), input(i))
		require.NoError(t, err)
	}
	job := jobstypes.Job{Id: 12, Items: 5, Checkpoint: &jobstypes.SessionCheckpoint{SessionId: 7, First: 1}}
	tm := c.Timing(job)
	require.NotNil(t, tm)
	require.Equal(t, 5, tm.Requests)
	require.GreaterOrEqual(t, tm.BuyerP99Ms, uint32(40))
	require.GreaterOrEqual(t, tm.ClaimedP99Ms, uint32(40), "the receipts' own times show the delay")
	require.Zero(t, tm.Inconsistent)
	require.GreaterOrEqual(t, tm.Metrics.LatencyP99Ms, uint32(40))

	// a provider whose receipt says it answered 5 s after the buyer had the answer, or took longer than the round trip
	lie, _ := c.Served(2)
	lie.Receipt.AnsweredMs = lie.GotMs + 5_000
	worse, _ := c.Served(4)
	worse.Receipt.ReceivedMs = worse.SentMs - 10_000
	c.Hold([]ServedRequest{lie, worse})
	tm = c.Timing(job)
	require.Equal(t, 2, tm.Inconsistent)
	require.Equal(t, uint64(2), tm.FirstInconsistent)

	// an old record (no times): read, and left out of the timing
	var old bytes.Buffer
	sr, _ := c.Served(1)
	require.NoError(t, AppendServed(&old, sr))
	bz := old.Bytes()
	bz = bz[:len(bz)-16]
	binary.BigEndian.PutUint32(bz, uint32(len(bz)-4))
	held, err := ReadServed(bytes.NewReader(bz), 7)
	require.NoError(t, err)
	require.Len(t, held, 1)
	require.Zero(t, held[0].SentMs)
	c2 := f.client(t, 0)
	c2.Hold(held)
	require.Nil(t, c2.Timing(job), "nothing held with the buyer's times")
}
