package io.nvent;

import java.util.Objects;

/**
 * What a {@link StepRole#COMPENSATION} step's attempt undoes ({@link StepContext#compensating()}): one completed
 * step of a run that failed for good after it, or of a run an operator canceled with
 * {@link CancelOptions#compensate()}: then {@code failedStep} is empty and {@code failure} says the run was
 * canceled.
 *
 * @param compensatedStep the completed step this attempt undoes; the attempt's input is that step's output
 * @param failedStep the step whose final failure started the compensation; empty for a cancel with compensation
 * @param failure the error that step failed with, or why the run was canceled
 * @since 0.2
 */
public record Compensating(String compensatedStep, String failedStep, String failure) {

    /**
     * Checks that every component is given.
     *
     * @param compensatedStep the completed step this attempt undoes
     * @param failedStep the step whose final failure started the compensation
     * @param failure the error that step failed with
     * @throws NullPointerException if a component is {@code null}
     */
    public Compensating {
        Objects.requireNonNull(compensatedStep, "compensatedStep");
        Objects.requireNonNull(failedStep, "failedStep");
        Objects.requireNonNull(failure, "failure");
    }
}
