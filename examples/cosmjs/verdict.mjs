// Query Verdict over REST and send a Verdict Msg (verdict.jobs.v1.MsgSubmitJob
// with SLA terms) with CosmJS 0.39, signed in direct mode and in amino-JSON
// mode (what Ledger devices and legacy multisig sign). Run by the
// end-to-end test against a real node; see README "For wallet and dApp
// developers".
//
//   MNEMONIC="..." VERDICT_RPC=http://127.0.0.1:26657 VERDICT_REST=http://127.0.0.1:1317 node verdict.mjs
//
// Prints one JSON line per submitted job.
import { Secp256k1HdWallet } from "@cosmjs/amino";
import { DirectSecp256k1HdWallet, Registry } from "@cosmjs/proto-signing";
import { AminoTypes, SigningStargateClient, defaultRegistryTypes } from "@cosmjs/stargate";
import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";

const rpc = process.env.VERDICT_RPC ?? "http://127.0.0.1:26657";
const rest = process.env.VERDICT_REST ?? "http://127.0.0.1:1317";
const mnemonic = process.env.MNEMONIC;
const modes = (process.env.MODES ?? "direct,amino").split(",");
if (!mnemonic) throw new Error("set MNEMONIC to the buyer's mnemonic");

// --- The Msg: protobuf encoding (field numbers from proto/verdict/jobs/v1/tx.proto)

const typeUrl = "/verdict.jobs.v1.MsgSubmitJob";

function writeDuration(w, seconds) {
  // google.protobuf.Duration { int64 seconds = 1; int32 nanos = 2; }
  if (seconds !== 0n) w.uint32(8).int64(seconds);
  return w;
}

const MsgSubmitJob = {
  fromPartial: (o) => ({ ...o }),
  encode(m, w = BinaryWriter.create()) {
    if (m.buyer) w.uint32(10).string(m.buyer);
    if (m.class) w.uint32(16).int32(m.class);
    if (m.modelCommitment?.length) w.uint32(26).bytes(m.modelCommitment);
    if (m.inputCommitment?.length) w.uint32(34).bytes(m.inputCommitment);
    if (m.inputUri) w.uint32(42).string(m.inputUri);
    if (m.circuitId) w.uint32(50).string(m.circuitId);
    if (m.units) w.uint32(56).uint64(m.units);
    // Coin max_price_per_unit = 8 (non-nullable: always present)
    w.uint32(66).fork().uint32(10).string(m.maxPricePerUnit.denom).uint32(18).string(m.maxPricePerUnit.amount).ldelim();
    if (m.provider) w.uint32(74).string(m.provider);
    // Duration time_limit = 10 (non-nullable: always present)
    writeDuration(w.uint32(82).fork(), m.timeLimitSeconds).ldelim();
    if (m.sla) {
      const s = m.sla;
      w.uint32(90).fork();
      if (s.maxP99LatencyMs) w.uint32(8).uint32(s.maxP99LatencyMs);
      if (s.maxJitterMs) w.uint32(16).uint32(s.maxJitterMs);
      if (s.minThroughputMilli) w.uint32(24).uint64(s.minThroughputMilli);
      writeDuration(w.uint32(34).fork(), s.completionTimeSeconds).ldelim();
      if (s.maxSlashBps) w.uint32(40).uint32(s.maxSlashBps);
      w.ldelim();
    }
    return w;
  },
  decode() {
    throw new Error("this example only encodes MsgSubmitJob");
  },
};

// --- The same Msg as the amino-JSON sign document shows it. Rules (the
// node's encoder, x/tx/signing/aminojson): field names as in the proto,
// zero values left out, except fields marked (amino.dont_omitempty) — every
// non-nullable sub-message, such as max_price_per_unit, time_limit and
// sla.completion_time — which always appear; 64-bit integers and durations
// (in nanoseconds) as strings; enums as numbers; bytes in base64.

const nanos = (seconds) => (seconds * 1_000_000_000n).toString();
const b64 = (bytes) => Buffer.from(bytes).toString("base64");
const fromB64 = (s) => new Uint8Array(Buffer.from(s, "base64"));
const omitEmpty = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== "" && v !== 0 && v !== "0"));

const aminoTypes = new AminoTypes({
  [typeUrl]: {
    aminoType: "verdict/x/jobs/MsgSubmitJob",
    toAmino: (m) => ({
      ...omitEmpty({
        buyer: m.buyer,
        class: m.class,
        model_commitment: m.modelCommitment?.length ? b64(m.modelCommitment) : undefined,
        input_commitment: m.inputCommitment?.length ? b64(m.inputCommitment) : undefined,
        input_uri: m.inputUri,
        circuit_id: m.circuitId,
        units: m.units ? m.units.toString() : undefined,
        provider: m.provider,
      }),
      max_price_per_unit: { amount: m.maxPricePerUnit.amount, denom: m.maxPricePerUnit.denom },
      time_limit: nanos(m.timeLimitSeconds),
      ...(m.sla
        ? {
            sla: {
              ...omitEmpty({
                max_p99_latency_ms: m.sla.maxP99LatencyMs,
                max_jitter_ms: m.sla.maxJitterMs,
                min_throughput_milli: m.sla.minThroughputMilli ? m.sla.minThroughputMilli.toString() : undefined,
                max_slash_bps: m.sla.maxSlashBps,
              }),
              completion_time: nanos(m.sla.completionTimeSeconds),
            },
          }
        : {}),
    }),
    fromAmino: (a) => ({
      buyer: a.buyer,
      class: a.class ?? 0,
      modelCommitment: a.model_commitment ? fromB64(a.model_commitment) : new Uint8Array(),
      inputCommitment: a.input_commitment ? fromB64(a.input_commitment) : new Uint8Array(),
      inputUri: a.input_uri ?? "",
      circuitId: a.circuit_id ?? "",
      units: BigInt(a.units ?? 0),
      maxPricePerUnit: a.max_price_per_unit,
      provider: a.provider ?? "",
      timeLimitSeconds: BigInt(a.time_limit) / 1_000_000_000n,
      sla: a.sla && {
        maxP99LatencyMs: a.sla.max_p99_latency_ms ?? 0,
        maxJitterMs: a.sla.max_jitter_ms ?? 0,
        minThroughputMilli: BigInt(a.sla.min_throughput_milli ?? 0),
        completionTimeSeconds: BigInt(a.sla.completion_time) / 1_000_000_000n,
        maxSlashBps: a.sla.max_slash_bps ?? 0,
      },
    }),
  },
});

const registry = new Registry([...defaultRegistryTypes, [typeUrl, MsgSubmitJob]]);

// --- Query over REST (the OpenAPI document is served at /swagger/).

async function get(path) {
  const res = await fetch(rest + path);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}: ${await res.text()}`);
  return res.json();
}

const { params } = await get("/verdict/jobs/v1/params");
const commitment = new Uint8Array(32).fill(0x0a); // a canonical BN254 field element

for (const mode of modes) {
  const signer =
    mode === "amino"
      ? await Secp256k1HdWallet.fromMnemonic(mnemonic, { prefix: "verdict" })
      : await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: "verdict" });
  const [{ address }] = await signer.getAccounts();
  const client = await SigningStargateClient.connectWithSigner(rpc, signer, { registry, aminoTypes });
  const msg = {
    buyer: address,
    class: 1, // WORKLOAD_CLASS_INFERENCE
    modelCommitment: commitment,
    inputCommitment: commitment,
    units: 10n,
    maxPricePerUnit: { denom: params.denom, amount: "150" },
    timeLimitSeconds: 90n,
    sla: { maxP99LatencyMs: 200, maxJitterMs: 20, completionTimeSeconds: 60n, maxSlashBps: 1000 },
  };
  const fee = { amount: [{ denom: params.denom, amount: "10000" }], gas: "500000" };
  const res = await client.signAndBroadcast(address, [{ typeUrl, value: msg }], fee, `cosmjs ${mode}`);
  if (res.code !== 0) throw new Error(`${mode}: code ${res.code}: ${res.rawLog}`);
  // MsgSubmitJobResponse { uint64 job_id = 1; string provider = 2; }
  const reader = new BinaryReader(res.msgResponses[0].value);
  reader.uint32();
  const jobId = reader.uint64().toString();
  const { job } = await get(`/verdict/jobs/v1/jobs/${jobId}`);
  console.log(JSON.stringify({ mode, tx: res.transactionHash, job_id: jobId, status: job.status, sla: job.sla }));
  client.disconnect();
}
