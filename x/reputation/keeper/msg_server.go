package keeper

import (
	errorsmod "cosmossdk.io/errors"

	"github.com/verdict-chain/verdict/x/reputation/types"
)

// The Msg service: the governance params update (msg_server_update_params.go).

type msgServer struct{ k *Keeper }

// NewMsgServerImpl returns the Msg service.
func NewMsgServerImpl(k *Keeper) types.MsgServer { return msgServer{k: k} }

var _ types.MsgServer = msgServer{}

func (s msgServer) requireAuthority(a string) error {
	if _, err := s.k.addressCodec.StringToBytes(a); err != nil {
		return errorsmod.Wrapf(types.ErrInvalidAddress, "authority: %v", err)
	}
	if a != s.k.authority {
		return errorsmod.Wrapf(types.ErrUnauthorized, "expected %s, got %s", s.k.authority, a)
	}
	return nil
}
