package dev.latchkey.apikey;

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
}
