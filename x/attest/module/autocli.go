package module

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"
)

// AutoCLIOptions describes `verdictd tx attest` and `verdictd query
// attest`. Byte arguments take a file path, hex or base64.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: "verdict.attest.v1.Query",
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show the x/attest params"},
				{RpcMethod: "Policy", Use: "policy", Short: "Show the trusted vendor roots and minimum TCB levels"},
				{RpcMethod: "Measurements", Use: "measurements", Short: "List the allowed measurements"},
				{
					RpcMethod: "Attestation", Use: "attestation [operator]", Short: "A provider's attestation and whether it counts now",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "operator"}},
				},
				{RpcMethod: "Attestations", Use: "attestations", Short: "List attestations (expired ones until EndBlock removes them)"},
				{
					RpcMethod: "Collateral", Use: "collateral [kind] [key]", Short: "A stored Intel collateral document (kind tcb-info with an FMSPC, qe-identity, pck-crl with processor|platform, root-ca-crl)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "kind"}, {ProtoField: "key", Optional: true}},
				},
				{
					RpcMethod: "ReportData", Use: "report-data [operator] [nonce-height] [enclave-pubkey-hex]",
					Short:          "The 64 bytes a provider's evidence must carry for a nonce block and enclave key",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "operator"}, {ProtoField: "nonce_height"}, {ProtoField: "enclave_pubkey"}},
				},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: "verdict.attest.v1.Msg",
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod: "RegisterAttestation", Use: "register-attestation [tee-type] [evidence-file] [nonce-height] [enclave-pubkey-hex]",
					Short:          "Attest the signer, an active provider: a TDX quote (tee-type tdx) or an SEV-SNP report with --vcek (tee-type sev-snp), binding report-data for the nonce block and enclave key",
					Example:        "verdictd tx attest register-attestation sev-snp report.bin 1234 <64 hex> --vcek vcek.der --from provider",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "tee_type"}, {ProtoField: "evidence"}, {ProtoField: "nonce_height"}, {ProtoField: "enclave_pubkey"}},
				},
				{RpcMethod: "RevokeAttestation", Use: "revoke-attestation", Short: "Withdraw the signer's own attestation (e.g. a leaked enclave key)"},
				{
					RpcMethod: "SubmitCollateral", Use: "submit-collateral [kind] [body-file] [issuer-chain-pem]",
					Short:          "Store an Intel PCS document (anyone may relay one; an older one never replaces a newer one)",
					Example:        "verdictd tx attest submit-collateral tcb-info tcbinfo.json \"$(cat tcb-issuer-chain.pem)\" --from relayer",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "kind"}, {ProtoField: "body"}, {ProtoField: "issuer_chain", Optional: true}},
				},
				{
					RpcMethod: "AllowMeasurement", Use: "allow-measurement-proposal [measurement-json]",
					Short:          "Propose to allow a measurement (governance)",
					Example:        `verdictd tx attest allow-measurement-proposal '{"tee_type":"TEE_TYPE_SEV_SNP","value":"<base64>","note":"inference image v3"}' --title ... --summary ... --deposit 10000000uverd --from validator`,
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "measurement"}},
					GovProposal:    true,
				},
				{
					RpcMethod: "RemoveMeasurement", Use: "remove-measurement-proposal [tee-type] [value-hex]",
					Short:          "Propose to remove a measurement (governance): every attestation using it stops counting at once",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "tee_type"}, {ProtoField: "value"}},
					GovProposal:    true,
				},
				{
					RpcMethod: "UpdatePolicy", Use: "update-policy-proposal [policy]",
					Short:          "Propose a new attestation policy (governance)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "policy"}},
					GovProposal:    true,
				},
				{
					RpcMethod: "UpdateParams", Use: "update-params-proposal [params]",
					Short:          "Propose new x/attest params (governance; the proposal flags say title, summary, deposit)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "params"}},
					GovProposal:    true,
				},
			},
		},
	}
}
