package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/attest/types"
)

func (s msgServer) RevokeAttestation(ctx context.Context, msg *types.MsgRevokeAttestation) (*types.MsgRevokeAttestationResponse, error) {
	op, err := s.addr("operator", msg.Operator)
	if err != nil {
		return nil, err
	}
	return &types.MsgRevokeAttestationResponse{}, s.k.Revoke(ctx, op, "revoked by its provider", 0)
}
