package dev.latchkey.customtoken;

/** What a verified token says: who ({@code sub}, the identity's provider_id) and the metadata for the profile, as a JSON object. */
public record VerifiedToken(String subject, String metadataJson) {
}
