package io.nvent.testkit;

import io.nvent.spi.JobExecution;

/**
 * What a job attempt does in a test; throwing fails the attempt.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface JobBehaviour {

    /**
     * Runs the attempt.
     *
     * @param job the attempt the queue handed out
     * @throws Exception to fail the attempt, as a handler's failure does
     */
    void run(JobExecution job) throws Exception;
}
