/**
 * The adapter SPI: what a store, a queue or an event stream must do for the engine. Implement an
 * interface, make the class a CDI bean qualified with {@link io.nvent.spi.Adapter} and select it
 * with the configuration keys {@code nvent.store.adapter}, {@code nvent.queue.adapter} and
 * {@code nvent.stream.adapter}. Every implementation should pass the shared contract tests
 * shipped in the {@code nvent-cdi} test jar.
 *
 * @since 0.1
 */
package io.nvent.spi;
