// A TLS-only redis-server with AUTH and a throwaway CA (made by `openssl` at test time), and Secrets Manager's
// GetSecretValue on a loopback endpoint: what tests need to open the Redis store the way a Lambda in an
// ElastiCache stack does (tests/functions/store.redis-tls.test.ts, tests/cli/breaker-cli-elasticache.test.ts).

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { answerAwsJson, FakeAwsEndpoint, SeenRequest } from "../functions/support";
import { managedProcess, ServerControl } from "../../local/store-processes";
import { freePort } from "./servers";

// ---------------------------------------------------------------------------------------------
// A throwaway CA and a server certificate for 127.0.0.1 / localhost

export interface TlsFiles {
  dir: string;
  caFile: string;
  caPem: string;
  certFile: string;
  keyFile: string;
}

function openssl(dir: string, args: string[]): void {
  const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (r.error)
    throw new Error(`openssl could not be run (${r.error.message}); install it: apt-get install -y openssl (scripts/system-deps.js)`);
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed (exit ${r.status}):\n${r.stderr}`);
}

export function makeCertificates(): TlsFiles {
  const dir = mkdtempSync(join(tmpdir(), "redis-tls-"));
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  try {
    openssl(dir, ["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=circuit-breaker test CA"]);
    openssl(dir, ["req", "-new", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"]);
    writeFileSync(
      join(dir, "server.ext"),
      "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    );
    openssl(dir, [
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.crt",
      "-days",
      "2",
      "-extfile",
      "server.ext",
    ]);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const caFile = join(dir, "ca.crt");
  return { dir, caFile, caPem: readFileSync(caFile, "utf8"), certFile: join(dir, "server.crt"), keyFile: join(dir, "server.key") };
}

// ---------------------------------------------------------------------------------------------
// A TLS-only redis-server with AUTH

/** A TLS-only redis-server under the test's control (stop, kill, restart on the same port). */
export type TlsRedis = ServerControl;

/** Sends PING over TLS (trusting `ca`); resolves with the first reply line. */
export function tlsPing(port: number, ca: string, timeoutMs = 1_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = tlsConnect({ host: "127.0.0.1", port, ca });
    const fail = (e: Error) => {
      sock.destroy();
      reject(e);
    };
    sock.setTimeout(timeoutMs, () => fail(new Error("PING timed out")));
    sock.once("error", fail);
    sock.once("secureConnect", () => sock.write("PING\r\n"));
    sock.once("data", (d) => {
      sock.destroy();
      resolve(d.toString().trim());
    });
  });
}

/**
 * A redis-server that speaks only TLS (--port 0, --tls-port) and requires `token`, started and waited for by the
 * same process control as every other store process (local/store-processes.ts). A redis-server built without
 * TLS exits at once ("Bad directive" on tls-port), and the error shows its output.
 */
export async function startTlsRedis(files: TlsFiles, token: string): Promise<TlsRedis> {
  const port = await freePort();
  const args = [
    "--port",
    "0",
    "--tls-port",
    String(port),
    "--tls-cert-file",
    files.certFile,
    "--tls-key-file",
    files.keyFile,
    "--tls-ca-cert-file",
    files.caFile,
    "--tls-auth-clients",
    "no",
    "--requirepass",
    token,
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
  ];
  return managedProcess(
    "redis-server (TLS)",
    port,
    () => spawn("redis-server", args, { cwd: files.dir, stdio: ["ignore", "pipe", "pipe"] }),
    async () => {
      // --requirepass: an unauthenticated PING is answered NOAUTH, which means the server is up.
      const reply = await tlsPing(port, files.caPem);
      if (!reply.startsWith("-NOAUTH")) throw new Error(`PING over TLS answered ${JSON.stringify(reply)}`);
    },
    () => undefined,
  );
}

// ---------------------------------------------------------------------------------------------
// Secrets Manager on loopback

/** GetSecretValue for the secrets in `secrets` (ARN -> SecretString); ResourceNotFoundException otherwise. */
export function secretsManagerAnswers(secrets: Map<string, string>): (res: ServerResponse, req: SeenRequest) => void {
  return (res, req) => {
    const target = req.headers["x-amz-target"];
    if (target !== "secretsmanager.GetSecretValue")
      return answerAwsJson(res, 400, { __type: "InvalidAction", message: `unexpected ${String(target)}` }, "InvalidAction");
    const { SecretId } = JSON.parse(req.body) as { SecretId: string };
    const secret = secrets.get(SecretId);
    if (secret === undefined)
      return answerAwsJson(
        res,
        400,
        { __type: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret." },
        "ResourceNotFoundException",
      );
    const name = SecretId.split(":secret:")[1];
    return answerAwsJson(res, 200, {
      ARN: SecretId,
      Name: name,
      SecretString: secret,
      VersionId: "v1",
      VersionStages: ["AWSCURRENT"],
      CreatedDate: 1_700_000_000,
    });
  };
}

/** The GetSecretValue requests the endpoint saw, as the SecretId each asked for. */
export function secretReads(sm: FakeAwsEndpoint): string[] {
  return sm.seen
    .filter((r) => r.headers["x-amz-target"] === "secretsmanager.GetSecretValue")
    .map((r) => (JSON.parse(r.body) as { SecretId: string }).SecretId);
}
