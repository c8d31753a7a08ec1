package dev.latchkey.app;

import java.util.Arrays;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

@Entity
@Table(name = "apps")
public class App {

    @Id
    public String id;

    @Column(name = "domain_id")
    public String domainId;

    @Column(columnDefinition = "text[]")
    public String[] providers;

    public boolean enables(String provider) {
        return Arrays.asList(providers).contains(provider);
    }
}
