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
	legacy.RegisterAminoMsg(cdc, &MsgRegisterAttestation{}, "verdict/attest/MsgRegisterAttestation")
	legacy.RegisterAminoMsg(cdc, &MsgRevokeAttestation{}, "verdict/attest/MsgRevokeAttestation")
	legacy.RegisterAminoMsg(cdc, &MsgSubmitCollateral{}, "verdict/attest/MsgSubmitCollateral")
	legacy.RegisterAminoMsg(cdc, &MsgAllowMeasurement{}, "verdict/attest/MsgAllowMeasurement")
	legacy.RegisterAminoMsg(cdc, &MsgRemoveMeasurement{}, "verdict/attest/MsgRemoveMeasurement")
	legacy.RegisterAminoMsg(cdc, &MsgUpdatePolicy{}, "verdict/attest/MsgUpdatePolicy")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "verdict/attest/MsgUpdateParams")
	cdc.RegisterConcrete(&Params{}, "verdict/attest/Params", nil)
	cdc.RegisterConcrete(&Policy{}, "verdict/attest/Policy", nil)
}

// RegisterInterfaces registers the Msg implementations.
func RegisterInterfaces(registry codectypes.InterfaceRegistry) {
	registry.RegisterImplementations((*sdk.Msg)(nil),
		&MsgRegisterAttestation{}, &MsgRevokeAttestation{}, &MsgSubmitCollateral{},
		&MsgAllowMeasurement{}, &MsgRemoveMeasurement{}, &MsgUpdatePolicy{}, &MsgUpdateParams{})
	msgservice.RegisterMsgServiceDesc(registry, &_Msg_serviceDesc)
}
