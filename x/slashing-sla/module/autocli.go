package module

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"
)

// AutoCLIOptions describes `verdictd tx slashingsla` and `verdictd query
// slashingsla`.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: "verdict.slashingsla.v1.Query",
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show the x/slashingsla params"},
				{RpcMethod: "Monitors", Use: "monitors", Short: "List registered SLA monitors"},
				{
					RpcMethod: "Reports", Use: "reports [job-id]", Short: "SLA reports gathered for a job (until it is graded)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "job_id"}},
				},
				{
					RpcMethod: "Assessment", Use: "assessment [job-id]", Short: "How a job's SLA was graded: severity, slash, compensation, jail",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "job_id"}},
				},
				{
					RpcMethod: "Violations", Use: "violations [provider]", Short: "A provider's SLA violations and how many count toward jail now",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "provider"}},
				},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: "verdict.slashingsla.v1.Msg",
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod: "SubmitReport", Use: "submit-report [job-id] [metrics-json]",
					Short:          "Report measured service of a job with SLA terms (the buyer or a registered monitor)",
					Example:        `verdictd tx slashingsla submit-report 7 '{"latency_p50_ms":40,"latency_p99_ms":180,"jitter_ms":12,"throughput_mean_milli":9000,"throughput_cv_ppm":50000,"completed_ppm":1000000,"window":"60s"}' --from monitor`,
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "job_id"}, {ProtoField: "metrics"}},
				},
				{RpcMethod: "Unjail", Use: "unjail", Short: "Return the signer, a jailed provider, to the market after its jail time"},
				{RpcMethod: "RegisterMonitor", Skip: true}, // authority only: governance or genesis
				{RpcMethod: "RemoveMonitor", Skip: true},
				{
					RpcMethod: "UpdateParams", Use: "update-params-proposal [params]",
					Short:          "Propose new x/slashingsla params (governance; the proposal flags say title, summary, deposit)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "params"}},
					GovProposal:    true,
				},
			},
		},
	}
}
