package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"

	"github.com/verdict-chain/verdict/x/dispute/types"
)

func (s msgServer) SubmitProof(ctx context.Context, msg *types.MsgSubmitProof) (*types.MsgSubmitProofResponse, error) {
	if _, err := s.k.addressCodec.StringToBytes(msg.Submitter); err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "submitter: %v", err)
	}
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	d, err := s.k.SubmitProof(ctx, msg.Submitter, msg.JobId, msg.Claim, msg.Proof)
	if err != nil {
		return nil, err
	}
	return &types.MsgSubmitProofResponse{Dispute: d}, nil
}
