package io.nvent.cdi.internal.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ReadyJobsTest {

    private final ReadyJobs<String> ready = new ReadyJobs<>();

    @Test
    void jobs_come_out_highest_priority_first_and_in_arrival_order_within_a_priority() {
        ready.add(0, "low-1");
        ready.add(5, "high-1");
        ready.add(-2, "lowest");
        ready.add(0, "low-2");
        ready.add(1, "middle");
        ready.add(5, "high-2");

        assertThat(drain()).containsExactly("high-1", "high-2", "middle", "low-1", "low-2", "lowest");
    }

    @Test
    void a_job_put_back_comes_out_before_the_others_of_its_priority() {
        ready.add(0, "first");
        ready.add(0, "second");
        String taken = ready.poll();

        ready.putBack(0, taken);

        assertThat(drain()).containsExactly("first", "second");
    }

    @Test
    void nothing_comes_out_of_an_empty_queue() {
        assertThat(ready.poll()).isNull();
        ready.add(3, "only");
        ready.poll();
        assertThat(ready.poll()).isNull();
    }

    private List<String> drain() {
        List<String> out = new ArrayList<>();
        for (String job = ready.poll(); job != null; job = ready.poll()) {
            out.add(job);
        }
        return out;
    }
}
