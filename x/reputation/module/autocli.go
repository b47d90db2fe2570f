package module

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"
)

// AutoCLIOptions describes `verdictd query reputation`. The only Msg is the
// governance params update.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: "verdict.reputation.v1.Query",
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show the x/reputation params"},
				{
					RpcMethod: "Reputation", Use: "reputation [provider] [class]",
					Short:          "A provider's record and score (ppm) in a workload class, now",
					Example:        "verdictd q reputation reputation verdict1... inference",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "provider"}, {ProtoField: "class"}},
				},
				{
					RpcMethod: "RankProviders", Use: "rank-providers [class] [max-price-per-unit]",
					Short:          "The exact ranking the scheduler would use for a job with these terms",
					Example:        "verdictd q reputation rank-providers inference 150uverd --circuit-id mlp-64-64-10",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "class"}, {ProtoField: "max_price_per_unit"}},
				},
				{
					RpcMethod: "EstimateEfficiency", Use: "estimate-efficiency [sync-bytes-per-step] [compute-ms-per-step]",
					Short:          "Scaling efficiency E = Tcomp / (Tcomp + Tcomm) of a placement (--providers a,b,...)",
					Example:        "verdictd q reputation estimate-efficiency 100000000 500 --providers verdict1...,verdict1...",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "sync_bytes_per_step"}, {ProtoField: "compute_ms_per_step"}},
				},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: "verdict.reputation.v1.Msg",
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod: "UpdateParams", Use: "update-params-proposal [params]",
					Short:          "Propose new x/reputation params (governance; the proposal flags say title, summary, deposit)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "params"}},
					GovProposal:    true,
				},
			},
		},
	}
}
