/**
 * The public API of nvent: annotate CDI beans with {@link io.nvent.FlowStep}, implement
 * {@link io.nvent.Step}, and start and inspect runs through {@link io.nvent.FlowService}.
 *
 * @since 0.1
 */
package io.nvent;
