package econsim_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"math/rand/v2"
	"time"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/testutil/zk"
	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/jobs/batch"
	"github.com/verdict-chain/verdict/x/jobs/serving"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

// The fifth round: a serving session. A serving provider answers one
// request in four of its buyer's with an output it did not compute (its
// receipt and its checkpoint say the same: it saves the compute of a
// quarter of the requests), and checkpoints every checkpointSize requests.
// The buyer checks one request of every checkpoint, drawn privately, by
// running the model again; a wrong answer is challenged with its receipt
// and the right output, then proven: the whole checkpoint fails, the
// buyer is refunded and the provider pays the fraud slash of the
// checkpoint's payment. The provider proves every audit or challenge of a
// right answer. Sampling one request in eight catches a quarter-wrong
// checkpoint with probability 1/4; one catch costs 100 checkpoints'
// payment: the strategy loses.

const (
	servingCheat   = "serving-cheat"
	servingBuyer   = "serving-buyer"
	checkpointSize = 8
	servingEvery   = 2 // blocks between checkpoints
	sessionPrice   = 10_000
)

// servingOffer is priced above every other buyer's max price: the
// scheduler never hands the serving provider a job, only sessions.
func servingOffer() jobstypes.ClassPrice {
	return jobstypes.ClassPrice{Class: inference, PricePerUnit: coin(sessionPrice), MinTimeLimit: 20 * time.Second, MaxUnitsPerJob: 1_000, MaxOpenUnits: 100_000}
}

// servingPub is a provider's serving key: the serving cheat's only.
func servingPub(name string) []byte {
	if name != servingCheat {
		return nil
	}
	return servingKeyOf(name).Public().(ed25519.PublicKey)
}

func servingKeyOf(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("econsim/serving/" + name))
	return ed25519.NewKeyFromSeed(seed[:])
}

// servedCheckpoint is one checkpoint as the provider built it.
type servedCheckpoint struct {
	job      uint64
	items    []zk.Job // each request: model, input, the model's output
	answered [][]int8 // the outputs served
	receipts []serving.Receipt
	leaves   []batch.Hash
	sampled  bool
	proven   map[int64]bool // disputes answered, by their opening time
	counter  bool
}

type servingState struct {
	session  uint64
	count    uint64 // requests sent in the session
	next     int64  // the next checkpoint's block
	pending  *servedCheckpoint
	cps      map[uint64]*servedCheckpoint // by job
	order    []uint64
	requests int
	rng      *rand.Rand // round 5's own stream: the other rounds play as they did without it
}

func (s *sim) serving() *servingState {
	if s.ss == nil {
		s.ss = &servingState{cps: map[uint64]*servedCheckpoint{}, rng: rand.New(rand.NewPCG(s.seed^0x5e55, s.seed+5))}
	}
	return s.ss
}

// wrongAnswer: the serving cheat answers one request in four wrong.
func wrongAnswer(seq uint64) bool { return seq%4 == 3 }

func (s *sim) round5(ctx sdk.Context, add func(tx)) {
	st := s.serving()
	// the pending checkpoint landed: find its job
	if st.pending != nil {
		se, err := s.a.JobsKeeper.GetSession(ctx, st.session)
		if err == nil && se.LastCheckpoint != 0 && st.cps[se.LastCheckpoint] == nil && se.Checkpointed == st.count {
			st.pending.job = se.LastCheckpoint
			st.cps[se.LastCheckpoint] = st.pending
			st.order = append(st.order, se.LastCheckpoint)
		}
		st.pending = nil
	}
	// the provider proves every dispute of a right answer; the buyer
	// proves the right output of the wrong answer it challenged
	for _, id := range st.order {
		cp := st.cps[id]
		d, err := s.a.DisputeKeeper.Disputes.Get(ctx, id)
		if err != nil || d.Status != disputetypes.DisputeStatus_DISPUTE_STATUS_OPEN {
			continue
		}
		ev := s.servedEvidence(cp, d.Item)
		switch {
		case d.Challenger == s.addr(servingBuyer) && !cp.counter:
			cp.counter = true
			s.proofsMade++
			ev.Submitter, ev.Claim, ev.Proof = s.addr(servingBuyer), disputetypes.Claim_CLAIM_COUNTER, s.kit.ProveItem(s.t, cp.items[d.Item], id, d.Item)
			add(tx{from: servingBuyer, msg: ev})
		case !wrongAnswer(cp.receipts[d.Item].Seq) && !cp.proven[d.OpenedAt.UnixNano()]:
			cp.proven[d.OpenedAt.UnixNano()] = true
			s.proofsMade++
			ev.Submitter, ev.Claim, ev.Proof = s.addr(servingCheat), disputetypes.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.t, cp.items[d.Item], id, d.Item)
			add(tx{from: servingCheat, msg: ev})
		}
	}
	// the buyer checks one request of each new checkpoint
	for _, id := range st.order {
		cp := st.cps[id]
		if cp.sampled {
			continue
		}
		j, err := s.a.JobsKeeper.GetJob(ctx, id)
		if err != nil || j.Status != jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED {
			continue
		}
		cp.sampled = true
		i := uint64(st.rng.IntN(checkpointSize))
		if !wrongAnswer(cp.receipts[i].Seq) {
			continue
		}
		right := zkml.TensorCommitment(cp.items[i].Output)
		add(tx{from: servingBuyer, msg: &disputetypes.MsgChallenge{
			Challenger: s.addr(servingBuyer), JobId: id, Item: i, CounterCommitment: right[:],
			Receipt: cp.receipts[i].Body(), ReceiptSignature: cp.receipts[i].Signature,
		}})
		break
	}
	// a session when none is open; a checkpoint every servingEvery blocks
	se, err := s.a.JobsKeeper.GetSession(ctx, st.session)
	if st.session == 0 || err != nil || !jobstypes.SessionIsOpen(se.Status) || se.Checkpointed+checkpointSize > se.MaxRequests {
		if st.session != 0 && err == nil && jobstypes.SessionIsOpen(se.Status) {
			return // used up: it expires
		}
		st.session, st.count = s.openedSession(ctx), 0
		if st.session == 0 {
			m := s.batches()
			add(tx{from: servingBuyer, msg: &jobstypes.MsgOpenSession{
				Buyer: s.addr(servingBuyer), Provider: s.addr(servingCheat), Class: inference, CircuitId: circuitID,
				ModelCommitment: m.modelC, UnitsPerRequest: 1, MaxPricePerUnit: coin(sessionPrice), MaxRequests: 10 * checkpointSize,
				Duration: 30 * time.Minute, SessionKey: servingKeyOf(servingBuyer).Public().(ed25519.PublicKey),
			}})
		}
		return
	}
	if s.height < st.next {
		return
	}
	st.next = s.height + servingEvery
	st.pending = s.serve(st, se)
	root, err := batch.Root(batch.KindReceipt, st.pending.leaves)
	require.NoError(s.t, err)
	last := st.pending.receipts[len(st.pending.receipts)-1]
	add(tx{from: servingCheat, msg: &jobstypes.MsgCheckpoint{
		Provider: s.addr(servingCheat), SessionId: st.session, Count: st.count, LastInput: last.Input[:], VoucherSignature: last.Voucher,
		ReceiptsRoot: root[:], ReceiptsUri: "https://serving-cheat.example/receipts",
	}})
}

// openedSession is the buyer's open session with the serving cheat, if any.
func (s *sim) openedSession(ctx sdk.Context) uint64 {
	var id uint64
	err := s.a.JobsKeeper.Sessions.Walk(ctx, nil, func(k uint64, se jobstypes.Session) (bool, error) {
		if se.Buyer == s.addr(servingBuyer) && jobstypes.SessionIsOpen(se.Status) && se.Checkpointed == 0 {
			id = k
		}
		return false, nil
	})
	require.NoError(s.t, err)
	return id
}

// serve is checkpointSize requests of the session off-chain: the buyer's
// vouchers, the provider's answers (a quarter wrong) and receipts.
func (s *sim) serve(st *servingState, se jobstypes.Session) *servedCheckpoint {
	bd := s.batches()
	cp := &servedCheckpoint{proven: map[int64]bool{}}
	for i := range checkpointSize {
		st.count++
		st.requests++
		item := bd.items[(st.requests+i)%len(bd.items)]
		answered := item.Output
		if wrongAnswer(st.count) {
			answered = append([]int8(nil), answered...)
			answered[0] ^= 1
		}
		v, err := serving.SignVoucher(servingKeyOf(servingBuyer), se.ChainId, serving.Voucher{Session: se.Id, Count: st.count, Input: serving.Digest(zkml.Raw(item.Input))})
		require.NoError(s.t, err)
		r, err := serving.SignReceipt(servingKeyOf(servingCheat), se.ChainId, serving.Receipt{
			Session: se.Id, Seq: st.count, Input: v.Input, Output: serving.Digest(zkml.Raw(answered)), ReceivedMs: 1, AnsweredMs: 2, Voucher: v.Signature,
		})
		require.NoError(s.t, err)
		cp.items, cp.answered, cp.receipts = append(cp.items, item), append(cp.answered, answered), append(cp.receipts, r)
		cp.leaves = append(cp.leaves, r.Leaf(uint64(i)))
	}
	s.jobsOf[servingCheat]++
	s.jobsOf[servingBuyer]++
	return cp
}

// servedEvidence is request item of a checkpoint's evidence.
func (s *sim) servedEvidence(cp *servedCheckpoint, item uint64) *disputetypes.MsgSubmitProof {
	p, err := batch.Path(cp.leaves, item)
	require.NoError(s.t, err)
	return &disputetypes.MsgSubmitProof{
		JobId: cp.job, Receipt: cp.receipts[item].Body(), InputPath: batch.PathBytes(p),
		ItemInput: zkml.Raw(cp.items[item].Input), ItemOutput: zkml.Raw(cp.answered[item]),
	}
}
