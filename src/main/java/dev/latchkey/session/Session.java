package dev.latchkey.session;

import java.time.OffsetDateTime;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** One login. Its refresh token works while the row is live (not ended, not expired). */
@Entity
@Table(name = "sessions")
public class Session {

    @Id
    public String id;

    @Column(name = "user_id")
    public String userId;

    @Column(name = "device_id")
    public String deviceId;

    @Column(name = "provider_type")
    public String providerType;

    @Column(name = "api_key_id")
    public String apiKeyId;

    @Column(name = "expires_at")
    public OffsetDateTime expiresAt;

    @Column(name = "ended_at")
    public OffsetDateTime endedAt;
}
