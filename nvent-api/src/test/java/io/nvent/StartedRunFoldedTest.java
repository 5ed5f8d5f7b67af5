package io.nvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A fire folded into a debounced trigger's pending run is told apart from a replay; the 0.1 constructors still work. */
class StartedRunFoldedTest {

    @Test
    void aRunFoldedIntoIsNeitherCreatedNorReplayedAndTheTwoArgumentConstructorFoldsNothing() {
        assertThat(StartedRun.foldedInto("r-1")).returns(false, StartedRun::created).returns(true, StartedRun::folded)
                .returns(false, StartedRun::replayed);
        assertThat(new StartedRun("r-1", false)).isEqualTo(new StartedRun("r-1", false, false))
                .returns(true, StartedRun::replayed);
        assertThat(new StartedRun("r-1", true)).returns(false, StartedRun::replayed).returns(false, StartedRun::folded);
    }

    @Test
    void aRunBothCreatedAndFoldedIntoIsRefused() {
        assertThatThrownBy(() -> new StartedRun("r-1", true, true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0255 run 'r-1' cannot be both created by this call and folded into");
    }

    @Test
    void aTriggerInfoBuiltAsIn01KnowsEveryCalendarAndItsListCannotBeChanged() {
        TriggerSpec spec = TriggerSpec.newBuilder("t", TriggerType.MANUAL).flows(List.of("f")).build();
        assertThat(new TriggerInfo(spec, false, 0, 0, Optional.empty(), Optional.empty(), Optional.empty())
                .unknownCalendars()).isEmpty();
        List<String> names = new java.util.ArrayList<>(List.of("uk-bank-holidays"));
        TriggerInfo info = new TriggerInfo(spec, false, 0, 0, Optional.empty(), Optional.empty(), Optional.empty(), names);
        names.clear();
        assertThat(info.unknownCalendars()).containsExactly("uk-bank-holidays");
    }
}
