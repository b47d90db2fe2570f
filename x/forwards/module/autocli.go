package module

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"
)

// AutoCLIOptions describes `verdictd tx forwards` and `verdictd query
// forwards`.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: "verdict.forwards.v1.Query",
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show the x/forwards params"},
				{
					RpcMethod: "Book", Use: "book [class] [window-start-unix] [window-length]", Short: "The order book of a series, both sides by price, best first",
					Example:        "verdictd q forwards book inference 1764583200 4h",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "class"}, {ProtoField: "window_start_unix"}, {ProtoField: "window_length"}},
				},
				{RpcMethod: "Order", Use: "order [id]", Short: "A resting order", PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "id"}}},
				{RpcMethod: "Orders", Use: "orders [owner]", Short: "An account's resting orders", PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "owner"}}},
				{RpcMethod: "Position", Use: "position [id]", Short: "A position: units delivered, at fault, in flight; escrow, collateral, settlement", PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "id"}}},
				{RpcMethod: "Positions", Use: "positions [owner]", Short: "Positions an account owns (--as-seller: sold)", PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "owner"}}},
				{RpcMethod: "Index", Use: "index [class]", Short: "A class's spot index and the hourly buckets it is made of", PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "class"}}},
				{RpcMethod: "Accounting", Use: "accounting", Short: "The module balance against order escrows, position escrows and collateral"},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: "verdict.forwards.v1.Msg",
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod: "PlaceOrder", Use: "place-order [series-json] [side] [price-per-unit] [units]",
					Short:          "Buy or sell units of a series at a limit price: fills at resting prices, the rest rests (sellers: --ratable-limit, --refund-unused)",
					Example:        `verdictd tx forwards place-order '{"class":"WORKLOAD_CLASS_INFERENCE","window_start":"2026-12-01T10:00:00Z","window_length":"4h"}' sell 120uverd 1000 --ratable-limit 500 --from provider`,
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "series"}, {ProtoField: "side"}, {ProtoField: "price_per_unit"}, {ProtoField: "units"}},
				},
				{RpcMethod: "CancelOrder", Use: "cancel-order [order-id]", Short: "Cancel a resting order; its escrow returns", PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "order_id"}}},
				{
					RpcMethod: "TransferPosition", Use: "transfer-position [position-id] [to]",
					Short:          "Move available units of a position to another owner (--units; all available by default)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "position_id"}, {ProtoField: "to"}},
				},
				{
					RpcMethod: "SubmitPositionJob", Use: "submit-position-job [position-id] [units] [model-commitment-hex] [input-commitment-hex] [time-limit]",
					Short:          "Draw units of a position as a job for its seller at the forward price (if the seller cannot take it, the units are its fault)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "position_id"}, {ProtoField: "units"}, {ProtoField: "model_commitment"}, {ProtoField: "input_commitment"}, {ProtoField: "time_limit"}},
				},
				{
					RpcMethod: "UpdateParams", Use: "update-params-proposal [params]",
					Short:          "Propose new x/forwards params (governance; live contracts keep their terms)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "params"}},
					GovProposal:    true,
				},
			},
		},
	}
}
