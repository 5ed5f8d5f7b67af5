package io.nvent.web.internal.rest;

import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Query parameters: a bad value is refused naming the parameter and what it accepts, never clamped. */
class QueryParamsTest {

    @Test
    void anAbsentOrEmptyNumberTakesItsDefaultAndAValueInRangeIsTaken() {
        assertThat(QueryParams.intWithin("limit", null, 50, 1, 1000)).isEqualTo(50);
        assertThat(QueryParams.intWithin("limit", " ", 50, 1, 1000)).isEqualTo(50);
        assertThat(QueryParams.intWithin("limit", "1000", 50, 1, 1000)).isEqualTo(1000);
        assertThat(QueryParams.longWithin("after", "12345678901", 0, 0, Long.MAX_VALUE)).isEqualTo(12345678901L);
        assertThat(QueryParams.optionalLongWithin("before", "", 1, Long.MAX_VALUE)).isEmpty();
        assertThat(QueryParams.optionalLongWithin("before", "15", 1, Long.MAX_VALUE)).contains(15L);
    }

    @Test
    void aValueThatIsNotANumberIsRefusedWithTheRange() {
        assertThatThrownBy(() -> QueryParams.intWithin("limit", "abc", 50, 1, 1000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0774 query parameter \'limit\' must be a whole number within 1..1000; was 'abc'");
        assertThatThrownBy(() -> QueryParams.intWithin("offset", "1.5", 0, 0, Integer.MAX_VALUE))
                .hasMessage("NVENT-0774 query parameter \'offset\' must be a whole number of at least 0; was '1.5'");
    }

    @Test
    void aValueOutOfRangeIsRefusedNotClamped() {
        assertThatThrownBy(() -> QueryParams.intWithin("limit", "-4", 100, 1, 1000))
                .hasMessageContaining("'limit'").hasMessageContaining("1..1000").hasMessageContaining("'-4'");
        assertThatThrownBy(() -> QueryParams.intWithin("limit", "99999999999", 50, 1, 1000))
                .hasMessageContaining("1..1000");
        assertThatThrownBy(() -> QueryParams.longWithin("after", "-1", 0, 0, Long.MAX_VALUE))
                .hasMessageContaining("'after'").hasMessageContaining("at least 0");
        assertThatThrownBy(() -> QueryParams.optionalLongWithin("before", "0", 1, Long.MAX_VALUE))
                .hasMessage("NVENT-0774 query parameter \'before\' must be a whole number of at least 1; was '0'");
    }

    /** "Of at least 0" for an offset of 99999999999 said nothing of what was wrong with it. */
    @Test
    void aValueAboveTheLargestAParameterTakesIsRefusedNamingThatLargest() {
        assertThatThrownBy(() -> QueryParams.intWithin("offset", "99999999999", 0, 0, Integer.MAX_VALUE))
                .hasMessage("NVENT-0774 query parameter \'offset\' must be a whole number within 0..2147483647; was '99999999999'");
        assertThatThrownBy(() -> QueryParams.longWithin("after", "99999999999999999999", 0, 0, Long.MAX_VALUE))
                .hasMessage("NVENT-0774 query parameter \'after\' must be a whole number within 0..9223372036854775807; "
                        + "was '99999999999999999999'");
    }

    @Test
    void aChoiceMatchesIgnoringCaseAndAnUnknownOneListsTheAcceptedValues() {
        assertThat(QueryParams.choice("order", "DESC", "asc", "asc", "desc")).isEqualTo("desc");
        assertThat(QueryParams.choice("order", null, "asc", "asc", "desc")).isEqualTo("asc");
        assertThat(QueryParams.optionalChoice("state", null, List.of("failed"), s -> s)).isEmpty();
        assertThatThrownBy(() -> QueryParams.choice("order", "sideways", "asc", "asc", "desc"))
                .hasMessage("NVENT-0774 query parameter \'order\' must be one of asc, desc; was 'sideways'");
    }

    @Test
    void anAbsentOrEmptyTimeZoneTakesItsDefaultAndAnUnknownOneIsRefused() {
        ZoneId utc = ZoneId.of("UTC");

        assertThat(QueryParams.zone("timezone", null, utc)).isEqualTo(utc);
        assertThat(QueryParams.zone("timezone", "", utc)).isEqualTo(utc);
        assertThat(QueryParams.zone("timezone", " Europe/Paris ", utc)).isEqualTo(ZoneId.of("Europe/Paris"));
        assertThatThrownBy(() -> QueryParams.zone("timezone", "Mars/Base", utc))
                .hasMessage("NVENT-0774 query parameter \'timezone\' must be a time zone id like Europe/Paris or UTC; "
                        + "was 'Mars/Base'");
    }

    @Test
    void aParameterTheRequestDoesNotTakeIsRefusedNamingItAndTheOnesItTakes() {
        QueryParams.onlyKnown(java.util.Set.of("from", "limit"), "step", "from", "to", "limit", "after");

        assertThatThrownBy(() -> QueryParams.onlyKnown(java.util.Set.of("form", "limit"), "step", "from", "to"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0775 query parameter \'form\' is not one this request takes (step, from, to)");
    }

    @Test
    void aParameterGivenTwiceIsRefusedWhereJaxRsWouldReadTheFirstAndDropTheOther() {
        QueryParams.onlyKnown(java.util.Map.of("limit", java.util.List.of("3"), "flow", java.util.List.of("order")),
                "flow", "limit");

        assertThatThrownBy(() -> QueryParams.onlyKnown(java.util.Map.of("limit", java.util.List.of("3", "abc")),
                "flow", "limit"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0775 query parameter \'limit\' is given 2 times ([3, abc]); give it once");
    }
}
