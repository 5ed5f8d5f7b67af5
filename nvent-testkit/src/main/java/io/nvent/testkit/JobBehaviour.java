package io.nvent.testkit;

import io.nvent.spi.JobExecution;

/**
 * What a job attempt does in a test; throwing fails the attempt.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface JobBehaviour {

    /** Runs the attempt. */
    void run(JobExecution job) throws Exception;
}
