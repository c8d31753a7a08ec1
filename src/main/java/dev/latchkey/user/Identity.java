package dev.latchkey.user;

import java.time.OffsetDateTime;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;

/** One way a user logs in: a provider type and the id that provider knows them by. */
@Entity
@Table(name = "identities")
public class Identity {

    @Embeddable
    public static class Key {
        @Column(name = "app_id")
        public String appId;
        @Column(name = "provider_type")
        public String providerType;
        @Column(name = "provider_id")
        public String providerId;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && appId.equals(k.appId) && providerType.equals(k.providerType)
                    && providerId.equals(k.providerId);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(appId, providerType, providerId);
        }
    }

    @EmbeddedId
    public Key key;

    @Column(name = "user_id")
    public String userId;

    @Column(name = "created_at", insertable = false, updatable = false)
    public OffsetDateTime createdAt;
}
