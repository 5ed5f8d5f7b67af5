package io.nvent.cdi;

import io.nvent.cdi.internal.ClockTimers;

/** The engine's timers on a {@link VirtualClock}, for tests outside its package: they run as the test moves it. */
public final class VirtualClockTimers {

    private VirtualClockTimers() {
    }

    /** {@return timers that run on the calling thread of {@link VirtualClock#advance} once it reaches them} */
    public static ClockTimers of(VirtualClock clock) {
        return clock.timers();
    }
}
