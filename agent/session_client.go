package agent

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/jobs/batch"
	"github.com/verdict-chain/verdict/x/jobs/serving"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	slatypes "github.com/verdict-chain/verdict/x/slashing-sla/types"
	"github.com/verdict-chain/verdict/zkml"
)

// SessionClient is the buyer's half of a serving session: it signs a
// voucher for each request, sends it to the provider's endpoint, and
// accepts an answer only with a receipt that the session's provider key
// signed, for this request, this input and this very output. It keeps
// every receipt (and the request's input and output), which is what a
// challenge needs: Receipts, and Check against a checkpoint's published
// receipts.
type SessionClient struct {
	Session jobstypes.Session
	// Endpoint: the provider's base URL (its registered endpoint).
	Endpoint string
	Key      ed25519.PrivateKey
	HTTP     *http.Client
	// PublishedTimeout bounds the read of a checkpoint's published
	// receipts: a provider that stalls it must not hold a check past the
	// challenge window (30 s by default).
	PublishedTimeout time.Duration
	scheme           zkml.Scheme

	mu       sync.Mutex
	count    uint64 // vouchers signed so far
	receipts map[uint64]ServedRequest
}

// ServedRequest is one answered request as the buyer holds it.
type ServedRequest struct {
	Receipt serving.Receipt
	Input   []int8
	Output  []int8
	// SentMs, GotMs: when the buyer sent the request and had its answer
	// (unix ms, the buyer's clock; 0 in files written before they were
	// kept): its own latency, to set against the receipt's times.
	SentMs, GotMs uint64
}

// ErrBadReceipt: an answer without a receipt the buyer can hold the
// provider to.
var ErrBadReceipt = errors.New("session: answer without a valid receipt")

// NewSessionClient is a client of session s (as the chain has it) at the
// provider's endpoint, signing with key (whose public half is the session's
// buyer key), continuing after count requests already sent.
func NewSessionClient(s jobstypes.Session, endpoint string, key ed25519.PrivateKey, count uint64) (*SessionClient, error) {
	if !bytes.Equal(key.Public().(ed25519.PublicKey), s.BuyerKey) {
		return nil, fmt.Errorf("session %d: the key is not its buyer key %x", s.Id, s.BuyerKey)
	}
	if err := serving.CheckKey(s.ProviderKey); err != nil {
		return nil, err
	}
	return &SessionClient{
		Session: s, Endpoint: strings.TrimRight(endpoint, "/"), Key: key, HTTP: http.DefaultClient, PublishedTimeout: 30 * time.Second,
		scheme: SchemeOf(jobstypes.Job{CircuitId: s.CircuitId}), count: count, receipts: map[uint64]ServedRequest{},
	}, nil
}

// Count is the number of requests the buyer signed vouchers for.
func (c *SessionClient) Count() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count
}

// Infer sends one request and returns the provider's answer once its
// receipt checks out. Requests of one session go one at a time.
func (c *SessionClient) Infer(ctx context.Context, in []int8) ([]int8, serving.Receipt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out, r, served, err := c.send(ctx, c.count+1, in)
	if errors.Is(err, ErrNotNext) && served >= c.count && served <= c.count+1 && served < c.Session.MaxRequests {
		// the provider answered the request the buyer never saw the answer
		// of (a lost response, a client restarted before it kept it): go
		// on after it. Never further: a voucher of count n is consent to
		// pay for n requests, and a provider that says it served more
		// than the buyer sent gets no voucher for them
		c.count = served
		out, r, _, err = c.send(ctx, c.count+1, in)
	}
	return out, r, err
}

func (c *SessionClient) send(ctx context.Context, count uint64, in []int8) ([]int8, serving.Receipt, uint64, error) {
	commit := serving.Digest(zkml.Raw(in))
	v, err := serving.SignVoucher(c.Key, c.Session.ChainId, serving.Voucher{Session: c.Session.Id, Count: count, Input: commit})
	if err != nil {
		return nil, serving.Receipt{}, 0, err
	}
	body, err := zkml.MarshalTensor(in)
	if err != nil {
		return nil, serving.Receipt{}, 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("%s%s%d/infer", c.Endpoint, sessionsPath, c.Session.Id), bytes.NewReader(body))
	if err != nil {
		return nil, serving.Receipt{}, 0, err
	}
	req.Header.Set(hdrCount, strconv.FormatUint(count, 10))
	req.Header.Set(hdrVoucher, b64(v.Signature))
	req.Header.Set("Content-Type", "application/octet-stream")
	c.count = count // signed: the provider may hold it now
	sent := time.Now()
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, serving.Receipt{}, 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	bz, err := io.ReadAll(io.LimitReader(resp.Body, maxInferBody+1))
	if err != nil {
		return nil, serving.Receipt{}, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		msg := fmt.Errorf("provider refused request %d of session %d (%s): %s", count, c.Session.Id, resp.Status, strings.TrimSpace(string(bz)))
		if resp.StatusCode == http.StatusConflict {
			served, _ := strconv.ParseUint(resp.Header.Get(hdrServed), 10, 64)
			c.count = count - 1 // never received: the next request is count again
			return nil, serving.Receipt{}, served, errors.Join(ErrNotNext, msg)
		}
		return nil, serving.Receipt{}, 0, msg
	}
	out, err := zkml.UnmarshalTensor(bz)
	if err != nil {
		return nil, serving.Receipt{}, 0, fmt.Errorf("%w: the answer: %v", ErrBadReceipt, err)
	}
	r, err := c.checkReceipt(resp.Header, count, commit, out, v.Signature)
	if err != nil {
		return nil, r, 0, err
	}
	c.receipts[count] = ServedRequest{
		Receipt: r, Input: append([]int8(nil), in...), Output: out,
		SentMs: uint64(sent.UnixMilli()), GotMs: uint64(time.Now().UnixMilli()), //nolint:gosec // after 1970
	}
	return out, r, count, nil
}

func (c *SessionClient) checkReceipt(h http.Header, count uint64, in serving.Commitment, out []int8, voucher []byte) (serving.Receipt, error) {
	body, err1 := base64.StdEncoding.DecodeString(h.Get(hdrReceipt))
	sig, err2 := base64.StdEncoding.DecodeString(h.Get(hdrReceiptSig))
	if err := errors.Join(err1, err2); err != nil {
		return serving.Receipt{}, fmt.Errorf("%w: %v", ErrBadReceipt, err)
	}
	r, err := serving.ParseBody(body)
	if err != nil {
		return r, fmt.Errorf("%w: %v", ErrBadReceipt, err)
	}
	r.Session, r.Signature = c.Session.Id, sig
	switch {
	case r.Seq != count:
		return r, fmt.Errorf("%w: a receipt of request %d for request %d", ErrBadReceipt, r.Seq, count)
	case r.Input != in:
		return r, fmt.Errorf("%w: the receipt names another input", ErrBadReceipt)
	case r.Output != serving.Digest(zkml.Raw(out)):
		return r, fmt.Errorf("%w: the receipt names another output than the one sent", ErrBadReceipt)
	case !bytes.Equal(r.Voucher, voucher):
		return r, fmt.Errorf("%w: the receipt carries another voucher", ErrBadReceipt)
	}
	if err := serving.VerifyReceipt(c.Session.ProviderKey, c.Session.ChainId, r); err != nil {
		return r, fmt.Errorf("%w: %v", ErrBadReceipt, err)
	}
	return r, nil
}

// Served is request seq as answered, if the buyer holds its receipt.
func (c *SessionClient) Served(seq uint64) (ServedRequest, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.receipts[seq]
	return r, ok
}

// Finding is a request of a checkpoint the provider cannot defend, with
// what a challenge needs: Equivocation (its leaf answers the buyer's input
// with another output than the buyer was served: Held and the leaf with
// its path slash at once) or Unprovable (its leaf carries no voucher of
// the buyer's for that request, or is of another request: no proof of it
// can verify, so a challenge of the item wins at the proof deadline).
type Finding struct {
	Kind string
	Seq  uint64
	Item uint64
	Held serving.Receipt
	Leaf []byte
	Path [][]byte
}

// Finding kinds.
const (
	Equivocation = "equivocation"
	Unprovable   = "unprovable"
)

// Challenge is the challenge that wins on it.
func (f Finding) Challenge(challenger string, jobID uint64) *disputetypes.MsgChallenge {
	m := &disputetypes.MsgChallenge{Challenger: challenger, JobId: jobID, Item: f.Item}
	if f.Kind == Equivocation {
		m.Receipt, m.ReceiptSignature, m.Leaf, m.LeafPath = f.Held.Body(), f.Held.Signature, f.Leaf, f.Path
	}
	return m
}

// published fetches checkpoint job j's receipts from its receipts_uri and
// checks that they build the job's root.
func (c *SessionClient) published(ctx context.Context, j jobstypes.Job) ([]serving.Receipt, []batch.Hash, error) {
	if j.Checkpoint == nil || j.Result == nil || j.Checkpoint.SessionId != c.Session.Id {
		return nil, nil, fmt.Errorf("job %d is not a checkpoint of session %d", j.Id, c.Session.Id)
	}
	ctx, cancel := context.WithTimeout(ctx, c.PublishedTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.InputUri, nil)
	if err != nil {
		return nil, nil, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	bz, err := io.ReadAll(io.LimitReader(resp.Body, int64(j.Items)*ReceiptRecordLen+1)) //nolint:gosec // items ≤ max_items
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("checkpoint job %d's receipts: %s", j.Id, resp.Status)
	}
	published, err := ParseReceipts(c.Session.Id, bz)
	if err != nil {
		return nil, nil, err
	}
	if uint64(len(published)) != j.Items {
		return nil, nil, fmt.Errorf("checkpoint job %d: %d receipts published for %d requests", j.Id, len(published), j.Items)
	}
	leaves := make([]batch.Hash, len(published))
	for i, r := range published {
		leaves[i] = r.Leaf(uint64(i))
	}
	root, err := batch.Root(batch.KindReceipt, leaves)
	if err != nil {
		return nil, nil, err
	}
	if !bytes.Equal(root[:], j.Result.OutputCommitment) {
		return nil, nil, fmt.Errorf("checkpoint job %d: the published receipts are not its tree (challenge the requests you hold receipts of)", j.Id)
	}
	return published, leaves, nil
}

// Check compares checkpoint job j's published receipts (fetched from its
// receipts_uri, bounded in time: they must build the job's root) with what
// the buyer sent and holds, and returns the first request the provider
// cannot defend, if any: a leaf without the buyer's voucher of its request
// (a request the buyer never sent, or never sent that input), or a leaf
// answering a held request's input with another output than the one served.
func (c *SessionClient) Check(ctx context.Context, j jobstypes.Job) (*Finding, error) {
	published, leaves, err := c.published(ctx, j)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, r := range published {
		seq := j.Checkpoint.First + uint64(i)
		f := &Finding{Seq: seq, Item: uint64(i), Leaf: r.Body()}
		if r.Seq != seq || serving.VerifyVoucher(c.Session.BuyerKey, c.Session.ChainId, r.VoucherOf()) != nil {
			f.Kind = Unprovable
		} else if held, ok := c.receipts[seq]; ok && disputetypes.Contradicts(held.Receipt, r) {
			f.Kind, f.Held = Equivocation, held.Receipt
		} else {
			continue
		}
		p, err := batch.Path(leaves, uint64(i))
		if err != nil {
			return nil, err
		}
		f.Path = batch.PathBytes(p)
		return f, nil
	}
	return nil, nil
}

// CounterEvidence is the evidence of a counter proof of item of checkpoint
// job j, from the request the buyer holds and the checkpoint's published
// receipts (the path); the proof itself is the caller's.
func (c *SessionClient) CounterEvidence(ctx context.Context, j jobstypes.Job, item uint64, submitter string, proof []byte) (*disputetypes.MsgSubmitProof, error) {
	published, leaves, err := c.published(ctx, j)
	if err != nil {
		return nil, err
	}
	if item >= uint64(len(published)) {
		return nil, fmt.Errorf("item %d of a checkpoint of %d", item, len(published))
	}
	held, ok := c.Served(j.Checkpoint.First + item)
	if !ok {
		return nil, fmt.Errorf("no receipt of request %d held", j.Checkpoint.First+item)
	}
	if !bytes.Equal(published[item].Body(), held.Receipt.Body()) {
		return nil, fmt.Errorf("request %d: the checkpoint holds another receipt than the one served", j.Checkpoint.First+item)
	}
	p, err := batch.Path(leaves, item)
	if err != nil {
		return nil, err
	}
	return &disputetypes.MsgSubmitProof{
		Submitter: submitter, JobId: j.Id, Claim: disputetypes.Claim_CLAIM_COUNTER, Proof: proof,
		Receipt: held.Receipt.Body(), InputPath: batch.PathBytes(p), ItemInput: zkml.Raw(held.Input), ItemOutput: zkml.Raw(held.Output),
	}, nil
}

// A buyer's receipts file holds the requests it was answered, appended one
// record at a time: u32 length | body | signature | u32 n | input | u32 m |
// output | u64 sent ms | u64 got ms (big-endian, tensors one int8 per
// byte; the two times are absent in records written before they were
// kept).

// AppendServed appends one answered request to w.
func AppendServed(w io.Writer, r ServedRequest) error {
	rec := make([]byte, 0, ReceiptRecordLen+8+len(r.Input)+len(r.Output))
	rec = append(append(rec, r.Receipt.Body()...), r.Receipt.Signature...)
	rec = binary.BigEndian.AppendUint32(rec, uint32(len(r.Input))) //nolint:gosec // a tensor is at most zkml.MaxTensorLen
	rec = append(rec, zkml.Raw(r.Input)...)
	rec = binary.BigEndian.AppendUint32(rec, uint32(len(r.Output))) //nolint:gosec // idem
	rec = append(rec, zkml.Raw(r.Output)...)
	rec = binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(rec, r.SentMs), r.GotMs)
	_, err := w.Write(append(binary.BigEndian.AppendUint32(nil, uint32(len(rec))), rec...)) //nolint:gosec // idem
	return err
}

// ReadServed reads a receipts file of session id. A torn last record (a
// write cut short) ends the file; anything else malformed is an error.
func ReadServed(r io.Reader, id uint64) ([]ServedRequest, error) {
	var out []ServedRequest
	for {
		var n [4]byte
		if _, err := io.ReadFull(r, n[:]); err != nil {
			return out, nil //nolint:nilerr // end of file, or a torn length
		}
		size := binary.BigEndian.Uint32(n[:])
		if size < ReceiptRecordLen+8 || size > ReceiptRecordLen+8+2*zkml.MaxTensorLen+16 {
			return nil, fmt.Errorf("%w: a record of %d bytes", serving.ErrMalformed, size)
		}
		rec := make([]byte, size)
		if _, err := io.ReadFull(r, rec); err != nil {
			return out, nil //nolint:nilerr // a torn last record
		}
		body, sig, rest := rec[:serving.BodyLen], rec[serving.BodyLen:ReceiptRecordLen], rec[ReceiptRecordLen:]
		rc, err := serving.ParseBody(body)
		if err != nil {
			return nil, err
		}
		rc.Session, rc.Signature = id, append([]byte(nil), sig...)
		tensor := func() ([]int8, error) {
			if len(rest) < 4 {
				return nil, fmt.Errorf("%w: a truncated record", serving.ErrMalformed)
			}
			l := binary.BigEndian.Uint32(rest)
			if uint64(len(rest)-4) < uint64(l) {
				return nil, fmt.Errorf("%w: a truncated record", serving.ErrMalformed)
			}
			t := zkml.Int8s(rest[4 : 4+l])
			rest = rest[4+l:]
			return t, nil
		}
		in, err := tensor()
		if err != nil {
			return nil, err
		}
		o, err := tensor()
		if err != nil {
			return nil, err
		}
		sr := ServedRequest{Receipt: rc, Input: in, Output: o}
		switch len(rest) {
		case 0:
		case 16:
			sr.SentMs, sr.GotMs = binary.BigEndian.Uint64(rest), binary.BigEndian.Uint64(rest[8:])
		default:
			return nil, fmt.Errorf("%w: %d stray bytes in a record", serving.ErrMalformed, len(rest))
		}
		out = append(out, sr)
	}
}

// Hold adds requests answered earlier (a receipts file) to what the client
// holds, and continues after the last of them.
func (c *SessionClient) Hold(reqs []ServedRequest) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range reqs {
		c.receipts[r.Receipt.Seq] = r
		c.count = max(c.count, r.Receipt.Seq)
	}
}

// Wrong are the requests of checkpoint job j the buyer holds whose answer
// is not the model's, with the challenge of each (the receipt and the right
// output's commitment: the provider cannot prove its answer and loses at
// the deadline, or at once to a counter proof).
func (c *SessionClient) Wrong(j jobstypes.Job, m *zkml.Model, challenger string) ([]*disputetypes.MsgChallenge, error) {
	if j.Checkpoint == nil || j.Checkpoint.SessionId != c.Session.Id {
		return nil, fmt.Errorf("job %d is not a checkpoint of session %d", j.Id, c.Session.Id)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*disputetypes.MsgChallenge
	for i := range j.Items {
		held, ok := c.receipts[j.Checkpoint.First+i]
		if !ok {
			continue
		}
		want, err := zkml.Infer(m, held.Input)
		if err != nil {
			return nil, err
		}
		if slices.Equal(want, held.Output) {
			continue
		}
		right := c.scheme.TensorCommitment(want)
		out = append(out, &disputetypes.MsgChallenge{
			Challenger: challenger, JobId: j.Id, Item: i, CounterCommitment: right[:],
			Receipt: held.Receipt.Body(), ReceiptSignature: held.Receipt.Signature,
		})
	}
	return out, nil
}

// TimingSkew is how far apart the buyer's and the provider's clocks may be
// before a receipt's times count as inconsistent with the buyer's.
const TimingSkew = time.Second

// Timing sets, over the requests of a checkpoint the buyer holds with its
// own times, the latency the buyer saw (request sent to answer received,
// its clock) against the service time the provider's receipts claim
// (received to answered, the provider's clock). Inconsistent counts the
// receipts whose times cannot be true within TimingSkew: received before
// the buyer sent the request, answered after the buyer had the answer, or
// a service time longer than the whole round trip. A receipt is the
// provider's signed word, so what the buyer saw beside it is evidence of
// how it served, whatever it claims. Metrics is the buyer's own
// measurement as an SLA report carries it.
type Timing struct {
	Requests          int                 `json:"requests"`
	BuyerP50Ms        uint32              `json:"buyer_p50_ms"`
	BuyerP99Ms        uint32              `json:"buyer_p99_ms"`
	ClaimedP50Ms      uint32              `json:"claimed_p50_ms"`
	ClaimedP99Ms      uint32              `json:"claimed_p99_ms"`
	Inconsistent      int                 `json:"inconsistent,omitempty"`
	FirstInconsistent uint64              `json:"first_inconsistent,omitempty"`
	Metrics           slatypes.SLAMetrics `json:"-"`
}

// Timing of checkpoint job j (nil if the buyer holds none of its requests
// with its own times).
func (c *SessionClient) Timing(j jobstypes.Job) *Timing {
	if j.Checkpoint == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var seen, claimed []sample
	t := &Timing{}
	skew := uint64(TimingSkew.Milliseconds())
	var from, to uint64
	for i := range j.Items {
		seq := j.Checkpoint.First + i
		r, ok := c.receipts[seq]
		if !ok || r.SentMs == 0 || r.GotMs < r.SentMs {
			continue
		}
		rc := r.Receipt
		rtt, service := r.GotMs-r.SentMs, rc.AnsweredMs-min(rc.ReceivedMs, rc.AnsweredMs)
		seen = append(seen, sample{latency: time.Duration(rtt) * time.Millisecond, ok: true})           //nolint:gosec // a round trip in ms
		claimed = append(claimed, sample{latency: time.Duration(service) * time.Millisecond, ok: true}) //nolint:gosec // idem
		if rc.ReceivedMs+skew < r.SentMs || rc.AnsweredMs > r.GotMs+skew || rc.AnsweredMs < rc.ReceivedMs || service > rtt+2*skew {
			if t.Inconsistent == 0 {
				t.FirstInconsistent = seq
			}
			t.Inconsistent++
		}
		if from == 0 {
			from = r.SentMs
		}
		to = r.GotMs
	}
	if len(seen) == 0 {
		return nil
	}
	t.Requests = len(seen)
	t.Metrics = Summarize(seen, time.Duration(to-from)*time.Millisecond) //nolint:gosec // idem
	t.Metrics.CompletedPpm = slatypes.PPM
	cm := Summarize(claimed, 0)
	t.BuyerP50Ms, t.BuyerP99Ms = t.Metrics.LatencyP50Ms, t.Metrics.LatencyP99Ms
	t.ClaimedP50Ms, t.ClaimedP99Ms = cm.LatencyP50Ms, cm.LatencyP99Ms
	return t
}
