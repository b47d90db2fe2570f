package agent

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/verdict-chain/verdict/x/jobs/batch"
	"github.com/verdict-chain/verdict/x/jobs/serving"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

// Serving sessions, the provider's half of the off-chain protocol
// (x/jobs/serving says what is signed). A request is
//
//	POST /v1/sessions/<id>/infer     body: the input tensor (.vten)
//	  X-Verdict-Count:   n            the voucher's count: requests sent in
//	                                  the session, this one included
//	  X-Verdict-Voucher: base64       the buyer's voucher signature
//
// answered 200 with the output tensor as body and the receipt in
//
//	X-Verdict-Receipt:           base64 receipt body (serving.BodyLen bytes)
//	X-Verdict-Receipt-Signature: base64 signature by the serving key
//
// or refused: 409 when n is not the next request (X-Verdict-Served says
// the last one answered), 402 when the session pays for no request n, 403
// when the voucher does not verify, 410 when the session takes no more
// requests, 404 when it is not this provider's. Counts are strictly
// sequential, so a buyer who stops signing vouchers gets no more answers,
// and a request is answered once: no restart may make the provider answer
// a request again with another output (equivocation, slashed at once).
//
// That without a disk sync per request (a sync costs more than a small
// model's inference): a receipt is written before its answer leaves, in
// the OS's cache, which a crash of the agent does not lose; what a crash
// of the machine could lose is bounded by a reservation, synced once per
// reserveAhead requests of a session: no request beyond it is answered
// before the next one is on disk. At start, if the agent did not stop
// cleanly and the machine restarted since (its boot id changed), a
// session whose reservation runs past its kept receipts may have answers
// the agent no longer knows: it is a suspect — answered no more,
// checkpointed up to the receipts kept, then closed by the provider. The
// provider gives up the lost requests' pay; it never signs two answers of
// one request.
//
//	GET /v1/sessions/<id>/receipts?first=f&count=n
//
// serves receipts f..f+n-1 (body then signature, ReceiptRecordLen bytes
// each): a checkpoint's receipts_uri, so a buyer or watcher can check its
// own receipts against the checkpoint's tree and, if one differs, challenge
// with both (x/dispute: equivocation).
const (
	hdrCount         = "X-Verdict-Count"
	hdrVoucher       = "X-Verdict-Voucher"
	hdrReceipt       = "X-Verdict-Receipt"
	hdrReceiptSig    = "X-Verdict-Receipt-Signature"
	hdrServed        = "X-Verdict-Served"
	sessionsPath     = "/v1/sessions/"
	ReceiptRecordLen = serving.BodyLen + ed25519.SignatureSize
	// maxReceiptsServed bounds one receipts read: x/jobs' default max_items,
	// 2^20 requests (226 MB, streamed).
	maxReceiptsServed = 1 << 20
	// reserveAhead: requests of a session answered per synced reservation.
	reserveAhead = 4096
	// a session a lookup refused is not looked up again for refusalTTL
	// (a session opened since is added from its event, not by a lookup)
	refusalTTL = 30 * time.Second
	maxRefused = 4096
	bootIDPath = "/proc/sys/kernel/random/boot_id"
)

// Refusals of a session request.
var (
	ErrNotNext       = errors.New("serving: not the next request")
	ErrNoMoreRequest = errors.New("serving: the session pays for no more requests")
	ErrSessionOver   = errors.New("serving: the session takes no more requests")
	ErrUnknownSess   = errors.New("serving: no such session here")
)

// Server answers session requests with receipts and keeps them: the
// serving half of the provider agent, without its chain (the provider
// feeds it sessions and checkpoints them; the bench and tests use it
// alone).
type Server struct {
	key     ed25519.PrivateKey
	store   *Store
	metrics *Metrics
	// Delay (testing) is added to each answer; Tamper (testing), when set,
	// may change an answer's output before its receipt is made (the kept
	// record says the same); Equivocate (testing), when it says so, serves
	// a request a wrong output with its receipt but keeps the model's
	// output and a receipt of that for the checkpoint: a provider that
	// answers wrong and commits right.
	Delay      time.Duration
	Tamper     func(session, seq uint64, out []int8) []int8
	Equivocate func(session, seq uint64) bool
	// Lookup finds a session this server does not know yet (the provider:
	// from the chain); nil: unknown sessions are refused.
	Lookup func(ctx context.Context, id uint64) (*ServedSession, error)

	mu       sync.Mutex
	sessions map[uint64]*ServedSession
	// refused: sessions a lookup refused lately, not looked up again
	// before the time (at most maxRefused remembered)
	refused map[uint64]time.Time
	// life: answers hold it shared; Close takes it whole, so no answer is
	// written after the clean-stop mark
	life   sync.RWMutex
	closed bool
}

// ServedSession is one session as the server answers it.
type ServedSession struct {
	Session jobstypes.Session
	Model   *zkml.Model
	// Until: no request is answered from then on (the last checkpoint must
	// still land before the session's end).
	Until time.Time

	mu           sync.Mutex
	served       uint64 // the last request answered
	reserved     uint64 // requests up to this may be answered (synced)
	suspect      bool   // answers may have been lost in a machine crash
	checkpointed uint64 // requests covered by checkpoints on chain
	pendingSince time.Time
	active       time.Time // the last answer (or when the session was added)
	sending      bool
	over         bool
	// view is what a probe reads, published under mu at every change and
	// read without it: a probe never waits behind a request being answered
	// (the monitor would measure the request's time on top of its own)
	view atomic.Pointer[probeView]
}

// probeView: what an SLA probe of a session needs.
type probeView struct {
	session jobstypes.Session
	model   *zkml.Model
	until   time.Time
	stopped bool // over or suspect
}

// publish refreshes the probe view; ss.mu is held.
func (ss *ServedSession) publish() {
	ss.view.Store(&probeView{session: ss.Session, model: ss.Model, until: ss.Until, stopped: ss.over || ss.suspect})
}

// NewServer is a server signing receipts with key, keeping them in store.
// It marks the sessions whose answers a machine crash may have lost since
// the last run (suspects: see above).
func NewServer(key ed25519.PrivateKey, store *Store, m *Metrics) (*Server, error) {
	s := &Server{key: key, store: store, metrics: m, sessions: map[uint64]*ServedSession{}, refused: map[uint64]time.Time{}}
	clean := store.Has(cleanKey)
	prev, err := store.GetRaw([]byte(bootKey))
	if err != nil {
		return nil, err
	}
	boot := bootID()
	if !clean && (boot == "" || string(prev) != boot) {
		// the machine may have restarted without the cache written out
		var suspects [][2][]byte
		err := store.Each(reservedPrefix, func(k string, raw []byte) error {
			var id uint64
			if _, err := fmt.Sscanf(k, reservedPrefix+"%d", &id); err != nil || len(raw) != 8 {
				return nil //nolint:nilerr // not a reservation
			}
			last, err := s.lastServed(id)
			if err != nil {
				return err
			}
			if binary.BigEndian.Uint64(raw) > last {
				suspects = append(suspects, [2][]byte{suspectKey(id), {1}})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(suspects) > 0 {
			if err := store.PutRawSync(suspects...); err != nil {
				return nil, err
			}
		}
	}
	if err := store.PutRawSync([2][]byte{[]byte(bootKey), []byte(boot)}); err != nil {
		return nil, err
	}
	return s, store.Delete(cleanKey)
}

// Close stops answering and marks a clean stop, everything written before
// it synced: the next start trusts the kept receipts.
func (s *Server) Close() error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.store.PutRawSync([2][]byte{[]byte(cleanKey), {1}})
}

func bootID() string {
	bz, err := os.ReadFile(bootIDPath)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(bz))
}

// Suspect reports whether a session may have lost answers in a machine
// crash (it is answered no more; checkpoint what was kept, then close it).
func (s *Server) Suspect(id uint64) bool {
	s.mu.Lock()
	ss := s.sessions[id]
	s.mu.Unlock()
	if ss == nil {
		return false
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.suspect
}

// Waiting is how many answered requests of a session no checkpoint covers.
func (s *Server) Waiting(id uint64) uint64 {
	s.mu.Lock()
	ss := s.sessions[id]
	s.mu.Unlock()
	if ss == nil {
		return 0
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.served - ss.checkpointed
}

// PublicKey is the serving key's public half (what the provider registers).
func (s *Server) PublicKey() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// Routes adds the session routes to mux.
func (s *Server) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+sessionsPath+"{id}/infer", s.serveInfer)
	mux.HandleFunc("GET "+sessionsPath+"{id}/receipts", s.serveReceipts)
}

// Add starts answering a session (or updates what is known of it),
// resuming from the receipts already kept.
func (s *Server) Add(ss *ServedSession) (*ServedSession, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.sessions[ss.Session.Id]; old != nil {
		old.mu.Lock()
		old.Session, old.Until = ss.Session, ss.Until
		old.checkpointed = max(old.checkpointed, ss.Session.Checkpointed)
		old.served = max(old.served, old.checkpointed)
		old.publish()
		old.mu.Unlock()
		return old, nil
	}
	last, err := s.lastServed(ss.Session.Id)
	if err != nil {
		return nil, err
	}
	reserved, err := s.store.GetRaw(reservedKey(ss.Session.Id))
	if err != nil {
		return nil, err
	}
	if len(reserved) == 8 {
		ss.reserved = binary.BigEndian.Uint64(reserved)
	}
	ss.suspect = s.store.Has(string(suspectKey(ss.Session.Id)))
	ss.active = time.Now()
	ss.served, ss.checkpointed = max(last, ss.Session.Checkpointed), ss.Session.Checkpointed
	if ss.served > ss.checkpointed {
		ss.pendingSince = time.Now()
	}
	ss.publish()
	s.sessions[ss.Session.Id] = ss
	return ss, nil
}

// End stops answering a session (closed, expired, declined); its receipts
// stay for disputes.
func (s *Server) End(id uint64) {
	s.mu.Lock()
	ss := s.sessions[id]
	delete(s.sessions, id)
	s.mu.Unlock()
	if ss != nil {
		ss.mu.Lock()
		ss.over = true
		ss.publish()
		ss.mu.Unlock()
	}
}

// Sessions are the ids of the sessions answered now, in order.
func (s *Server) Sessions() []uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]uint64, 0, len(s.sessions))
	for id := range s.sessions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (s *Server) get(ctx context.Context, id uint64) (*ServedSession, error) {
	s.mu.Lock()
	ss := s.sessions[id]
	s.mu.Unlock()
	if ss != nil {
		return ss, nil
	}
	if s.Lookup == nil {
		return nil, ErrUnknownSess
	}
	s.mu.Lock()
	until, refused := s.refused[id]
	s.mu.Unlock()
	if refused && time.Now().Before(until) {
		return nil, fmt.Errorf("%w: session %d refused lately", ErrUnknownSess, id)
	}
	ss, err := s.Lookup(ctx, id)
	if err != nil {
		s.mu.Lock()
		if len(s.refused) >= maxRefused {
			clear(s.refused)
		}
		s.refused[id] = time.Now().Add(refusalTTL)
		s.mu.Unlock()
		return nil, err
	}
	return s.Add(ss)
}

func receiptKey(session, seq uint64) []byte {
	return fmt.Appendf(nil, "serve/%020d/%020d", session, seq)
}

func servedKey(session uint64) []byte { return fmt.Appendf(nil, "served/%020d", session) }

const (
	reservedPrefix = "reserved/"
	cleanKey       = "serving/clean"
	syncedKey      = "serving/synced"
	bootKey        = "serving/boot"
)

func reservedKey(session uint64) []byte { return fmt.Appendf(nil, reservedPrefix+"%020d", session) }
func suspectKey(session uint64) []byte  { return fmt.Appendf(nil, "suspect/%020d", session) }

// Forget drops a suspect mark once its session is closed.
func (s *Server) Forget(id uint64) error { return s.store.Delete(string(suspectKey(id))) }

func (s *Server) lastServed(session uint64) (uint64, error) {
	bz, err := s.store.GetRaw(servedKey(session))
	if err != nil || len(bz) != 8 {
		return 0, err
	}
	return binary.BigEndian.Uint64(bz), nil
}

// Answer runs request count of a session (the voucher's count and
// signature, the input tensor) and returns the output and the receipt,
// kept on disk before it returns.
func (s *Server) Answer(ctx context.Context, id, count uint64, voucherSig []byte, in []int8) ([]int8, serving.Receipt, error) {
	received := time.Now()
	s.life.RLock()
	defer s.life.RUnlock()
	if s.closed {
		return nil, serving.Receipt{}, ErrSessionOver
	}
	ss, err := s.get(ctx, id)
	if err != nil {
		return nil, serving.Receipt{}, err
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	switch {
	case ss.over || ss.suspect || !received.Before(ss.Until):
		return nil, serving.Receipt{}, ErrSessionOver
	case count != ss.served+1:
		return nil, serving.Receipt{}, fmt.Errorf("%w: request %d, the last answered is %d", ErrNotNext, count, ss.served)
	case count > ss.Session.MaxRequests:
		return nil, serving.Receipt{}, fmt.Errorf("%w: it pays for %d", ErrNoMoreRequest, ss.Session.MaxRequests)
	}
	if want := inputLen(ss.Model); len(in) != want {
		return nil, serving.Receipt{}, fmt.Errorf("%w: an input of %d values, the model takes %d", serving.ErrMalformed, len(in), want)
	}
	raw := zkml.Raw(in)
	v := serving.Voucher{Session: id, Count: count, Input: serving.Digest(raw), Signature: voucherSig}
	if err := serving.VerifyVoucher(ss.Session.BuyerKey, ss.Session.ChainId, v); err != nil {
		return nil, serving.Receipt{}, err
	}
	if err := sleep(ctx, s.Delay); err != nil {
		return nil, serving.Receipt{}, err
	}
	if count > ss.reserved { // on disk before any request beyond it is answered
		next := count + reserveAhead
		if err := s.store.PutRawSync([2][]byte{reservedKey(id), binary.BigEndian.AppendUint64(nil, next)}); err != nil {
			return nil, serving.Receipt{}, fmt.Errorf("reserving requests: %w", err)
		}
		ss.reserved = next
	}
	out, err := zkml.Infer(ss.Model, in)
	if err != nil {
		return nil, serving.Receipt{}, err
	}
	if s.Tamper != nil {
		out = s.Tamper(id, count, out)
	}
	r := serving.Receipt{
		Session: id, Seq: count, Input: v.Input, Output: serving.Digest(zkml.Raw(out)),
		ReceivedMs: uint64(received.UnixMilli()), AnsweredMs: uint64(time.Now().UnixMilli()), Voucher: voucherSig, //nolint:gosec // after 1970
	}
	if r, err = serving.SignReceipt(s.key, ss.Session.ChainId, r); err != nil {
		return nil, r, err
	}
	kept := KeptReceipt{Receipt: r, Input: in, Output: out}
	if s.Equivocate != nil && s.Equivocate(id, count) {
		out = append([]int8(nil), out...)
		out[0]++
		r.Output = serving.Digest(zkml.Raw(out))
		if r, err = serving.SignReceipt(s.key, ss.Session.ChainId, r); err != nil {
			return nil, r, err
		}
	}
	if err := s.store.PutRaw([2][]byte{receiptKey(id, count), kept.encode()}, [2][]byte{servedKey(id), binary.BigEndian.AppendUint64(nil, count)}); err != nil {
		return nil, r, fmt.Errorf("keeping the receipt: %w", err)
	}
	if ss.served == ss.checkpointed {
		ss.pendingSince = received
	}
	ss.served, ss.active = count, time.Now()
	return out, r, nil
}

// KeptReceipt is a receipt the server signed, the request's input and the
// output served.
type KeptReceipt struct {
	Receipt serving.Receipt
	Input   []int8
	Output  []int8
}

// encode is the record kept: body | signature | u32 input length | input |
// output.
func (k KeptReceipt) encode() []byte {
	rec := make([]byte, 0, ReceiptRecordLen+4+len(k.Input)+len(k.Output))
	rec = append(append(rec, k.Receipt.Body()...), k.Receipt.Signature...)
	rec = binary.BigEndian.AppendUint32(rec, uint32(len(k.Input))) //nolint:gosec // at most maxInferBody
	return append(append(rec, zkml.Raw(k.Input)...), zkml.Raw(k.Output)...)
}

// Kept reads request seq of a session from the store.
func (s *Server) Kept(session, seq uint64) (KeptReceipt, error) {
	bz, err := s.store.GetRaw(receiptKey(session, seq))
	if err != nil {
		return KeptReceipt{}, err
	}
	if len(bz) < ReceiptRecordLen+4 {
		return KeptReceipt{}, fmt.Errorf("session %d: no receipt of request %d kept", session, seq)
	}
	r, err := serving.ParseBody(bz[:serving.BodyLen])
	if err != nil {
		return KeptReceipt{}, err
	}
	r.Session, r.Signature = session, append([]byte(nil), bz[serving.BodyLen:ReceiptRecordLen]...)
	tensors := bz[ReceiptRecordLen+4:]
	n := binary.BigEndian.Uint32(bz[ReceiptRecordLen:])
	if uint64(n) > uint64(len(tensors)) {
		return KeptReceipt{}, fmt.Errorf("session %d: request %d's record is corrupt", session, seq)
	}
	return KeptReceipt{Receipt: r, Input: zkml.Int8s(tensors[:n]), Output: zkml.Int8s(tensors[n:])}, nil
}

// Leaves are the receipt tree leaves of requests first..last.
func (s *Server) Leaves(session, first, last uint64) ([]batch.Hash, []KeptReceipt, error) {
	if first == 0 || last < first {
		return nil, nil, fmt.Errorf("session %d: no requests %d..%d", session, first, last)
	}
	leaves := make([]batch.Hash, 0, last-first+1)
	kept := make([]KeptReceipt, 0, last-first+1)
	for seq := first; seq <= last; seq++ {
		k, err := s.Kept(session, seq)
		if err != nil {
			return nil, nil, err
		}
		leaves = append(leaves, k.Receipt.Leaf(seq-first))
		kept = append(kept, k)
	}
	return leaves, kept, nil
}

// Due is the checkpoint a session needs now, if any: requests
// checkpointed+1..count, at most every (and maxItems) of them. A
// checkpoint is due once every requests wait, after interval since the
// first of them, or at the session's Until.
func (s *Server) Due(id uint64, now time.Time, every uint64, interval time.Duration, maxItems uint64) (first, count uint64, ok bool) {
	s.mu.Lock()
	ss := s.sessions[id]
	s.mu.Unlock()
	if ss == nil {
		return 0, 0, false
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	waiting := ss.served - ss.checkpointed
	if ss.sending || waiting == 0 {
		return 0, 0, false
	}
	if waiting < every && now.Sub(ss.pendingSince) < interval && now.Before(ss.Until) && !ss.suspect {
		return 0, 0, false
	}
	ss.sending = true
	return ss.checkpointed + 1, ss.checkpointed + min(waiting, every, maxItems), true
}

// Probed is the session an SLA probe of id measures: one this server
// answers now (not over, not suspect, before its Until) whose terms are
// graded (it has SLA terms). It is looked up like a request's, and read
// without waiting for a request being answered.
func (s *Server) Probed(ctx context.Context, id uint64) (jobstypes.Session, *zkml.Model, error) {
	ss, err := s.get(ctx, id)
	if err != nil {
		return jobstypes.Session{}, nil, err
	}
	v := ss.view.Load()
	if v == nil || v.stopped || !time.Now().Before(v.until) {
		return jobstypes.Session{}, nil, ErrSessionOver
	}
	if v.session.Sla == nil {
		return v.session, nil, fmt.Errorf("%w: session %d has no SLA terms: nothing to probe", ErrUnknownSess, id)
	}
	return v.session, v.model, nil
}

// StopIdle stops answering a session that answered nothing for idle and
// has nothing waiting for a checkpoint, and says so: the provider then
// closes it, which gives back the capacity it holds on chain. A request
// that comes after is refused (410), never answered unpaid.
func (s *Server) StopIdle(id uint64, now time.Time, idle time.Duration) bool {
	s.mu.Lock()
	ss := s.sessions[id]
	s.mu.Unlock()
	if ss == nil || idle <= 0 {
		return false
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.over || ss.sending || ss.served != ss.checkpointed || now.Sub(ss.active) < idle {
		return false
	}
	ss.over = true
	ss.publish()
	return true
}

// Retry answers a session StopIdle stopped again: its close failed, and it
// is still open on chain.
func (s *Server) Retry(id uint64) {
	s.mu.Lock()
	ss := s.sessions[id]
	s.mu.Unlock()
	if ss != nil {
		ss.mu.Lock()
		ss.over = false
		ss.publish()
		ss.mu.Unlock()
	}
}

// Checkpointed records the outcome of a due checkpoint: count the requests
// now covered (unchanged if it failed).
func (s *Server) Checkpointed(id, count uint64) {
	s.mu.Lock()
	ss := s.sessions[id]
	s.mu.Unlock()
	if ss == nil {
		return
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.sending = false
	if count > ss.checkpointed {
		ss.checkpointed = count
		ss.served = max(ss.served, count) // a checkpoint sent before a crash landed: nothing before it is answered again
		ss.pendingSince = time.Now()
	}
}

// CheckpointMsg builds the checkpoint of requests first..count of a
// session, once everything kept is synced to disk: a checkpoint on chain
// must be provable after any crash (its receipts, inputs and outputs).
func (s *Server) CheckpointMsg(provider string, id, first, count uint64, receiptsURI string) (*jobstypes.MsgCheckpoint, error) {
	if err := s.store.PutRawSync([2][]byte{[]byte(syncedKey), binary.BigEndian.AppendUint64(nil, count)}); err != nil {
		return nil, fmt.Errorf("syncing the receipts before their checkpoint: %w", err)
	}
	leaves, kept, err := s.Leaves(id, first, count)
	if err != nil {
		return nil, err
	}
	root, err := batch.Root(batch.KindReceipt, leaves)
	if err != nil {
		return nil, err
	}
	last := kept[len(kept)-1].Receipt
	return &jobstypes.MsgCheckpoint{
		Provider: provider, SessionId: id, Count: count, LastInput: last.Input[:], VoucherSignature: last.Voucher,
		ReceiptsRoot: root[:], ReceiptsUri: receiptsURI,
	}, nil
}

// ReceiptsURI is where a checkpoint's receipts are served.
func ReceiptsURI(publicURL string, id, first, count uint64) string {
	return fmt.Sprintf("%s%s%d/receipts?first=%d&count=%d", strings.TrimRight(publicURL, "/"), sessionsPath, id, first, count-first+1)
}

func b64(bz []byte) string { return base64.StdEncoding.EncodeToString(bz) }

func (s *Server) refuse(w http.ResponseWriter, code int, outcome string, err error) {
	s.metrics.Served.WithLabelValues(outcome).Inc()
	http.Error(w, err.Error(), code)
}

func (s *Server) serveInfer(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		s.refuse(w, http.StatusBadRequest, "malformed", errors.New("session id expected"))
		return
	}
	count, err := strconv.ParseUint(r.Header.Get(hdrCount), 10, 64)
	if err != nil {
		s.refuse(w, http.StatusBadRequest, "malformed", fmt.Errorf("%s: a request count expected", hdrCount))
		return
	}
	sig, err := base64.StdEncoding.DecodeString(r.Header.Get(hdrVoucher))
	if err != nil || len(sig) != ed25519.SignatureSize {
		s.refuse(w, http.StatusBadRequest, "malformed", fmt.Errorf("%s: a base64 ed25519 signature expected", hdrVoucher))
		return
	}
	// a request is a small tensor sent at once: a client that drips it
	// loses the connection
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(probeBodyTime))
	bz, err := io.ReadAll(io.LimitReader(r.Body, maxInferBody+1))
	if err != nil || len(bz) > maxInferBody {
		s.refuse(w, http.StatusBadRequest, "malformed", errors.New("body too large or unreadable"))
		return
	}
	in, err := zkml.UnmarshalTensor(bz)
	if err != nil {
		s.refuse(w, http.StatusBadRequest, "malformed", err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	out, rc, err := s.Answer(ctx, id, count, sig, in)
	if err != nil {
		switch {
		case errors.Is(err, ErrNotNext):
			if ss, e := s.get(ctx, id); e == nil {
				ss.mu.Lock()
				w.Header().Set(hdrServed, strconv.FormatUint(ss.served, 10))
				ss.mu.Unlock()
			}
			s.refuse(w, http.StatusConflict, "not_next", err)
		case errors.Is(err, ErrNoMoreRequest):
			s.refuse(w, http.StatusPaymentRequired, "exhausted", err)
		case errors.Is(err, ErrSessionOver):
			s.refuse(w, http.StatusGone, "over", err)
		case errors.Is(err, ErrUnknownSess):
			s.refuse(w, http.StatusNotFound, "unknown", err)
		case errors.Is(err, serving.ErrSignature), errors.Is(err, serving.ErrKey):
			s.refuse(w, http.StatusForbidden, "voucher", err)
		case errors.Is(err, serving.ErrMalformed), errors.Is(err, zkml.ErrFormat):
			s.refuse(w, http.StatusBadRequest, "malformed", err)
		default:
			s.refuse(w, http.StatusServiceUnavailable, "error", err)
		}
		return
	}
	res, err := zkml.MarshalTensor(out)
	if err != nil {
		s.refuse(w, http.StatusInternalServerError, "error", err)
		return
	}
	s.metrics.Served.WithLabelValues("answered").Inc()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set(hdrReceipt, b64(rc.Body()))
	w.Header().Set(hdrReceiptSig, b64(rc.Signature))
	_, _ = w.Write(res)
}

func (s *Server) serveReceipts(w http.ResponseWriter, r *http.Request) {
	id, err1 := strconv.ParseUint(r.PathValue("id"), 10, 64)
	first, err2 := strconv.ParseUint(r.URL.Query().Get("first"), 10, 64)
	n, err3 := strconv.ParseUint(r.URL.Query().Get("count"), 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil || first == 0 || n == 0 || n > maxReceiptsServed || first+n-1 < first {
		http.Error(w, fmt.Sprintf("session id, first ≥ 1 and count 1..%d expected", maxReceiptsServed), http.StatusBadRequest)
		return
	}
	if _, err := s.Kept(id, first+n-1); err != nil { // kept up to the last: the whole range is
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatUint(n*ReceiptRecordLen, 10))
	bw := bufio.NewWriterSize(w, 64<<10)
	for seq := first; seq < first+n; seq++ {
		k, err := s.Kept(id, seq)
		if err != nil {
			return // the response is cut short: a reader sees the length fall short
		}
		_, _ = bw.Write(k.Receipt.Body())
		_, _ = bw.Write(k.Receipt.Signature)
	}
	_ = bw.Flush()
}

// ParseReceipts reads a receipts response (ReceiptRecordLen bytes each) of
// session id.
func ParseReceipts(id uint64, bz []byte) ([]serving.Receipt, error) {
	if len(bz)%ReceiptRecordLen != 0 {
		return nil, fmt.Errorf("%w: %d bytes of receipts, not a multiple of %d", serving.ErrMalformed, len(bz), ReceiptRecordLen)
	}
	out := make([]serving.Receipt, 0, len(bz)/ReceiptRecordLen)
	for off := 0; off < len(bz); off += ReceiptRecordLen {
		r, err := serving.ParseBody(bz[off : off+serving.BodyLen])
		if err != nil {
			return nil, err
		}
		r.Session, r.Signature = id, append([]byte(nil), bz[off+serving.BodyLen:off+ReceiptRecordLen]...)
		out = append(out, r)
	}
	return out, nil
}
