// Makes a P-256 key pair that acts as GitHub's secret-scanning signer for the suite:
// <dir>/public_keys.json in the shape of https://api.github.com/meta/public_keys/secret_scanning
// (the server reads it through LATCHKEY_SECRET_SCANNING_GITHUB_KEYS_FILE) and <dir>/private.pem,
// with which test/keys-lifecycle.test.mjs signs reports the way GitHub does.
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// test/keys-lifecycle.test.mjs names the key by this identifier too.
const GITHUB_KEY_ID = "compat-github-key";

const dir = process.argv[2];
if (!dir) {
  throw new Error("usage: node lib/github-keys.mjs <dir>");
}
mkdirSync(dir, { recursive: true });
const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const document = {
  public_keys: [
    {
      key_identifier: GITHUB_KEY_ID,
      key: publicKey.export({ type: "spki", format: "pem" }),
      is_current: true,
    },
  ],
};
writeFileSync(join(dir, "public_keys.json"), JSON.stringify(document));
writeFileSync(join(dir, "private.pem"), privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
