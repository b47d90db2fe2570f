// Package serving is the off-chain half of a serving session's protocol,
// shared by the chain, the agents and the CLI: what a buyer's voucher and a
// provider's receipt sign, how they are checked, and the leaves of the
// receipt tree a checkpoint commits to.
//
// A session is a payment channel with optimistic verification between one
// buyer and one provider. Every request travels off-chain with a voucher,
// the buyer's session key's signature over
//
//	"verdict/voucher/v1" | chain id | session u64 | count u64 | input digest
//
// where count is the number of requests the buyer has sent in the session,
// this one included (1, 2, 3, ...): the buyer's consent to pay for count
// requests. Every answer travels back with a receipt, the provider's
// serving key's signature over
//
//	"verdict/receipt/v1" | chain id | session u64 | body
//	body = seq u64 | input digest | output digest | received_ms u64 | answered_ms u64 | voucher signature
//
// where seq is the request's count, a digest is the SHA-256 of the raw
// tensor (one int8 per byte: Digest), the times are the provider's clock
// in Unix milliseconds, so a latency claim can be checked against the
// buyer's own, and the voucher signature is the buyer's voucher of that
// very request (count seq, that input): a receipt can only answer an input
// the buyer sent, so a provider cannot stand one inference of its choosing
// in for the requests it was paid for.
//
// Digests, not the circuit's commitments: a request costs a SHA-256 of its
// tensors (microseconds), not a ZK-friendly hash of them (tens to hundreds
// of microseconds, more than a small model's inference). The circuit's
// commitments are computed only when a receipt is disputed, by the chain,
// from the tensors the proof reveals (x/dispute), as for a batch item.
// A provider answers each request once (counts are strictly sequential)
// and keeps its receipt durably before the answer leaves: the one
// contradiction the chain slashes at once is a request whose checkpoint
// leaf answers the receipt's input with another output (x/dispute
// Contradicts); times or voucher bytes that differ between two answers of
// one request are not evidence, and neither is a buyer's second voucher of
// a count.
// A checkpoint commits to the receipts of requests first..last by the root
// of a x/jobs/batch tree of kind KindReceipt whose leaf i is
// batch.Leaf(KindReceipt, i, body) of request first+i: any receipt can be
// challenged (its inference proven with the job path's circuit), and a
// receipt that contradicts the tree is equivocation, shown by the receipt
// and the leaf's inclusion path.
//
// Keys are ed25519 (RFC 8032, the standard library's crypto/ed25519): a
// signature is 64 bytes, signing and checking take tens of microseconds
// (BenchmarkVoucher, against the chain's secp256k1 in the same run), and a
// buyer's session key need not be a chain account: a client can hold a
// throwaway key for one session. Every integer is big-endian; the chain id
// is length-prefixed (u16), so no two (chain, session) pairs share a
// message. The package is pure: the standard library and x/jobs/batch.
package serving

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/verdict-chain/verdict/x/jobs/batch"
)

const (
	// CommitmentLen is the length of an input or output digest.
	CommitmentLen = 32
	// BodyLen is the length of a receipt's body (a receipt leaf's value).
	BodyLen = 8 + 2*CommitmentLen + 8 + 8 + ed25519.SignatureSize
	// MaxChainIDLen bounds the chain id a signature binds.
	MaxChainIDLen = 64

	voucherDomain = "verdict/voucher/v1"
	receiptDomain = "verdict/receipt/v1"
)

var (
	ErrKey       = errors.New("serving: malformed public key")
	ErrSignature = errors.New("serving: signature does not verify")
	ErrMalformed = errors.New("serving: malformed voucher or receipt")
)

// Commitment is an input or output digest (Digest).
type Commitment = [CommitmentLen]byte

// Digest is a tensor's digest in vouchers and receipts: the SHA-256 of its
// raw bytes (one int8 value per byte).
func Digest(raw []byte) Commitment { return sha256.Sum256(raw) }

// Voucher is the buyer's consent to pay for Count requests of a session.
type Voucher struct {
	Session uint64
	// Count: requests sent in the session so far, this one included.
	Count uint64
	// Input: the digest of request Count's input.
	Input     Commitment
	Signature []byte
}

// Receipt is the provider's statement that it answered request Seq of a
// session with Output.
type Receipt struct {
	Session    uint64
	Seq        uint64
	Input      Commitment
	Output     Commitment
	ReceivedMs uint64
	AnsweredMs uint64
	// Voucher: the buyer's voucher signature of this request (count Seq,
	// Input).
	Voucher   []byte
	Signature []byte
}

// VoucherOf is the buyer's voucher a receipt carries.
func (r Receipt) VoucherOf() Voucher {
	return Voucher{Session: r.Session, Count: r.Seq, Input: r.Input, Signature: r.Voucher}
}

// CheckChainID checks a chain id a signature can bind.
func CheckChainID(chainID string) error {
	if len(chainID) == 0 || len(chainID) > MaxChainIDLen {
		return fmt.Errorf("%w: chain id of %d bytes, want 1..%d", ErrMalformed, len(chainID), MaxChainIDLen)
	}
	return nil
}

func prefix(domain, chainID string, session uint64, n int) ([]byte, error) {
	if err := CheckChainID(chainID); err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(domain)+2+len(chainID)+8+n)
	b = append(b, domain...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(chainID))) //nolint:gosec // at most MaxChainIDLen, checked above
	b = append(b, chainID...)
	return binary.BigEndian.AppendUint64(b, session), nil
}

// VoucherSignBytes is what a voucher's signature signs.
func VoucherSignBytes(chainID string, session, count uint64, input Commitment) ([]byte, error) {
	b, err := prefix(voucherDomain, chainID, session, 8+CommitmentLen)
	if err != nil {
		return nil, err
	}
	b = binary.BigEndian.AppendUint64(b, count)
	return append(b, input[:]...), nil
}

// Body is a receipt's body: what its signature covers after the session,
// and the value of its leaf in a checkpoint's receipt tree.
func (r Receipt) Body() []byte {
	b := make([]byte, 0, BodyLen)
	b = binary.BigEndian.AppendUint64(b, r.Seq)
	b = append(b, r.Input[:]...)
	b = append(b, r.Output[:]...)
	b = binary.BigEndian.AppendUint64(b, r.ReceivedMs)
	b = binary.BigEndian.AppendUint64(b, r.AnsweredMs)
	v := make([]byte, ed25519.SignatureSize) // a missing or short voucher: zeros, which verify as nothing
	copy(v, r.Voucher)
	return append(b, v...)
}

// ParseBody reads a receipt body (the session and signature left empty).
func ParseBody(b []byte) (Receipt, error) {
	if len(b) != BodyLen {
		return Receipt{}, fmt.Errorf("%w: receipt body of %d bytes, want %d", ErrMalformed, len(b), BodyLen)
	}
	var r Receipt
	r.Seq = binary.BigEndian.Uint64(b)
	copy(r.Input[:], b[8:])
	copy(r.Output[:], b[8+CommitmentLen:])
	r.ReceivedMs = binary.BigEndian.Uint64(b[8+2*CommitmentLen:])
	r.AnsweredMs = binary.BigEndian.Uint64(b[16+2*CommitmentLen:])
	r.Voucher = append([]byte(nil), b[24+2*CommitmentLen:]...)
	return r, nil
}

// ReceiptSignBytes is what a receipt's signature signs.
func ReceiptSignBytes(chainID string, r Receipt) ([]byte, error) {
	b, err := prefix(receiptDomain, chainID, r.Session, BodyLen)
	if err != nil {
		return nil, err
	}
	return append(b, r.Body()...), nil
}

// Leaf is the receipt's leaf at position i of a checkpoint's receipt tree
// (i = Seq - the checkpoint's first request).
func (r Receipt) Leaf(i uint64) batch.Hash {
	return batch.Leaf(batch.KindReceipt, i, r.Body())
}

// SignVoucher signs a voucher with the buyer's session key.
func SignVoucher(key ed25519.PrivateKey, chainID string, v Voucher) (Voucher, error) {
	msg, err := VoucherSignBytes(chainID, v.Session, v.Count, v.Input)
	if err != nil {
		return v, err
	}
	v.Signature = ed25519.Sign(key, msg)
	return v, nil
}

// SignReceipt signs a receipt with the provider's serving key.
func SignReceipt(key ed25519.PrivateKey, chainID string, r Receipt) (Receipt, error) {
	msg, err := ReceiptSignBytes(chainID, r)
	if err != nil {
		return r, err
	}
	r.Signature = ed25519.Sign(key, msg)
	return r, nil
}

// CheckKey checks a public key's length (ed25519 accepts any 32 bytes).
func CheckKey(pub []byte) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: %d bytes, want %d (ed25519)", ErrKey, len(pub), ed25519.PublicKeySize)
	}
	return nil
}

func verify(pub []byte, msg, sig []byte) error {
	if err := CheckKey(pub); err != nil {
		return err
	}
	if len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("%w: %d bytes, want %d", ErrSignature, len(sig), ed25519.SignatureSize)
	}
	if !ed25519.Verify(ed25519.PublicKey(pub), msg, sig) {
		return ErrSignature
	}
	return nil
}

// VerifyVoucher checks a voucher's signature by the buyer's session key.
func VerifyVoucher(pub []byte, chainID string, v Voucher) error {
	msg, err := VoucherSignBytes(chainID, v.Session, v.Count, v.Input)
	if err != nil {
		return err
	}
	if v.Count == 0 {
		return fmt.Errorf("%w: a voucher counts at least one request", ErrMalformed)
	}
	return verify(pub, msg, v.Signature)
}

// VerifyReceipt checks a receipt's signature by the provider's serving key.
func VerifyReceipt(pub []byte, chainID string, r Receipt) error {
	msg, err := ReceiptSignBytes(chainID, r)
	if err != nil {
		return err
	}
	if r.Seq == 0 {
		return fmt.Errorf("%w: requests are counted from 1", ErrMalformed)
	}
	return verify(pub, msg, r.Signature)
}
