package dev.latchkey.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** Key times are written as ISO_INSTANT wrote them, cut to the millisecond, in any year and offset. */
class Rfc3339Test {

    private static String expected(OffsetDateTime time) {
        return DateTimeFormatter.ISO_INSTANT.format(time.toInstant().truncatedTo(ChronoUnit.MILLIS));
    }

    @Test
    void sameTextAsIsoInstantAtTheEdges() {
        List<OffsetDateTime> times = List.of(
                OffsetDateTime.of(1970, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC),
                OffsetDateTime.of(2026, 12, 1, 17, 0, 0, 0, ZoneOffset.UTC),
                OffsetDateTime.of(2026, 12, 1, 17, 0, 0, 1_000_000, ZoneOffset.UTC),
                OffsetDateTime.of(2026, 12, 1, 17, 0, 0, 999_999_999, ZoneOffset.UTC),
                OffsetDateTime.of(2026, 12, 1, 17, 0, 0, 999_999, ZoneOffset.UTC),
                OffsetDateTime.of(2024, 2, 29, 23, 59, 59, 120_000_000, ZoneOffset.UTC),
                OffsetDateTime.of(2027, 1, 1, 0, 30, 0, 0, ZoneOffset.ofHours(1)),
                OffsetDateTime.of(1969, 12, 31, 23, 59, 59, 999_000_000, ZoneOffset.UTC),
                OffsetDateTime.of(1, 1, 1, 0, 0, 0, 5_000_000, ZoneOffset.UTC),
                OffsetDateTime.of(0, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC),
                OffsetDateTime.of(9999, 12, 31, 23, 59, 59, 999_999_999, ZoneOffset.UTC),
                OffsetDateTime.of(9999, 12, 31, 23, 59, 59, 0, ZoneOffset.ofHours(-2)),
                OffsetDateTime.of(-1, 6, 1, 12, 0, 0, 0, ZoneOffset.UTC),
                OffsetDateTime.of(10000, 1, 1, 0, 0, 0, 0, ZoneOffset.ofHours(1)),
                OffsetDateTime.of(294276, 12, 31, 23, 59, 59, 999_999_000, ZoneOffset.UTC),
                OffsetDateTime.of(-4713, 11, 24, 0, 0, 0, 0, ZoneOffset.UTC));
        for (OffsetDateTime time : times) {
            assertEquals(expected(time), ApiKeyResource.rfc3339(time), time.toString());
        }
        assertEquals("2026-12-01T17:00:00Z", ApiKeyResource.rfc3339(times.get(1)));
        assertEquals("2026-12-01T17:00:00.999Z", ApiKeyResource.rfc3339(times.get(3)));
        assertNull(ApiKeyResource.rfc3339(null));
    }

    @Test
    void sameTextAsIsoInstantForRandomTimes() {
        SplittableRandom random = new SplittableRandom(20261201);
        long first = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
        long last = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 200_000; i++) {
            long second = i % 2 == 0 ? random.nextLong(first, last + 1)
                    : random.nextLong(1_700_000_000L, 2_000_000_000L); // the years keys live in
            int nano = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                default -> random.nextInt(1_000_000_000);
            };
            ZoneOffset offset = ZoneOffset.ofTotalSeconds(random.nextInt(-18 * 3600, 18 * 3600 + 1) / 60 * 60);
            OffsetDateTime time = Instant.ofEpochSecond(second, nano).atOffset(offset);
            assertEquals(expected(time), ApiKeyResource.rfc3339(time), time.toString());
        }
    }
}
