package io.nvent.spi.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A caller's text in a log line cannot forge lines of its own nor fill the log. */
class LogTextTest {

    @Test
    void lineBreaksAndOtherControlCharactersAreWrittenAsEscapes() {
        assertThat(LogText.of("nobody\n[SEVERE] NVENT-0707 all good")).isEqualTo("nobody\\n[SEVERE] NVENT-0707 all good");
        assertThat(LogText.of("a\r\tb\u0000c\u001bd\u2028e\u202ef")).isEqualTo("a\\r\\tb\\u0000c\\u001bd\\u2028e\\u202ef");
        assertThat(LogText.of("back\\n-slash")).as("a real backslash stays apart from an escape")
                .isEqualTo("back\\\\n-slash");
        assertThat(LogText.of("Zoë")).isEqualTo("Zoë");
    }

    @Test
    void longTextIsCutToSixtyFourCharacters() {
        assertThat(LogText.of("x".repeat(64))).isEqualTo("x".repeat(64));
        assertThat(LogText.of("x".repeat(65))).isEqualTo("x".repeat(64) + "…");
        assertThat(LogText.of("😀".repeat(70))).as("whole characters").isEqualTo("😀".repeat(64) + "…");
    }
}
