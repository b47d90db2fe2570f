package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"

	"github.com/verdict-chain/verdict/x/dispute/types"
)

func (s msgServer) SubmitProof(ctx context.Context, msg *types.MsgSubmitProof) (*types.MsgSubmitProofResponse, error) {
	bz, err := s.k.addressCodec.StringToBytes(msg.Submitter)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "submitter: %v", err)
	}
	// the canonical spelling (bech32 also takes the upper-case one): the
	// resolution stores it and the provider's own proof is recognised by it
	// (TestReview11UpperCaseOwnProofCountsAsSunk)
	submitter, err := s.k.addressCodec.BytesToString(bz)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "submitter: %v", err)
	}
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	d, err := s.k.SubmitProof(ctx, submitter, msg)
	if err != nil {
		return nil, err
	}
	return &types.MsgSubmitProofResponse{Dispute: d}, nil
}
