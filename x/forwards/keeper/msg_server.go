package keeper

import (
	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/forwards/types"
)

// The Msg service. Each handler (msg_server_<msg>.go) decodes and checks
// the signer, calls one keeper method and returns.

type msgServer struct{ k *Keeper }

// NewMsgServerImpl returns the Msg service.
func NewMsgServerImpl(k *Keeper) types.MsgServer { return msgServer{k: k} }

var _ types.MsgServer = msgServer{}

func (s msgServer) addr(field, a string) (sdk.AccAddress, error) {
	return s.k.addr(field, a)
}

func (s msgServer) requireAuthority(a string) error {
	if _, err := s.addr("authority", a); err != nil {
		return err
	}
	if a != s.k.authority {
		return errorsmod.Wrapf(types.ErrUnauthorized, "expected %s, got %s", s.k.authority, a)
	}
	return nil
}
