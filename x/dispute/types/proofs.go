package types

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/dispute/zkverify"
	"github.com/verdict-chain/verdict/x/internal/bps"
	"github.com/verdict-chain/verdict/x/jobs/batch"
	"github.com/verdict-chain/verdict/x/jobs/serving"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// Pure functions the chain and off-chain tools (verdictd zk, the bench)
// share: how a verifying key is accepted and how a job's public inputs are
// built. Nothing here reads state.

// ParseVK validates verifying key bytes against a size limit and the
// chain's public input layout.
func ParseVK(vkBytes []byte, maxBytes uint32) (*zkverify.VerifyingKey, error) {
	vk, err := zkverify.ParseVerifyingKey(vkBytes, zkverify.Limits{
		MaxBytes: int(maxBytes),
		NbPublic: len(PublicInputNames),
	})
	if err != nil {
		return nil, errorsmod.Wrap(ErrInvalidVK, err.Error())
	}
	return vk, nil
}

// ValidateCommitmentKeyHash checks a circuit's commitment_key_hash: a
// sha256 for a version 3 circuit (zkverify.NeedsCommitmentKey), nothing
// for any other.
func ValidateCommitmentKeyHash(id string, h []byte) error {
	if zkverify.NeedsCommitmentKey(id) {
		if len(h) != sha256.Size {
			return errorsmod.Wrapf(ErrInvalidCircuit, "%q is a version 3 circuit: its commitment_key_hash must be the %d-byte sha256 of its commitment key, got %d bytes", id, sha256.Size, len(h))
		}
		return nil
	}
	if len(h) != 0 {
		return errorsmod.Wrapf(ErrInvalidCircuit, "%q commits to models without a commitment key: commitment_key_hash must be empty", id)
	}
	return nil
}

// PublicInputs builds a job's public witness from chain state: model,
// input and output commitments, and the job id. The proof submitter never
// supplies public inputs.
func PublicInputs(j jobstypes.Job, output []byte) ([]fr.Element, error) {
	var id [32]byte
	binary.BigEndian.PutUint64(id[24:], j.Id)
	return publicInputs(j.Id, j.ModelCommitment, j.InputCommitment, output, id[:])
}

// PublicInputsItem is the public witness of a proof of one batch item:
// the job's model commitment, the item's input and output commitments (the
// chain computes them from the revealed tensors, CheckItem) and
// zkverify.ItemTag.
func PublicInputsItem(j jobstypes.Job, item uint64, input, output []byte) ([]fr.Element, error) {
	tag := zkverify.ItemTag(j.Id, item)
	return publicInputs(j.Id, j.ModelCommitment, input, output, tag[:])
}

func publicInputs(id uint64, parts ...[]byte) ([]fr.Element, error) {
	out := make([]fr.Element, 0, len(PublicInputNames))
	for _, b := range parts {
		e, err := zkverify.PublicInput(b)
		if err != nil {
			return nil, errorsmod.Wrapf(ErrInvalidCommitment, "job %d: %v", id, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// ItemGas is what checking a batch item's evidence costs, charged before
// it runs: a SHA-256 call per path level and leaf, and the commitments of
// the two tensors.
func ItemGas(m *MsgSubmitProof) uint64 {
	hashes := uint64(len(m.InputPath)+len(m.OutputPath)) + 4
	if len(m.Receipt) > 0 { // the receipt's leaf, its voucher's check, the tensors' digests
		hashes += 3
		return hashes*ItemHashGas + ReceiptSigGas + uint64(len(m.ItemInput)+len(m.ItemOutput))*ItemCommitGasPerByte
	}
	return hashes*ItemHashGas + uint64(len(m.ItemInput)+len(m.ItemOutput))*ItemCommitGasPerByte
}

// CheckItem checks a batch item's evidence against job j (a batch job with
// a result) and returns the commitments of the item's input and of the
// provider's posted output, under the circuit's scheme: the input is leaf
// item of the job's input root, the output leaf item of the result's
// output root. A registered error otherwise; nothing here panics on any
// input.
func CheckItem(j jobstypes.Job, item uint64, m *MsgSubmitProof) (in, out [32]byte, err error) {
	if !jobstypes.IsBatch(j) || j.Result == nil {
		return in, out, errorsmod.Wrapf(ErrInvalidItem, "job %d is not a batch job with a result", j.Id)
	}
	if j.Checkpoint != nil {
		return checkReceipt(j, item, m)
	}
	if len(m.Receipt) != 0 {
		return in, out, errorsmod.Wrapf(ErrInvalidItem, "job %d is not a serving checkpoint: a proof of it carries no receipt", j.Id)
	}
	if len(m.ItemInput) == 0 || len(m.ItemOutput) == 0 {
		return in, out, errorsmod.Wrapf(ErrInvalidItem, "job %d is a batch: the proof needs item %d's input and posted output", j.Id, item)
	}
	scheme, err := zkverify.SchemeOfCircuit(j.CircuitId)
	if err != nil {
		return in, out, errorsmod.Wrap(ErrInvalidItem, err.Error())
	}
	if err := batch.VerifyPath(batch.KindInput, j.InputCommitment, j.Items, item, batch.Leaf(batch.KindInput, item, m.ItemInput), m.InputPath); err != nil {
		return in, out, errorsmod.Wrapf(ErrInvalidItem, "item %d's input: %v", item, err)
	}
	if err := batch.VerifyPath(batch.KindOutput, j.Result.OutputCommitment, j.Items, item, batch.Leaf(batch.KindOutput, item, m.ItemOutput), m.OutputPath); err != nil {
		return in, out, errorsmod.Wrapf(ErrInvalidItem, "item %d's posted output: %v", item, err)
	}
	if in, err = zkverify.TensorCommitment(scheme, m.ItemInput); err != nil {
		return in, out, errorsmod.Wrap(ErrInvalidItem, err.Error())
	}
	if out, err = zkverify.TensorCommitment(scheme, m.ItemOutput); err != nil {
		return in, out, errorsmod.Wrap(ErrInvalidItem, err.Error())
	}
	return in, out, nil
}

// checkReceipt checks the evidence of item of a serving checkpoint's job:
// the receipt body of request first+item (x/jobs/serving) in receipt, its
// path in the checkpoint's receipt tree in input_path, and the request's
// input and served output tensors in item_input and item_output, whose
// SHA-256 digests must be the receipt's. The input must be the one the
// buyer sent with that request: the body carries the buyer's voucher of
// it (count first+item, that input's digest), checked against the
// session's key. A receipt of an input the buyer never sent proves
// nothing. The circuit's commitments of the two tensors are computed here,
// as for a batch item.
func checkReceipt(j jobstypes.Job, item uint64, m *MsgSubmitProof) (in, out [32]byte, err error) {
	if len(m.OutputPath) != 0 || len(m.ItemInput) == 0 || len(m.ItemOutput) == 0 {
		return in, out, errorsmod.Wrapf(ErrInvalidItem, "job %d is a serving checkpoint: the proof carries the receipt, its path and the request's input and output tensors", j.Id)
	}
	r, err := serving.ParseBody(m.Receipt)
	if err != nil {
		return in, out, errorsmod.Wrapf(ErrInvalidItem, "job %d: %v", j.Id, err)
	}
	if want := j.Checkpoint.First + item; r.Seq != want {
		return in, out, errorsmod.Wrapf(ErrInvalidItem, "item %d of job %d is request %d, the receipt is of request %d", item, j.Id, want, r.Seq)
	}
	if err := batch.VerifyPath(batch.KindReceipt, j.Result.OutputCommitment, j.Items, item, r.Leaf(item), m.InputPath); err != nil {
		return in, out, errorsmod.Wrapf(ErrInvalidItem, "item %d's receipt: %v", item, err)
	}
	r.Session = j.Checkpoint.SessionId
	if err := serving.VerifyVoucher(j.Checkpoint.BuyerKey, j.Checkpoint.ChainId, r.VoucherOf()); err != nil {
		return in, out, errorsmod.Wrapf(ErrInvalidItem, "request %d's receipt answers no input the buyer sent with it (its voucher: %v)", r.Seq, err)
	}
	if serving.Digest(m.ItemInput) != r.Input || serving.Digest(m.ItemOutput) != r.Output {
		return in, out, errorsmod.Wrapf(ErrInvalidItem, "request %d: the tensors are not the receipt's (their SHA-256 digests)", r.Seq)
	}
	scheme, err := zkverify.SchemeOfCircuit(j.CircuitId)
	if err != nil {
		return in, out, errorsmod.Wrap(ErrInvalidItem, err.Error())
	}
	if in, err = zkverify.TensorCommitment(scheme, m.ItemInput); err != nil {
		return in, out, errorsmod.Wrap(ErrInvalidItem, err.Error())
	}
	if out, err = zkverify.TensorCommitment(scheme, m.ItemOutput); err != nil {
		return in, out, errorsmod.Wrap(ErrInvalidItem, err.Error())
	}
	return in, out, nil
}

// ReceiptGas is what checking a challenge's receipt evidence costs,
// charged before it runs: two ed25519 checks (the provider's receipt and
// the buyer's voucher in it) and, with a leaf, its path.
func ReceiptGas(m *MsgChallenge) uint64 {
	if !m.HasReceipt() {
		return 0
	}
	return 2*ReceiptSigGas + uint64(len(m.LeafPath)+2)*ItemHashGas
}

// CheckChallengeReceipt checks the receipt a challenge of item of job j
// carries: j is a serving checkpoint, the receipt is of its request
// first+item, signed by the provider's serving key on the checkpoint's
// chain and session, and answers an input the buyer sent with that
// request (its voucher, by the session's key). With a leaf, it also checks
// the leaf is the checkpoint tree's at item and reports whether it differs
// from the receipt: equivocation, the provider's two signatures (the
// receipt's, and its checkpoint's over the tree root) saying two things of
// one request. A registered error otherwise; nothing here panics.
func CheckChallengeReceipt(j jobstypes.Job, m *MsgChallenge) (body []byte, equivocation bool, err error) {
	if j.Checkpoint == nil || j.Result == nil {
		return nil, false, errorsmod.Wrapf(ErrInvalidReceipt, "job %d is not a serving checkpoint: a challenge of it carries no receipt", j.Id)
	}
	cp := j.Checkpoint
	r, err := serving.ParseBody(m.Receipt)
	if err != nil {
		return nil, false, errorsmod.Wrap(ErrInvalidReceipt, err.Error())
	}
	if want := cp.First + m.Item; r.Seq != want {
		return nil, false, errorsmod.Wrapf(ErrInvalidReceipt, "item %d of job %d is request %d, the receipt is of request %d", m.Item, j.Id, want, r.Seq)
	}
	r.Session, r.Signature = cp.SessionId, m.ReceiptSignature
	if err := serving.VerifyReceipt(cp.ProviderKey, cp.ChainId, r); err != nil {
		return nil, false, errorsmod.Wrapf(ErrInvalidReceipt, "request %d: not the provider's receipt on session %d of %s: %v", r.Seq, cp.SessionId, cp.ChainId, err)
	}
	if err := serving.VerifyVoucher(cp.BuyerKey, cp.ChainId, r.VoucherOf()); err != nil {
		return nil, false, errorsmod.Wrapf(ErrInvalidReceipt, "request %d's receipt answers no input the buyer sent with it (its voucher: %v)", r.Seq, err)
	}
	if len(m.Leaf) == 0 && len(m.LeafPath) == 0 {
		return m.Receipt, false, nil
	}
	if len(m.Leaf) != serving.BodyLen {
		return nil, false, errorsmod.Wrapf(ErrInvalidReceipt, "leaf of %d bytes, want a receipt body of %d", len(m.Leaf), serving.BodyLen)
	}
	if err := batch.VerifyPath(batch.KindReceipt, j.Result.OutputCommitment, j.Items, m.Item, batch.Leaf(batch.KindReceipt, m.Item, m.Leaf), m.LeafPath); err != nil {
		return nil, false, errorsmod.Wrapf(ErrInvalidReceipt, "the leaf is not item %d of job %d's receipt tree: %v", m.Item, j.Id, err)
	}
	leaf, err := serving.ParseBody(m.Leaf)
	if err != nil {
		return nil, false, errorsmod.Wrap(ErrInvalidReceipt, err.Error())
	}
	if !Contradicts(r, leaf) {
		return nil, false, errorsmod.Wrapf(ErrInvalidReceipt, "the checkpoint's leaf answers request %d's input as the receipt does: no equivocation (challenge without the leaf to have it proven)", r.Seq)
	}
	return m.Receipt, true, nil
}

// Contradicts reports whether the checkpoint's leaf contradicts a receipt
// the provider served of the same request: equivocation is one request —
// the same sequence and input — answered with two outputs. Nothing else
// counts: the provider's times may differ between two answers of one
// request (a retry answered again), and so may the bytes of the buyer's
// voucher (ed25519 admits many valid signatures of one message); a leaf of
// another input means the buyer signed two vouchers of that request, its
// own doing, and its proof answers the dispute as any item's.
func Contradicts(served, leaf serving.Receipt) bool {
	return served.Seq == leaf.Seq && served.Input == leaf.Input && served.Output != leaf.Output
}

// ChallengeBondFor is the bond a challenge of job j costs under params p.
func ChallengeBondFor(p Params, j jobstypes.Job) sdk.Coin {
	return p.ChallengeBond(jobstypes.Payment(j))
}

// FraudSlash is what losing a dispute on job j costs a provider with this
// bond: fraud_slash_multiple × the job's agreed payment (price × units),
// at most fraud_slash_bps of the bond. Sized by the job, so one job costs
// no more than the provider consented to risk on it (its offer bounds the
// job's size and price); the audit rate's deterrence floor is sized from
// it, so a wrong result still loses in expectation.
func FraudSlash(p Params, bond math.Int, j jobstypes.Job) math.Int {
	capped := bps.Floor(bond, p.FraudSlashBps)
	agreed := j.PricePerUnit.Amount.Mul(math.NewIntFromUint64(j.Units))
	return math.MinInt(capped, agreed.MulRaw(int64(p.FraudSlashMultiple)))
}

// ProviderShare is what a provider proven right receives of the losing
// challenger's bond: reward_share_bps of it, rounded down (the rest goes to
// the community pool).
func ProviderShare(p Params, bond math.Int) math.Int {
	return bps.Floor(bond, p.RewardShareBps)
}

// ChallengerReward is what a winning challenger receives of a fraud slash,
// besides its bond back: challenger_reward_bps of it, rounded down.
func ChallengerReward(p Params, slash math.Int) math.Int {
	return bps.Floor(slash, p.ChallengerRewardBps)
}

// DeterrenceRatePPM is the audit probability (ppm) at which posting a wrong
// result loses in expectation: probability × fraud slash ≥
// audit_deterrence_bps × payment. A provider whose slash is small next to
// the job is audited more, up to always.
func DeterrenceRatePPM(p Params, payment, slash math.Int) uint32 {
	if p.AuditDeterrenceBps == 0 || !payment.IsPositive() {
		return 0
	}
	if !slash.IsPositive() {
		return MaxPpm
	}
	// ceil(deterrence/1e4 × payment / slash × 1e6)
	r := bps.CeilOver(payment, p.AuditDeterrenceBps, slash, MaxPpm)
	if r.GT(math.NewInt(MaxPpm)) {
		return MaxPpm
	}
	return uint32(r.Int64())
}
