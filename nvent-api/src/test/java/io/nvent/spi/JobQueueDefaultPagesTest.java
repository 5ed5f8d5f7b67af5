package io.nvent.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A queue adapter written before {@link JobQueue#jobsAfter}: the default pages its job list by offset, as README
 * says ("o" and the jobs skipped), going on while pages are full, and refuses a position it never gave.
 */
class JobQueueDefaultPagesTest {

    private static final List<JobRecord> NEWEST_FIRST = IntStream.rangeClosed(1, 5).map(i -> 6 - i)
            .mapToObj(i -> new JobRecord("mail", "job-" + i, "mail", JobState.FAILED, "{}", 1, Instant.EPOCH,
                    Instant.EPOCH, List.of()))
            .toList();

    /** Implements {@link JobQueue#jobs} only, over five failed jobs; every default method runs as written. */
    private final JobQueue thirdParty = (JobQueue) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {JobQueue.class}, (InvocationHandler) (proxy, method, args) -> {
                if (method.getName().equals("jobs")) {
                    int offset = (int) args[2];
                    int limit = (int) args[3];
                    return NEWEST_FIRST.subList(Math.min(offset, 5), Math.min(offset + limit, 5));
                }
                if (method.isDefault()) {
                    return InvocationHandler.invokeDefault(proxy, method, args);
                }
                throw new UnsupportedOperationException(method.getName());
            });

    @Test
    void theDefaultPagesByOffsetUntilAPageIsNotFull() {
        JobPage first = thirdParty.jobsAfter("mail", JobState.FAILED, Optional.empty(), 2);
        JobPage second = thirdParty.jobsAfter("mail", JobState.FAILED, first.next(), 2);
        JobPage last = thirdParty.jobsAfter("mail", JobState.FAILED, second.next(), 2);

        assertThat(first.jobs()).extracting(JobRecord::jobId).containsExactly("job-5", "job-4");
        assertThat(first.next()).contains("o2");
        assertThat(second.jobs()).extracting(JobRecord::jobId).containsExactly("job-3", "job-2");
        assertThat(last.jobs()).extracting(JobRecord::jobId).containsExactly("job-1");
        assertThat(last.next()).as("a page that is not full is the last").isEmpty();
    }

    @Test
    void theDefaultRefusesAPositionItNeverGaveWithAnId() {
        for (String position : List.of("i42", "o-1", "o", "oo")) {
            assertThatThrownBy(() -> thirdParty.jobsAfter("mail", JobState.FAILED, Optional.of(position), 2))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("NVENT-0285 '" + position + "' is no position");
        }
    }
}
