package types

import (
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
)

// ValidateBasic caps the proof size.
func (m *MsgSubmitProof) ValidateBasic() error {
	if len(m.Proof) == 0 || len(m.Proof) > AbsMaxProofBytes {
		return errorsmod.Wrapf(ErrMalformedProof, "proof is %d bytes, want 1..%d", len(m.Proof), AbsMaxProofBytes)
	}
	return nil
}

// ValidateBasic caps the verifying key size.
func (m *MsgRegisterCircuit) ValidateBasic() error {
	if len(m.VerifyingKey) == 0 || len(m.VerifyingKey) > AbsMaxVKBytes {
		return errorsmod.Wrapf(ErrInvalidVK, "verifying key is %d bytes, want 1..%d", len(m.VerifyingKey), AbsMaxVKBytes)
	}
	return nil
}
