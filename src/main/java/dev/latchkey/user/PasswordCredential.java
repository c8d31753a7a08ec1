package dev.latchkey.user;

import java.time.OffsetDateTime;

/**
 * An email/password login; only the slow salted hash of the password is kept.
 *
 * @param providerId the provider_id of the identity this credential becomes
 * @param userId null until the first login, or until a user links the credential
 * @param confirmedAt null while the credential waits for confirmation (SPEC section 7): it cannot log in until then
 */
public record PasswordCredential(String appId, String email, String providerId, String userId, String passwordHash,
        OffsetDateTime confirmedAt) {
}
