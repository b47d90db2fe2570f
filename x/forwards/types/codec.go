package types

import (
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/legacy"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/msgservice"
)

// RegisterLegacyAminoCodec registers the amino names used by ledger signing.
func RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	legacy.RegisterAminoMsg(cdc, &MsgPlaceOrder{}, "verdict/forwards/MsgPlaceOrder")
	legacy.RegisterAminoMsg(cdc, &MsgCancelOrder{}, "verdict/forwards/MsgCancelOrder")
	legacy.RegisterAminoMsg(cdc, &MsgTransferPosition{}, "verdict/forwards/MsgTransferPosition")
	legacy.RegisterAminoMsg(cdc, &MsgSubmitPositionJob{}, "verdict/forwards/MsgSubmitPositionJob")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "verdict/forwards/MsgUpdateParams")
	cdc.RegisterConcrete(&Params{}, "verdict/forwards/Params", nil)
}

// RegisterInterfaces registers the Msg implementations.
func RegisterInterfaces(registry codectypes.InterfaceRegistry) {
	registry.RegisterImplementations((*sdk.Msg)(nil),
		&MsgPlaceOrder{}, &MsgCancelOrder{}, &MsgTransferPosition{}, &MsgSubmitPositionJob{}, &MsgUpdateParams{})
	msgservice.RegisterMsgServiceDesc(registry, &_Msg_serviceDesc)
}
