package module

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"
)

// AutoCLIOptions describes `verdictd tx dispute` and `verdictd query
// dispute`. Bytes (commitments, proofs) take hex; `verdictd zk prove` prints
// the proof in hex ready to paste.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: "verdict.dispute.v1.Query",
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show the x/dispute params"},
				{
					RpcMethod: "Circuit", Use: "circuit [id]", Short: "Show one registered circuit",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "id"}},
				},
				{RpcMethod: "Circuits", Use: "circuits", Short: "List registered circuits"},
				{
					RpcMethod: "Dispute", Use: "dispute [job-id]", Short: "Show the dispute of a job",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "job_id"}},
				},
				{RpcMethod: "Disputes", Use: "disputes", Short: "List disputes (--status open|provider-won|provider-lost)"},
				{
					RpcMethod: "ChallengeBond", Use: "challenge-bond [job-id]", Short: "The bond a challenge of this job costs now",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "job_id"}},
				},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: "verdict.dispute.v1.Msg",
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod:      "Challenge",
					Use:            "challenge [job-id]",
					Short:          "Challenge a posted result inside its window, posting the challenge bond",
					Long:           "Moves the job to DISPUTED and starts the proof window. --counter-commitment (hex) names the output you say is right; proving it later wins the dispute at once. For a batch job, --item names the item challenged (0..items-1) and the counter commitment is that item's output commitment (`verdictd zk batch-item` then `zk commit`). For a serving checkpoint, --item is the request's place in it (request minus the checkpoint's first) and --receipt, --receipt-signature (hex) the receipt the provider served: if the checkpoint's leaf answers its input with another output, the provider loses at once (equivocation); add that --leaf and --leaf-path when the provider published them, and it is slashed in this transaction.",
					Example:        "verdictd tx dispute challenge 7 --counter-commitment 0a1b... --from challenger",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "job_id"}},
				},
				{
					RpcMethod:      "SubmitProof",
					Use:            "submit-proof [job-id] [claim] [proof-hex]",
					Short:          "Submit a Groth16 proof for a disputed job (claim: provider or counter)",
					Long:           "The chain builds the public inputs itself from the job (model, input and output commitments, job id) and verifies against the job's registered circuit. Gas for verification is charged first. For a batch job the proof is of the disputed item, with its evidence: --item-input, --item-output (hex tensors) and --input-path, --output-path (one 32-byte hex sibling per flag, leaf first); `verdictd zk prove-item --evidence FILE` writes them.",
					Example:        "verdictd tx dispute submit-proof 7 provider $(cat proof.hex) --from provider --gas 400000",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "job_id"}, {ProtoField: "claim"}, {ProtoField: "proof"}},
				},
				{RpcMethod: "RegisterCircuit", Skip: true}, // authority only: via governance or genesis (`verdictd genesis add-genesis-circuit`)
				{
					RpcMethod: "UpdateParams", Use: "update-params-proposal [params]",
					Short:          "Propose new x/dispute params (governance; the proposal flags say title, summary, deposit)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "params"}},
					GovProposal:    true,
				},
			},
		},
	}
}
