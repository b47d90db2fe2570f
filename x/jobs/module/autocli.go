package module

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"
)

// AutoCLIOptions describes the `verdictd tx jobs` and `verdictd query jobs`
// commands. Enums take their short names (inference, batch-inference, ...
// as printed by --help), bytes take hex, nested messages take JSON.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: "verdict.jobs.v1.Query",
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show the x/jobs params"},
				{
					RpcMethod: "Provider", Use: "provider [operator]", Short: "Show one provider",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "operator"}},
				},
				{RpcMethod: "Providers", Use: "providers", Short: "List providers (--status to filter)"},
				{
					RpcMethod: "Job", Use: "job [id]", Short: "Show one job",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "id"}},
				},
				{RpcMethod: "Jobs", Use: "jobs", Short: "List jobs (--buyer, --provider, --status to filter)"},
				{RpcMethod: "Accounting", Use: "accounting", Short: "Compare the module balance with open escrows + bonds"},
				{
					RpcMethod: "Session", Use: "session [id]", Short: "Show one serving session",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "id"}},
				},
				{RpcMethod: "Sessions", Use: "sessions", Short: "List serving sessions (--buyer, --provider, --status to filter)"},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: "verdict.jobs.v1.Msg",
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod: "RegisterProvider",
					Use:       "register-provider [moniker] [endpoint] [bond]",
					Short:     "Register the signer as a compute provider, locking a bond",
					Example: `verdictd tx jobs register-provider gpu-1 https://gpu-1.example:8443 1000000000uverd \
  --classes inference --prices '{"class":"WORKLOAD_CLASS_INFERENCE","max_units_per_job":"1000000","max_open_units":"100000000","price_per_unit":{"denom":"uverd","amount":"100"}}' \
  --hardware '{"accelerator_model":"A100","accelerator_count":1,"memory_mb":81920}' --region eu-west --from provider`,
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "moniker"}, {ProtoField: "endpoint"}, {ProtoField: "bond"}},
				},
				{
					RpcMethod: "UpdateProvider", Use: "update-provider [moniker] [endpoint]",
					Short:          "Replace the signer's provider description, classes and prices",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "moniker"}, {ProtoField: "endpoint"}},
				},
				{RpcMethod: "PauseProvider", Use: "pause-provider", Short: "Stop receiving new jobs"},
				{RpcMethod: "ResumeProvider", Use: "resume-provider", Short: "Receive new jobs again"},
				{RpcMethod: "DeregisterProvider", Use: "deregister-provider", Short: "Start unbonding; the bond returns after unbonding_period"},
				{
					RpcMethod: "SubmitJob",
					Use:       "submit-job [class] [model-commitment-hex] [input-commitment-hex] [units] [max-price-per-unit] [time-limit]",
					Short:     "Submit a job, escrowing max-price-per-unit x units",
					Long:      "Escrows max-price-per-unit x units and assigns an eligible provider (or leaves an open order). A batch job: --items N (2..max_items, at most the provider's max_items_per_job, units >= items), the input commitment the root of the batch file (`verdictd zk batch-root`), a circuit id required.",
					Example:   "verdictd tx jobs submit-job inference <64 hex> <64 hex> 10 150uverd 10m --model-uri https://... --input-uri ipfs://... --from buyer",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "class"},
						{ProtoField: "model_commitment"},
						{ProtoField: "input_commitment"},
						{ProtoField: "units"},
						{ProtoField: "max_price_per_unit"},
						{ProtoField: "time_limit"},
					},
				},
				{
					RpcMethod: "AcceptJob", Use: "accept-job [job-id]", Short: "Take an open job as provider",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "job_id"}},
				},
				{
					RpcMethod: "CancelJob", Use: "cancel-job [job-id]", Short: "Cancel a job that has no result yet",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "job_id"}},
				},
				{
					RpcMethod: "PostResult", Use: "post-result [job-id] [output-commitment-hex] [units-used]",
					Short:          "Post the result of a job assigned to the signer",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "job_id"}, {ProtoField: "output_commitment"}, {ProtoField: "units_used"}},
				},
				{
					RpcMethod: "DeclineJob", Use: "decline-job [job-id]",
					Short:          "Give back a job assigned to the signer, within decline_window of its assignment (no penalty)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "job_id"}},
				},
				{
					RpcMethod: "AddBond", Use: "add-bond [amount]",
					Short:          "Top up the signer's provider bond (back above min_provider_bond after a slash)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "amount"}},
				},
				{
					RpcMethod: "OpenSession",
					Use:       "open-session [provider] [class] [circuit-id] [model-commitment-hex] [units-per-request] [max-price-per-unit] [max-requests] [duration] [session-key-hex]",
					Short:     "Open a serving session with a provider, escrowing max-requests x units-per-request x its price per unit",
					Long: "Requests then go to the provider off-chain, each with a voucher signed by the session key (an ed25519 public key; any key the buyer holds), " +
						"each answer with the provider's signed receipt; the provider checkpoints them on chain and is paid per checkpoint after its challenge window. " +
						"The provider's offer must cover the whole session (class, circuit, price, max_units_per_job, capacity) and it needs a serving key. " +
						"--model-uri says where the provider fetches the model (checked against the commitment before it serves). `verdictd session infer` is the client that signs the vouchers and checks the receipts. " +
						"--sla '{\"max_p99_latency_ms\":200,\"max_jitter_ms\":50,\"max_slash_bps\":10000}' sets SLA terms (latency and jitter only; the provider's offer must promise at least as much): monitors probe the session and each checkpoint is graded like a job.",
					Example: "verdictd tx jobs open-session verdict1... inference mlp2-64-64-10 <64 hex> 1000 150uverd 10000 24h <64 hex> --from buyer",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "provider"},
						{ProtoField: "class"},
						{ProtoField: "circuit_id"},
						{ProtoField: "model_commitment"},
						{ProtoField: "units_per_request"},
						{ProtoField: "max_price_per_unit"},
						{ProtoField: "max_requests"},
						{ProtoField: "duration"},
						{ProtoField: "session_key"},
					},
				},
				{
					RpcMethod: "Checkpoint",
					Use:       "checkpoint [session-id] [count] [last-input-hex] [voucher-signature-hex] [receipts-root-hex] [receipts-uri]",
					Short:     "Claim the requests the buyer's latest voucher counts beyond the last checkpoint, committed by the root of their receipts",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "session_id"},
						{ProtoField: "count"},
						{ProtoField: "last_input"},
						{ProtoField: "voucher_signature"},
						{ProtoField: "receipts_root"},
						{ProtoField: "receipts_uri"},
					},
				},
				{
					RpcMethod: "CloseSession", Use: "close-session [session-id]",
					Short:          "Close a serving session: by its buyer after the notice period (the provider may still checkpoint), by its provider at once",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "session_id"}},
				},
				{
					RpcMethod: "DeclineSession", Use: "decline-session [session-id]",
					Short:          "Refuse a serving session opened with the signer, before its decline_until (the buyer is refunded in full)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "session_id"}},
				},
				{
					RpcMethod: "UpdateParams", Use: "update-params-proposal [params]",
					Short:          "Propose new x/jobs params (governance; the proposal flags say title, summary, deposit)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "params"}},
					GovProposal:    true,
				},
			},
		},
	}
}
