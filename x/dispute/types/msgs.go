package types

import (
	"crypto/ed25519"

	"github.com/verdict-chain/verdict/x/jobs/batch"
	"github.com/verdict-chain/verdict/x/jobs/serving"

	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"
)

// Stateless size caps, checked in CheckTx before a transaction reaches the
// mempool: a proof or key larger than these can never be valid, so it is
// refused before any gas is spent on it. Everything else is checked in the
// keeper against params and state.

var (
	_ sdk.HasValidateBasic = (*MsgSubmitProof)(nil)
	_ sdk.HasValidateBasic = (*MsgRegisterCircuit)(nil)
	_ sdk.HasValidateBasic = (*MsgChallenge)(nil)
)

// ValidateBasic caps a challenge's receipt evidence: a receipt body and its
// signature come together, a leaf only with them.
func (m *MsgChallenge) ValidateBasic() error {
	if !m.HasReceipt() {
		return nil
	}
	if len(m.Receipt) != serving.BodyLen || len(m.ReceiptSignature) != ed25519.SignatureSize {
		return errorsmod.Wrapf(ErrInvalidReceipt, "receipt of %d bytes signed by %d, want %d and %d", len(m.Receipt), len(m.ReceiptSignature), serving.BodyLen, ed25519.SignatureSize)
	}
	if len(m.Leaf) > serving.BodyLen || len(m.LeafPath) > batch.MaxDepth {
		return errorsmod.Wrapf(ErrInvalidReceipt, "leaf of %d bytes with %d siblings, at most %d and %d", len(m.Leaf), len(m.LeafPath), serving.BodyLen, batch.MaxDepth)
	}
	return nil
}

// HasReceipt reports whether the challenge carries receipt evidence.
func (m *MsgChallenge) HasReceipt() bool {
	return len(m.Receipt) > 0 || len(m.ReceiptSignature) > 0 || len(m.Leaf) > 0 || len(m.LeafPath) > 0
}

// ValidateBasic caps the proof size.
func (m *MsgSubmitProof) ValidateBasic() error {
	if len(m.Proof) == 0 || len(m.Proof) > AbsMaxProofBytes {
		return errorsmod.Wrapf(ErrMalformedProof, "proof is %d bytes, want 1..%d", len(m.Proof), AbsMaxProofBytes)
	}
	if len(m.ItemInput) > MaxItemBytes || len(m.ItemOutput) > MaxItemBytes {
		return errorsmod.Wrapf(ErrInvalidItem, "item tensors are %d and %d bytes, at most %d each", len(m.ItemInput), len(m.ItemOutput), MaxItemBytes)
	}
	if len(m.InputPath) > batch.MaxDepth || len(m.OutputPath) > batch.MaxDepth {
		return errorsmod.Wrapf(ErrInvalidItem, "paths of %d and %d siblings, at most %d each", len(m.InputPath), len(m.OutputPath), batch.MaxDepth)
	}
	if len(m.Receipt) != 0 && len(m.Receipt) != serving.BodyLen {
		return errorsmod.Wrapf(ErrInvalidItem, "a receipt body of %d bytes, want %d", len(m.Receipt), serving.BodyLen)
	}
	return nil
}

// HasItem reports whether the message carries batch item evidence.
func (m *MsgSubmitProof) HasItem() bool {
	return len(m.ItemInput) > 0 || len(m.ItemOutput) > 0 || len(m.InputPath) > 0 || len(m.OutputPath) > 0 || len(m.Receipt) > 0
}

// ValidateBasic caps the verifying key size (the circuit id and its
// commitment key hash are the keeper's: RegisterCircuit).
func (m *MsgRegisterCircuit) ValidateBasic() error {
	if len(m.VerifyingKey) == 0 || len(m.VerifyingKey) > AbsMaxVKBytes {
		return errorsmod.Wrapf(ErrInvalidVK, "verifying key is %d bytes, want 1..%d", len(m.VerifyingKey), AbsMaxVKBytes)
	}
	return nil
}
