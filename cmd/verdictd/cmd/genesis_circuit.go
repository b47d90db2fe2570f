package cmd

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	"github.com/cosmos/cosmos-sdk/server"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/x/genutil"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"

	"github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/zkml"
)

// addGenesisCircuitCmd registers a circuit in genesis.json, validating the
// verifying key exactly as MsgRegisterCircuit would (how a localnet or a new
// network starts with circuits; later ones come by governance).
func addGenesisCircuitCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "add-genesis-circuit [circuit-id] [vk-file]",
		Short: "Register a Groth16 verifying key in genesis.json",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx := client.GetClientContextFromCmd(cmd)
			config := server.GetServerContextFromCmd(cmd).Config
			config.SetRoot(clientCtx.HomeDir)
			genFile := config.GenesisFile()

			vkBytes, err := os.ReadFile(args[1])
			if err != nil {
				return err
			}
			appState, appGenesis, err := genutiltypes.GenesisStateFromGenFile(genFile)
			if err != nil {
				return err
			}
			var gs types.GenesisState
			if err := clientCtx.Codec.UnmarshalJSON(appState[types.ModuleName], &gs); err != nil {
				return fmt.Errorf("x/dispute genesis: %w", err)
			}
			if _, err := types.ParseVK(vkBytes, gs.Params.MaxVkBytes); err != nil {
				return err
			}
			name, _ := cmd.Flags().GetString("name")
			desc, _ := cmd.Flags().GetString("description")
			h := sha256.Sum256(vkBytes)
			var ckHash []byte
			if path, _ := cmd.Flags().GetString("commitment-key"); path != "" {
				ck, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				if _, err := zkml.ReadCommitmentKey(ck); err != nil {
					return fmt.Errorf("%s: %w", path, err)
				}
				sum := sha256.Sum256(ck)
				ckHash = sum[:]
			}
			gs.Circuits = append(gs.Circuits, types.Circuit{
				Id: args[0], Name: name, Description: desc,
				ProofSystem:  types.ProofSystem_PROOF_SYSTEM_GROTH16_BN254,
				VerifyingKey: vkBytes, VkHash: h[:], PublicInputs: types.PublicInputNames,
				CommitmentKeyHash: ckHash,
			})
			if err := gs.Validate(addresscodec.NewBech32Codec(sdk.GetConfig().GetBech32AccountAddrPrefix())); err != nil {
				return err
			}
			if appState[types.ModuleName], err = clientCtx.Codec.MarshalJSON(&gs); err != nil {
				return err
			}
			if appGenesis.AppState, err = json.Marshal(appState); err != nil {
				return err
			}
			if err := genutil.ExportGenesisFile(appGenesis, genFile); err != nil {
				return err
			}
			_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "circuit %s registered in %s (vk sha256 %x)\n", args[0], genFile, h)
			return nil
		},
	}
	cmd.Flags().String(flags.FlagHome, "", "the node's home directory")
	cmd.Flags().String("name", "", "human-readable name")
	cmd.Flags().String("description", "", "what the circuit proves")
	cmd.Flags().String("commitment-key", "", "a version 3 circuit's commitment key file (<circuit id>.ck from zk setup): its sha256 is registered with the circuit")
	return cmd
}
