package dev.latchkey.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.latchkey.ObjectIds;

/** The claims a token carries are written byte for byte as jose4j wrote them, and any value stays one string. */
class ClaimsJsonTest {

    @Test
    void sameBytesAsJose4jForBothTokenTypes() {
        String user = ObjectIds.next();
        String session = ObjectIds.next();
        String device = ObjectIds.next();
        for (TokenType type : TokenType.values()) {
            JwtClaims claims = new JwtClaims();
            claims.setIssuer("latchkey");
            claims.setSubject(user);
            claims.setAudience("latchkey-app");
            claims.setIssuedAt(NumericDate.fromSeconds(1_700_000_000L));
            claims.setExpirationTime(NumericDate.fromSeconds(1_700_001_800L));
            claims.setClaim("typ", type.claim);
            claims.setClaim("sid", session);
            claims.setClaim("baas_device_id", device);
            if (type == TokenType.ACCESS) {
                claims.setClaim("user_data", Map.of());
            }
            byte[] written = TokenService.claimsJson(type, user, "latchkey-app", session, device, 1_700_000_000L, 1800);
            assertEquals(claims.toJson(), new String(written, StandardCharsets.UTF_8), type.toString());
        }
    }

    @Test
    void quotesBackslashesControlAndNonAsciiCharactersStayInsideTheirValue() throws Exception {
        String hostile = "a\",\"sub\":\"admin\\\u0000\u001f\u2028é😀";
        byte[] written = TokenService.claimsJson(TokenType.ACCESS, hostile, hostile, "s", "d", 1, 2);
        JsonNode parsed = new ObjectMapper().readTree(written);
        assertEquals(hostile, parsed.get("sub").asText());
        assertEquals(hostile, parsed.get("aud").asText());
        assertEquals(9, parsed.size(), parsed.toString());
    }
}
