// The email/password lifecycle through realm-web 2.0.1's emailPasswordAuth: confirmation and
// password reset by mail (caught by a real SMTP server) and by webhook (a receiver that checks
// the signature), on two apps run.sh creates beside the auto-confirming compat app.
//
// Cases: 7 SDK (some also check the server with one raw request).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  PASSWORD,
  Realm,
  expectError,
  expectRealmError,
  http,
  newApp,
  uniqueEmail,
} from "../lib/harness.mjs";
import { HOOK_APP, MAIL_APP, startMailbox, startWebhookReceiver } from "../lib/lifecycle.mjs";

const T = { timeout: 60_000 };
const NEW_PASSWORD = "a-brand-new-password";
const PENDING = { statusCode: 401, errorCode: "AuthError", error: "unauthorized" };
const WRONG_PASSWORD = { statusCode: 401, errorCode: "InvalidPassword", error: "invalid username/password" };
const SPENT = { statusCode: 400, errorCode: "UserpassTokenInvalid", error: "userpass token is expired or invalid" };
const ENDED = "invalid session: failed to find refresh token";

let mailbox;
let hooks;

before(async () => {
  mailbox = await startMailbox();
  hooks = await startWebhookReceiver();
});

after(async () => {
  await mailbox?.close();
  await hooks?.close();
});

/** Registers on the confirm-by-mail app and confirms with the mailed link; returns the app and email. */
async function confirmedMailUser(tag) {
  const app = newApp({ id: MAIL_APP });
  const email = uniqueEmail(tag);
  await app.emailPasswordAuth.registerUser({ email, password: PASSWORD });
  const mail = await mailbox.waitFor(email);
  await app.emailPasswordAuth.confirmUser({ token: mail.token, tokenId: mail.tokenId });
  return { app, email };
}

test("registerUser on a confirm-by-mail app: pending until confirmUser with the mailed token, which works once", T, async () => {
  const app = newApp({ id: MAIL_APP, record: true });
  const email = uniqueEmail("confirm");
  await app.emailPasswordAuth.registerUser({ email, password: PASSWORD });
  await expectRealmError(app.logIn(Realm.Credentials.emailPassword(email, PASSWORD)), PENDING);

  const mail = await mailbox.waitFor(email);
  assert.equal(mail.subject, "Confirm your email address");
  assert.equal(mail.url.pathname, "/confirm-email");
  assert.equal(mail.url.searchParams.get("lang"), "en", "the configured URL keeps its own query");
  assert.match(mail.token, /^[A-Za-z0-9_-]{43}$/);
  assert.match(mail.tokenId, /^[0-9a-f]{24}$/);
  assert.ok(mail.html?.includes("Confirm my email address"), "an HTML body beside the text one");

  const confirmed = await app.emailPasswordAuth.confirmUser({ token: mail.token, tokenId: mail.tokenId });
  assert.equal(confirmed, undefined);
  const user = await app.logIn(Realm.Credentials.emailPassword(email, PASSWORD));
  assert.equal(user.profile.email, email);

  await expectRealmError(app.emailPasswordAuth.confirmUser({ token: mail.token, tokenId: mail.tokenId }), SPENT);
  const confirm = app.requests.find((r) => r.path.endsWith("/local-userpass/confirm"));
  assert.deepEqual(JSON.parse(confirm.body), { token: mail.token, tokenId: mail.tokenId }, "realm-web's confirm body");
  assert.equal(confirm.status, 204);
});

test("resendConfirmationEmail mails a new link; then UserAlreadyConfirmed, and UserNotFound for strangers", T, async () => {
  const app = newApp({ id: MAIL_APP });
  const email = uniqueEmail("resend");
  await app.emailPasswordAuth.registerUser({ email, password: PASSWORD });
  const first = await mailbox.waitFor(email, 1);
  await app.emailPasswordAuth.resendConfirmationEmail({ email });
  const second = await mailbox.waitFor(email, 2);
  assert.notEqual(second.token, first.token);

  await app.emailPasswordAuth.confirmUser({ token: second.token, tokenId: second.tokenId });
  await expectRealmError(app.emailPasswordAuth.confirmUser({ token: first.token, tokenId: first.tokenId }), SPENT);
  await expectRealmError(app.emailPasswordAuth.resendConfirmationEmail({ email }), {
    statusCode: 400,
    errorCode: "UserAlreadyConfirmed",
    error: "already confirmed",
  });
  await expectRealmError(app.emailPasswordAuth.resendConfirmationEmail({ email: uniqueEmail("nobody") }), {
    statusCode: 404,
    errorCode: "UserNotFound",
    error: "user not found",
  });
  await expectRealmError(app.emailPasswordAuth.confirmUser({ token: "x".repeat(43), tokenId: "0".repeat(24) }), {
    statusCode: 400,
    errorCode: "BadRequest",
    error: "invalid token data",
  });
});

test("sendResetPasswordEmail then resetPassword: every old session is refused, only the new password works", T, async () => {
  const { app, email } = await confirmedMailUser("reset");
  const user = await app.logIn(Realm.Credentials.emailPassword(email, PASSWORD));
  const elsewhere = await newApp({ id: MAIL_APP }).logIn(Realm.Credentials.emailPassword(email, PASSWORD));
  const oldRefresh = [user.refreshToken, elsewhere.refreshToken];

  await newApp({ id: MAIL_APP }).emailPasswordAuth.sendResetPasswordEmail({ email });
  const mail = await mailbox.waitFor(email, 2);
  assert.equal(mail.subject, "Reset your password");
  assert.equal(mail.url.pathname, "/reset-password");
  await newApp({ id: MAIL_APP }).emailPasswordAuth.resetPassword({
    token: mail.token,
    tokenId: mail.tokenId,
    password: NEW_PASSWORD,
  });

  for (const refreshToken of oldRefresh) {
    expectError(await http("POST", "/auth/session", { token: refreshToken }), 401, "InvalidSession", ENDED);
  }
  await assert.rejects(user.refreshAccessToken(), (err) => err.statusCode === 401);
  assert.equal(user.isLoggedIn, false, "realm-web logs the user out locally when its session is gone");

  const fresh = newApp({ id: MAIL_APP });
  await expectRealmError(fresh.logIn(Realm.Credentials.emailPassword(email, PASSWORD)), WRONG_PASSWORD);
  const again = await fresh.logIn(Realm.Credentials.emailPassword(email, NEW_PASSWORD));
  assert.equal(again.id, user.id, "the same user, with a new password");
  await expectRealmError(
    fresh.emailPasswordAuth.resetPassword({ token: mail.token, tokenId: mail.tokenId, password: "third-password" }),
    SPENT,
  );
});

test("callResetPasswordFunction with a webhook: success sets the password at once; the arguments reach the receiver", T, async () => {
  const app = newApp({ id: HOOK_APP, record: true });
  const email = uniqueEmail("hook-reset");
  hooks.answer(email, "success");
  await app.emailPasswordAuth.registerUser({ email, password: PASSWORD });
  const user = await app.logIn(Realm.Credentials.emailPassword(email, PASSWORD));

  await app.emailPasswordAuth.callResetPasswordFunction({ email, password: NEW_PASSWORD }, "security answer", 42);

  const sent = app.requests.find((r) => r.path.endsWith("/local-userpass/reset/call"));
  assert.deepEqual(JSON.parse(sent.body), {
    email,
    password: NEW_PASSWORD,
    arguments: ["security answer", { $numberInt: "42" }],
  }, "realm-web sends the extra arguments as canonical EJSON");
  const [confirmCall, resetCall] = hooks.callsFor(email);
  assert.equal(confirmCall.body.type, "confirm");
  assert.equal(resetCall.path, "/reset");
  assert.equal(resetCall.signed, true, "Latchkey-Signature verifies");
  assert.deepEqual(resetCall.body.arguments, ["security answer", { $numberInt: "42" }]);
  assert.equal(resetCall.body.app_id, HOOK_APP);
  assert.ok(!resetCall.raw.includes(NEW_PASSWORD), "the receiver never sees the password");

  expectError(await http("POST", "/auth/session", { token: user.refreshToken }), 401, "InvalidSession", ENDED);
  const fresh = newApp({ id: HOOK_APP });
  await expectRealmError(fresh.logIn(Realm.Credentials.emailPassword(email, PASSWORD)), WRONG_PASSWORD);
  await fresh.logIn(Realm.Credentials.emailPassword(email, NEW_PASSWORD));
});

test("callResetPasswordFunction: pending hands the receiver a token for resetPassword; fail is a 400", T, async () => {
  const app = newApp({ id: HOOK_APP });
  const email = uniqueEmail("hook-pending");
  hooks.answer(email, "success");
  await app.emailPasswordAuth.registerUser({ email, password: PASSWORD });

  hooks.answer(email, "fail");
  await expectRealmError(app.emailPasswordAuth.callResetPasswordFunction({ email, password: NEW_PASSWORD }), {
    statusCode: 400,
    errorCode: "BadRequest",
    error: `failed to reset password for user "${email}"`,
  });
  hooks.answer(email, "pending");
  await app.emailPasswordAuth.callResetPasswordFunction({ email, password: "not-this-one" });
  await app.logIn(Realm.Credentials.emailPassword(email, PASSWORD));

  const { body } = hooks.callsFor(email).at(-1);
  await app.emailPasswordAuth.resetPassword({ token: body.token, tokenId: body.token_id, password: NEW_PASSWORD });
  await newApp({ id: HOOK_APP }).logIn(Realm.Credentials.emailPassword(email, NEW_PASSWORD));
});

test("retryCustomConfirmation runs the confirmation webhook again for a pending user", T, async () => {
  const app = newApp({ id: HOOK_APP, record: true });
  const email = uniqueEmail("hook-retry");
  hooks.answer(email, "pending");
  await app.emailPasswordAuth.registerUser({ email, password: PASSWORD });
  await expectRealmError(app.logIn(Realm.Credentials.emailPassword(email, PASSWORD)), PENDING);

  hooks.answer(email, "success");
  await app.emailPasswordAuth.retryCustomConfirmation({ email });
  const sent = app.requests.find((r) => r.path.endsWith("/local-userpass/confirm/call"));
  assert.deepEqual(JSON.parse(sent.body), { email }, "realm-web sends only the email");
  await app.logIn(Realm.Credentials.emailPassword(email, PASSWORD));
  await expectRealmError(app.emailPasswordAuth.retryCustomConfirmation({ email }), {
    statusCode: 400,
    errorCode: "UserAlreadyConfirmed",
    error: "already confirmed",
  });
});

test("registering with a confirmation webhook that answers fail is a 400 and leaves the email free", T, async () => {
  const app = newApp({ id: HOOK_APP });
  const email = uniqueEmail("hook-fail");
  hooks.answer(email, "fail");
  await expectRealmError(app.emailPasswordAuth.registerUser({ email, password: PASSWORD }), {
    statusCode: 400,
    errorCode: "BadRequest",
    error: `failed to confirm user "${email}"`,
  });
  hooks.answer(email, "success");
  await app.emailPasswordAuth.registerUser({ email, password: PASSWORD });
  await app.logIn(Realm.Credentials.emailPassword(email, PASSWORD));
});
