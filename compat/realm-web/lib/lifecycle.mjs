// What an app team runs beside Latchkey for the email/password lifecycle: an SMTP server that
// catches the confirmation and reset mails (smtp-server and mailparser, from the Nodemailer
// project), and a webhook receiver that verifies Latchkey-Signature and answers as told.
import { createHmac, timingSafeEqual } from "node:crypto";
import { appendFileSync } from "node:fs";
import { createServer } from "node:http";
import { SMTPServer } from "smtp-server";
import { simpleParser } from "mailparser";
import { sleep } from "./harness.mjs";

export const MAIL_APP = process.env.LATCHKEY_MAIL_APP;
export const HOOK_APP = process.env.LATCHKEY_HOOK_APP;
export const SMTP_PORT = Number(process.env.LATCHKEY_SMTP_PORT);
export const HOOK_PORT = Number(process.env.LATCHKEY_HOOK_PORT);
export const WEBHOOK_SECRET = process.env.LATCHKEY_WEBHOOK_SECRET;

/** Every token this suite saw goes here, so run.sh can check that none reached the server log. */
export function rememberSecret(value) {
  if (process.env.LATCHKEY_SECRETS_FILE && value) {
    appendFileSync(process.env.LATCHKEY_SECRETS_FILE, `${value}\n`);
  }
}

/** An SMTP server on 127.0.0.1 that keeps every mail, parsed, with the link of its text body. */
export async function startMailbox(port = SMTP_PORT) {
  const mails = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          const link = mail.text?.match(/https?:\/\/\S+/)?.[0];
          const url = link ? new URL(link) : undefined;
          const token = url?.searchParams.get("token");
          rememberSecret(token);
          mails.push({
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            subject: mail.subject,
            text: mail.text,
            html: typeof mail.html === "string" ? mail.html : undefined,
            link,
            url,
            token,
            tokenId: url?.searchParams.get("tokenId"),
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    mails,
    /** The n-th mail (1-based) to `email`, waiting up to 20 s for it. */
    async waitFor(email, n = 1) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const theirs = mails.filter((m) => m.to.includes(email.toLowerCase()));
        if (theirs.length >= n) {
          return theirs[n - 1];
        }
        if (Date.now() > deadline) {
          throw new Error(`mail ${n} to ${email} did not arrive (got ${theirs.length})`);
        }
        await sleep(100);
      }
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** A webhook receiver on 127.0.0.1: answers `{status}` per email as set with `answer(email, status)`. */
export async function startWebhookReceiver(port = HOOK_PORT, secret = WEBHOOK_SECRET) {
  const calls = [];
  const answers = new Map();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const body = JSON.parse(raw);
      const signed = verifySignature(req.headers["latchkey-signature"], raw, secret);
      rememberSecret(body.token);
      calls.push({ path: req.url, body, raw, signed });
      const status = signed ? (answers.get(body.email) ?? "fail") : "fail";
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ status }));
    });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    calls,
    answer: (email, status) => answers.set(email, status),
    callsFor: (email) => calls.filter((c) => c.body.email === email),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/**
 * How a receiver checks `Latchkey-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`:
 * over the raw body as received, in constant time, and refusing stale timestamps (5 minutes here).
 */
export function verifySignature(header, rawBody, secret) {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? "");
  if (!match || Math.abs(Date.now() / 1000 - Number(match[1])) > 300) {
    return false;
  }
  const expected = createHmac("sha256", secret).update(`${match[1]}.${rawBody}`).digest();
  return timingSafeEqual(expected, Buffer.from(match[2], "hex"));
}
