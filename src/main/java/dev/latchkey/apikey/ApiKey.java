package dev.latchkey.apikey;

import java.time.OffsetDateTime;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

@Entity
@Table(name = "api_keys")
public class ApiKey {

    @Id
    public String id;

    @Column(name = "owner_id")
    public String ownerId;

    public String name;

    @Column(name = "key_hash")
    public byte[] keyHash;

    public boolean disabled;

    /** Creation order, assigned by the database. */
    @Column(name = "created_seq", insertable = false, updatable = false)
    public Long createdSeq;

    @Column(name = "created_at", insertable = false, updatable = false)
    public OffsetDateTime createdAt;

    /** Null: the key never expires. */
    @Column(name = "expires_at", updatable = false)
    public OffsetDateTime expiresAt;

    /** Null: never used. Written by {@link LastUse}, at most once per key per flush. */
    @Column(name = "last_used_at", insertable = false, updatable = false)
    public OffsetDateTime lastUsedAt;
}
