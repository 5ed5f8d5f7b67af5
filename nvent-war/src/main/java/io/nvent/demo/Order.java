package io.nvent.demo;

/** Input of the demo order flow. */
public record Order(String id, String item, int quantity) {
}
