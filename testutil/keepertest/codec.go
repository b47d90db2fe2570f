// Package keepertest holds the setup shared by the modules' keeper suites.
package keepertest

import (
	"testing"

	"cosmossdk.io/core/address"
	"github.com/stretchr/testify/require"

	"github.com/cosmos/cosmos-sdk/codec"
	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/x/tx/signing"

	"github.com/verdict-chain/verdict/app/protoreg"
)

// Codec returns a proto codec whose interface registry knows the given
// modules' types and can derive Msg signers (as the ante handler does), and
// the account address codec.
func Codec(t testing.TB, register ...func(codectypes.InterfaceRegistry)) (codec.Codec, address.Codec) {
	t.Helper()
	ac := addresscodec.NewBech32Codec(sdk.GetConfig().GetBech32AccountAddrPrefix())
	files, err := protoreg.Files()
	require.NoError(t, err)
	reg, err := codectypes.NewInterfaceRegistryWithOptions(codectypes.InterfaceRegistryOptions{
		ProtoFiles: files,
		SigningOptions: signing.Options{
			AddressCodec:          ac,
			ValidatorAddressCodec: addresscodec.NewBech32Codec(sdk.GetConfig().GetBech32ValidatorAddrPrefix()),
		},
	})
	require.NoError(t, err)
	for _, r := range register {
		r(reg)
	}
	return codec.NewProtoCodec(reg), ac
}
