package dev.latchkey.session;

/** The {@code typ} claim: access tokens call the API, refresh tokens name a session. */
public enum TokenType {
    ACCESS("access"), REFRESH("refresh");

    final String claim;

    TokenType(String claim) {
        this.claim = claim;
    }
}
