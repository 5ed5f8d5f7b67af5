/**
 * Machinery the adapter modules share (the JMS and the PostgreSQL event streams and queues), kept
 * here because nvent-api is the one module they all depend on. Not part of the API nor of the SPI:
 * no compatibility promise, it changes with the adapters; applications and third-party adapters must
 * not use it.
 *
 * @since 0.2
 */
package io.nvent.spi.internal;
