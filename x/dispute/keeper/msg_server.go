package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"

	"github.com/verdict-chain/verdict/x/dispute/types"
)

type msgServer struct{ k *Keeper }

// NewMsgServerImpl returns the Msg service.
func NewMsgServerImpl(k *Keeper) types.MsgServer { return msgServer{k: k} }

var _ types.MsgServer = msgServer{}

func (s msgServer) requireAuthority(authority string) error {
	if _, err := s.k.addressCodec.StringToBytes(authority); err != nil {
		return errorsmod.Wrapf(types.ErrInvalidAddress, "authority: %v", err)
	}
	if authority != s.k.authority {
		return errorsmod.Wrapf(types.ErrUnauthorized, "expected %s, got %s", s.k.authority, authority)
	}
	return nil
}

func (s msgServer) RegisterCircuit(ctx context.Context, msg *types.MsgRegisterCircuit) (*types.MsgRegisterCircuitResponse, error) {
	if err := s.requireAuthority(msg.Authority); err != nil {
		return nil, err
	}
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	c, err := s.k.RegisterCircuit(ctx, types.Circuit{
		Id: msg.CircuitId, Name: msg.Name, Description: msg.Description,
		ProofSystem: msg.ProofSystem, VerifyingKey: msg.VerifyingKey,
	})
	if err != nil {
		return nil, err
	}
	return &types.MsgRegisterCircuitResponse{VkHash: c.VkHash}, nil
}

func (s msgServer) Challenge(ctx context.Context, msg *types.MsgChallenge) (*types.MsgChallengeResponse, error) {
	challenger, err := s.k.addressCodec.StringToBytes(msg.Challenger)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "challenger: %v", err)
	}
	d, err := s.k.Challenge(ctx, challenger, msg.JobId, msg.CounterCommitment)
	if err != nil {
		return nil, err
	}
	return &types.MsgChallengeResponse{Dispute: d}, nil
}

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

func (s msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if err := s.requireAuthority(msg.Authority); err != nil {
		return nil, err
	}
	if err := msg.Params.Validate(); err != nil {
		return nil, err
	}
	old, err := s.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if msg.Params.MinChallengeBond.Denom != old.MinChallengeBond.Denom {
		return nil, errorsmod.Wrapf(types.ErrInvalidParams, "the bond denom cannot change (%s): open bonds are held in it", old.MinChallengeBond.Denom)
	}
	if err := s.k.Params.Set(ctx, msg.Params); err != nil {
		return nil, err
	}
	return &types.MsgUpdateParamsResponse{}, nil
}
