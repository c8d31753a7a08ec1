package dev.latchkey.apikey;

import java.time.OffsetDateTime;

/** A key as its owner sees it; its value is never stored, only the hash of it. */
public class ApiKey {

    public String id;

    public String ownerId;

    public String name;

    public boolean disabled;

    public OffsetDateTime createdAt;

    /** Null: the key never expires. */
    public OffsetDateTime expiresAt;

    /** Null: never used. Written by {@link LastUse}, at most once per key per flush. */
    public OffsetDateTime lastUsedAt;
}
