package dev.latchkey.user;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

@Entity
@Table(name = "users")
public class User {

    public static final String NORMAL = "normal";
    public static final String ANONYMOUS = "anonymous";
    /** The user a server API key logs in as (admin API). */
    public static final String SERVER = "server";

    @Id
    public String id;

    @Column(name = "app_id")
    public String appId;

    public String type;

    public boolean isAnonymous() {
        return ANONYMOUS.equals(type);
    }
}
