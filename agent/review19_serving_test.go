package agent

// Attacker review 19: serving sessions through the provider agent and the
// buyer's client. Tests named TestReview19* that FAIL on the current code
// show a real problem (each asserts the correct behaviour); the ones marked
// "passing check" are attacks refused as they should be.
//
// All six findings are fixed: a checkpoint's receipts are synced before it
// leaves (CheckpointMsg); a landed checkpoint raises what was served
// (Checkpointed); the client follows a 409 at most one request ahead of
// what it sent; Check reports a published leaf without the buyer's voucher
// of its request (Unprovable); refused session lookups are remembered for
// 30 s; the read of a receipts_uri is bounded (PublishedTimeout).

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/x/jobs/batch"
	"github.com/verdict-chain/verdict/x/jobs/serving"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

// crashDB is a store that models a machine crash the way goleveldb on a
// real disk behaves: a write without sync lands in the OS's cache (visible
// to reads, lost in a machine crash); a synced write makes it and every
// earlier write durable (the journal is synced up to there).
type crashDB struct {
	dbm.DB  // what the running process sees
	durable *dbm.MemDB
	mu      sync.Mutex
	pending []crashOp
}

type crashOp struct {
	key, value []byte
	del        bool
}

func newCrashDB() *crashDB { return &crashDB{DB: dbm.NewMemDB(), durable: dbm.NewMemDB()} }

func (c *crashDB) log(ops []crashOp, sync bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, o := range ops {
		var err error
		if o.del {
			err = c.DB.Delete(o.key)
		} else {
			err = c.DB.Set(o.key, o.value)
		}
		if err != nil {
			return err
		}
	}
	c.pending = append(c.pending, ops...)
	if !sync {
		return nil
	}
	for _, o := range c.pending {
		if o.del {
			_ = c.durable.Delete(o.key)
		} else {
			_ = c.durable.Set(o.key, o.value)
		}
	}
	c.pending = nil
	return nil
}

func cp(b []byte) []byte { return append([]byte(nil), b...) }

func (c *crashDB) Set(k, v []byte) error { return c.log([]crashOp{{key: cp(k), value: cp(v)}}, false) }

func (c *crashDB) SetSync(k, v []byte) error {
	return c.log([]crashOp{{key: cp(k), value: cp(v)}}, true)
}

func (c *crashDB) Delete(k []byte) error { return c.log([]crashOp{{key: cp(k), del: true}}, false) }

func (c *crashDB) DeleteSync(k []byte) error { return c.log([]crashOp{{key: cp(k), del: true}}, true) }
func (c *crashDB) NewBatch() dbm.Batch       { return &crashBatch{db: c} }
func (c *crashDB) NewBatchWithSize(int) dbm.Batch {
	return &crashBatch{db: c}
}
func (c *crashDB) Close() error { return nil }

// crash is the store as the machine finds it after a reboot.
func (c *crashDB) crash(t *testing.T) *crashDB {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	n := newCrashDB()
	it, err := c.durable.Iterator(nil, nil)
	require.NoError(t, err)
	defer func() { _ = it.Close() }()
	for ; it.Valid(); it.Next() {
		require.NoError(t, n.DB.Set(cp(it.Key()), cp(it.Value())))
		require.NoError(t, n.durable.Set(cp(it.Key()), cp(it.Value())))
	}
	return n
}

type crashBatch struct {
	db  *crashDB
	ops []crashOp
}

func (b *crashBatch) Set(k, v []byte) error {
	b.ops = append(b.ops, crashOp{key: cp(k), value: cp(v)})
	return nil
}

func (b *crashBatch) Delete(k []byte) error {
	b.ops = append(b.ops, crashOp{key: cp(k), del: true})
	return nil
}
func (b *crashBatch) Write() error              { return b.db.log(b.ops, false) }
func (b *crashBatch) WriteSync() error          { return b.db.log(b.ops, true) }
func (b *crashBatch) Close() error              { return nil }
func (b *crashBatch) GetByteSize() (int, error) { return 0, nil }

// crashServer is the serving half over a crashDB, session 7 (as in
// newServingFixture) loaded with checkpointed requests already on chain.
func crashServer(t *testing.T, db *crashDB, maxRequests, checkpointed uint64) (*Server, jobstypes.Session, *zkml.Model, ed25519.PrivateKey) {
	t.Helper()
	_, shape, err := zkml.ParseCircuitID(servingCircuit)
	require.NoError(t, err)
	m, err := zkml.ExampleModel(shape, "serving")
	require.NoError(t, err)
	provKey, buyer := servingKey("provider serving"), servingKey("buyer session")
	s := jobstypes.Session{
		Id: 7, ChainId: servingChain, CircuitId: servingCircuit, MaxRequests: maxRequests, Checkpointed: checkpointed,
		BuyerKey: buyer.Public().(ed25519.PublicKey), ProviderKey: provKey.Public().(ed25519.PublicKey),
		Status: jobstypes.SessionStatus_SESSION_STATUS_OPEN,
	}
	srv, err := NewServer(provKey, &Store{db: db}, NewMetrics("test"))
	require.NoError(t, err)
	_, err = srv.Add(&ServedSession{Session: s, Model: m, Until: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	return srv, s, m, buyer
}

func answer(t *testing.T, srv *Server, buyer ed25519.PrivateKey, count uint64, in []int8) serving.Receipt {
	t.Helper()
	v, err := serving.SignVoucher(buyer, servingChain, serving.Voucher{Session: 7, Count: count, Input: serving.Digest(zkml.Raw(in))})
	require.NoError(t, err)
	_, r, err := srv.Answer(context.Background(), 7, count, v.Signature, in)
	require.NoError(t, err)
	return r
}

// FINDING (honest provider slashed after a machine crash). A checkpoint is
// built from receipts written without sync (PutRaw) and sent to the chain
// as they are: nothing syncs them first (the only syncs are the
// reservation, once per 4096 requests, and the clean-stop mark). Once the
// checkpoint lands, the chain holds the provider to a tree whose receipts
// are still only in the OS's cache; a machine crash then loses them, and
// with them every proof of that checkpoint (proveReceipt needs the kept
// receipts and tensors to rebuild the root and prove an item): the first
// audit or challenge of it slashes the honest provider fraud_slash_multiple
// × the checkpoint's payment, and its receipts_uri serves nothing.
// Correct: what a checkpoint commits to is on disk before it is sent
// (sync the store in CheckpointMsg, or before the provider sends it).
func TestReview19CheckpointedReceiptsSurviveAMachineCrash(t *testing.T) {
	db := newCrashDB()
	srv, _, _, buyer := crashServer(t, db, 100, 0)
	for i := 1; i <= 10; i++ {
		answer(t, srv, buyer, uint64(i), input(i))
	}
	first, count, ok := srv.Due(7, time.Now().Add(time.Hour), 10, time.Minute, 1000)
	require.True(t, ok)
	msg, err := srv.CheckpointMsg("verdict1provider", 7, first, count, "https://gpu.example/receipts")
	require.NoError(t, err)
	srv.Checkpointed(7, count) // sent and landed: the chain pays for 1..10 and holds the provider to msg.ReceiptsRoot

	// the machine loses power; after the reboot the agent must still be
	// able to answer a dispute of any of the ten requests
	after := db.crash(t)
	srv2, _, _, _ := crashServer(t, after, 100, 10)
	leaves, kept, err := srv2.Leaves(7, 1, 10)
	require.NoError(t, err, "a checkpoint on chain whose receipts a crash lost can never be proven: the honest provider is slashed at the first audit")
	root, err := batch.Root(batch.KindReceipt, leaves)
	require.NoError(t, err)
	require.Equal(t, msg.ReceiptsRoot, root[:])
	require.Len(t, kept, 10)
}

// FINDING (follow-on of the above; low). A suspect session whose last
// checkpoint (sent before the crash) covers requests the crash lost: the
// chain's count is taken as checkpointed (checkpointSessions: "a checkpoint
// sent before a restart landed") while served stays at the kept receipts,
// so Waiting = served − checkpointed wraps around. closeSuspect waits for
// Waiting == 0 and never runs: the suspect is never closed, and Due keeps
// building checkpoints from request checkpointed+1 that do not exist, a
// failed checkpoint and a chain query every second until the session ends.
func TestReview19SuspectWithALandedCheckpointIsClosed(t *testing.T) {
	dir := t.TempDir()
	f := newServingFixture(t, dir, 100)
	c := f.client(t, 0)
	for i := 1; i <= 10; i++ {
		_, _, err := c.Infer(context.Background(), input(i))
		require.NoError(t, err)
	}
	// checkpoint 1..10 is sent; the machine crashes before it lands and
	// before requests 6..10's receipts reached the disk
	require.NoError(t, f.store.PutRawSync(
		[2][]byte{servedKey(7), {0, 0, 0, 0, 0, 0, 0, 5}},
		[2][]byte{[]byte(bootKey), []byte("the boot before the crash")},
	))
	for seq := uint64(6); seq <= 10; seq++ {
		require.NoError(t, f.store.Delete(string(receiptKey(7, seq))))
	}
	require.NoError(t, f.store.Close())
	f = newServingFixture(t, dir, 100)
	require.True(t, f.srv.Suspect(7))
	first, count, ok := f.srv.Due(7, time.Now(), 1000, time.Hour, 1000)
	require.True(t, ok)
	require.Equal(t, [2]uint64{1, 5}, [2]uint64{first, count})
	// checkpointSessions: the chain says 10 are checkpointed (the
	// checkpoint sent before the crash landed): done = 10
	f.srv.Checkpointed(7, 10)
	require.Zero(t, f.srv.Waiting(7), "nothing is left to checkpoint: closeSuspect must run (Waiting wrapped around: %d)", f.srv.Waiting(7))
	_, _, ok = f.srv.Due(7, time.Now(), 1000, time.Hour, 1000)
	require.False(t, ok, "no checkpoint of requests the agent never kept")
}

// fakeProvider is a hostile provider endpoint that refuses the buyer's
// request with 409 and a served count of its choosing, and records the
// counts the buyer signs vouchers for.
func fakeProvider(t *testing.T, served uint64) (*httptest.Server, *[]uint64) {
	t.Helper()
	var mu sync.Mutex
	counts := []uint64{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.ParseUint(r.Header.Get(hdrCount), 10, 64)
		mu.Lock()
		counts = append(counts, n)
		first := len(counts) == 1
		mu.Unlock()
		if first {
			w.Header().Set(hdrServed, strconv.FormatUint(served, 10))
			http.Error(w, "not the next request", http.StatusConflict)
			return
		}
		http.Error(w, "busy", http.StatusServiceUnavailable) // keeps the voucher, answers nothing
	}))
	t.Cleanup(hs.Close)
	return hs, &counts
}

// FINDING (buyer pays for requests it never sent; medium). On a 409 the
// client believes the provider's X-Verdict-Served and signs the next
// voucher after it, whatever it says (anything below max_requests). A
// voucher of count n is the buyer's consent to pay for n requests
// (x/jobs Checkpoint pays count − checkpointed requests on it): a hostile
// provider answers the buyer's 6th request "409, served 99" and receives a
// voucher of count 100; it checkpoints 100 requests on it (receipts of 7..99
// it made up) and is paid for 94 requests never sent, unless an audit or a
// challenge happens to draw one of them — and the buyer's own Check and
// Wrong look only at the requests it holds (see the next test). A client
// that signed count c itself can only be behind the provider by the one
// request whose answer it lost: correct is to refuse a served count beyond
// c+1 (the request in flight), never to sign further.
func TestReview19ClientNeverSignsBeyondWhatItSent(t *testing.T) {
	f := newServingFixture(t, t.TempDir(), 100)
	hs, counts := fakeProvider(t, 99)
	c, err := NewSessionClient(f.session, hs.URL, f.buyer, 5) // five requests sent and answered
	require.NoError(t, err)
	_, _, err = c.Infer(context.Background(), input(6))
	require.Error(t, err)
	for _, n := range *counts {
		require.LessOrEqual(t, n, uint64(7), "the client signed a voucher of %d requests after sending 6 (counts signed: %v)", n, *counts)
	}
	require.LessOrEqual(t, c.Count(), uint64(7))
}

// FINDING (the buyer's check passes a checkpoint of requests it never
// sent; medium). Check verifies the published receipts build the root and
// compares only the requests the buyer holds; Wrong re-runs only those. A
// checkpoint whose receipts carry no voucher of the buyer's (requests the
// buyer never sent, the provider's invention: it holds one real voucher of
// the last count, e.g. from the 409 above) is reported clean, so `verdictd
// session check --challenge` challenges nothing, although any such item is
// a challenge the provider cannot answer (x/dispute checkReceipt verifies
// the receipt's voucher) and the buyer would be refunded the whole
// checkpoint. Correct: Check verifies every published receipt's voucher
// (and signature) and reports a request held by no voucher of the buyer.
func TestReview19CheckFlagsReceiptsOfRequestsNeverSent(t *testing.T) {
	f := newServingFixture(t, t.TempDir(), 100)
	c := f.client(t, 0)
	for i := 1; i <= 2; i++ {
		_, _, err := c.Infer(context.Background(), input(i))
		require.NoError(t, err)
	}
	// the provider's published tree: requests 1, 2 as served, 3 and 4 made
	// up (no voucher of the buyer), 5 a real voucher the buyer was tricked
	// into (it gets no answer, the client never holds it)
	provKey := servingKey("provider serving")
	var receipts []serving.Receipt
	for seq := uint64(1); seq <= 2; seq++ {
		held, _ := c.Served(seq)
		receipts = append(receipts, held.Receipt)
	}
	for seq := uint64(3); seq <= 5; seq++ {
		in := input(int(seq))
		out, err := zkml.Infer(f.model, in)
		require.NoError(t, err)
		voucher := make([]byte, 64) // no voucher the buyer signed
		if seq == 5 {
			v, err := serving.SignVoucher(f.buyer, servingChain, serving.Voucher{Session: 7, Count: 5, Input: serving.Digest(zkml.Raw(in))})
			require.NoError(t, err)
			voucher = v.Signature
		}
		r, err := serving.SignReceipt(provKey, servingChain, serving.Receipt{Session: 7, Seq: seq, Input: serving.Digest(zkml.Raw(in)), Output: serving.Digest(zkml.Raw(out)), Voucher: voucher})
		require.NoError(t, err)
		receipts = append(receipts, r)
	}
	leaves := make([]batch.Hash, len(receipts))
	var body bytes.Buffer
	for i, r := range receipts {
		leaves[i] = r.Leaf(uint64(i))
		body.Write(r.Body())
		body.Write(r.Signature)
	}
	root, err := batch.Root(batch.KindReceipt, leaves)
	require.NoError(t, err)
	pub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(body.Bytes()) }))
	t.Cleanup(pub.Close)
	job := jobstypes.Job{
		Id: 41, Items: 5, CircuitId: servingCircuit, InputUri: pub.URL,
		Result:     &jobstypes.Result{OutputCommitment: root[:]},
		Checkpoint: &jobstypes.SessionCheckpoint{SessionId: 7, First: 1, ProviderKey: f.session.ProviderKey, BuyerKey: f.session.BuyerKey, ChainId: servingChain},
	}
	eq, err := c.Check(context.Background(), job)
	require.False(t, err == nil && eq == nil, "a checkpoint of requests 3 and 4, which the buyer never sent (their receipts carry no voucher of its key), is reported clean")
	wrong, err := c.Wrong(job, f.model, "verdict1buyer")
	require.NoError(t, err)
	require.Empty(t, wrong, "(the answers held are right)")
}

// FINDING (DoS, low). A request for a session the server does not know
// goes to Lookup — a chain query, and for a session of this provider a
// model fetch — before its voucher is checked, and a refusal is not
// remembered: anyone can make the agent query its node once per request
// with any session id (closed, another provider's, nonexistent), without
// a key. Correct: a refused lookup is remembered for a while (or requests
// are admitted only for sessions loaded from the chain's events).
func TestReview19UnknownSessionLookupsAreBounded(t *testing.T) {
	f := newServingFixture(t, t.TempDir(), 10)
	var lookups atomic.Int64
	f.srv.Lookup = func(context.Context, uint64) (*ServedSession, error) {
		lookups.Add(1)
		return nil, ErrUnknownSess
	}
	stranger := servingKey("nobody")
	for range 50 {
		resp := f.post(t, stranger, servingChain, 999, 1, input(1))
		require.Equal(t, http.StatusNotFound, resp.StatusCode)
	}
	require.LessOrEqual(t, lookups.Load(), int64(5), "50 unauthenticated requests of one unknown session made %d chain lookups", lookups.Load())
}

// Passing check: two requests of the same count at once (a hostile buyer
// racing itself, same or different inputs) get one answer and one receipt;
// the other is refused 409, never a second receipt of the request.
func TestReview19ConcurrentSameCountAnsweredOnce(t *testing.T) {
	f := newServingFixture(t, t.TempDir(), 100)
	const racers = 16
	var wg sync.WaitGroup
	codes := make([]int, racers)
	receipts := make([]string, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := input(1 + i%2) // two inputs
			v, err := serving.SignVoucher(f.buyer, servingChain, serving.Voucher{Session: 7, Count: 1, Input: serving.Digest(zkml.Raw(in))})
			if err != nil {
				return
			}
			body, _ := zkml.MarshalTensor(in)
			req, _ := http.NewRequest(http.MethodPost, f.http.URL+"/v1/sessions/7/infer", bytes.NewReader(body))
			req.Header.Set(hdrCount, "1")
			req.Header.Set(hdrVoucher, base64.StdEncoding.EncodeToString(v.Signature))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			_ = resp.Body.Close()
			codes[i] = resp.StatusCode
			receipts[i] = resp.Header.Get(hdrReceipt)
		}()
	}
	wg.Wait()
	ok := 0
	for i, code := range codes {
		if code == http.StatusOK {
			ok++
			require.NotEmpty(t, receipts[i])
		} else {
			require.Equal(t, http.StatusConflict, code)
		}
	}
	require.Equal(t, 1, ok, "one answer of request 1")
}

// Passing check: malformed requests (counts, vouchers, session ids,
// receipts queries that overflow) are refused without a panic or a receipt.
func TestReview19MalformedRequestsRefused(t *testing.T) {
	f := newServingFixture(t, t.TempDir(), 10)
	body, _ := zkml.MarshalTensor(input(1))
	for _, tc := range []struct{ path, count, voucher string }{
		{"/v1/sessions/7/infer", "18446744073709551615", base64.StdEncoding.EncodeToString(make([]byte, 64))},
		{"/v1/sessions/7/infer", "0", base64.StdEncoding.EncodeToString(make([]byte, 64))},
		{"/v1/sessions/7/infer", "-1", base64.StdEncoding.EncodeToString(make([]byte, 64))},
		{"/v1/sessions/7/infer", "1", base64.StdEncoding.EncodeToString(make([]byte, 63))},
		{"/v1/sessions/18446744073709551616/infer", "1", base64.StdEncoding.EncodeToString(make([]byte, 64))},
	} {
		req, _ := http.NewRequest(http.MethodPost, f.http.URL+tc.path, bytes.NewReader(body))
		req.Header.Set(hdrCount, tc.count)
		req.Header.Set(hdrVoucher, tc.voucher)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		require.NotEqual(t, http.StatusOK, resp.StatusCode, tc)
	}
	c := f.client(t, 0)
	_, _, err := c.Infer(context.Background(), input(1))
	require.NoError(t, err)
	for _, q := range []string{"first=18446744073709551615&count=2", "first=1&count=1048577"} {
		resp, err := http.Get(f.http.URL + "/v1/sessions/7/receipts?" + q)
		require.NoError(t, err)
		_ = resp.Body.Close()
		require.NotEqual(t, http.StatusOK, resp.StatusCode, q)
	}
}

// FINDING (a wrong answer goes unchallenged; medium). Check reads the
// checkpoint's receipts from its receipts_uri — a URL the provider chose —
// with the client's http.Client, http.DefaultClient (no timeout), under the
// caller's context (`verdictd session check` passes cmd.Context(), no
// deadline). A provider that answers wrong and never finishes answering
// its receipts_uri stalls the check before Wrong runs, and every later
// checkpoint with it, until the challenge windows close: the wrong answers
// are paid. Correct: the read is bounded in time (and a failed read does
// not keep Wrong from running, which it already does not).
func TestReview19CheckIsNotStalledByTheReceiptsURI(t *testing.T) {
	f := newServingFixture(t, t.TempDir(), 10)
	c := f.client(t, 0)
	_, _, err := c.Infer(context.Background(), input(1))
	require.NoError(t, err)
	stop := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select { // a byte now and then: never done
		case <-stop:
		case <-time.After(5 * time.Minute):
		}
	}))
	t.Cleanup(func() { close(stop); hang.Close() })
	job := jobstypes.Job{
		Id: 3, Items: 1, CircuitId: servingCircuit, InputUri: hang.URL,
		Result:     &jobstypes.Result{OutputCommitment: make([]byte, 32)},
		Checkpoint: &jobstypes.SessionCheckpoint{SessionId: 7, First: 1, ProviderKey: f.session.ProviderKey, BuyerKey: f.session.BuyerKey, ChainId: servingChain},
	}
	c.PublishedTimeout = 2 * time.Second // 30 s by default
	done := make(chan error, 1)
	go func() { _, err := c.Check(context.Background(), job); done <- err }()
	select {
	case err := <-done:
		require.Error(t, err)
	case <-time.After(60 * time.Second):
		t.Fatal("Check is still reading the provider's receipts_uri after a minute: `session check` never reaches Wrong")
	}
}
