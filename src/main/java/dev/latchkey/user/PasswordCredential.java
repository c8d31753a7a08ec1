package dev.latchkey.user;

import java.time.OffsetDateTime;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

/** An email/password login; only the slow salted hash of the password is kept. */
@Entity
@Table(name = "password_credentials")
@IdClass(PasswordCredential.Key.class)
public class PasswordCredential {

    public static class Key {
        public String appId;
        public String email;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && appId.equals(k.appId) && email.equals(k.email);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(appId, email);
        }
    }

    @Id
    @Column(name = "app_id")
    public String appId;

    @Id
    public String email;

    /** The provider_id of the identity this credential becomes. */
    @Column(name = "id")
    public String providerId;

    /** Null until the first login, or until a user links the credential. */
    @Column(name = "user_id")
    public String userId;

    @Column(name = "password_hash")
    public String passwordHash;

    /** Null while the credential waits for confirmation (SPEC section 7): it cannot log in until then. */
    @Column(name = "confirmed_at")
    public OffsetDateTime confirmedAt;
}
