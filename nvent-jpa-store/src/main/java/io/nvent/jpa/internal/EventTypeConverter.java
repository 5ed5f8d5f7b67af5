package io.nvent.jpa.internal;

import io.nvent.EventType;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** Stores an {@link EventType} by its wire name ({@code "step.completed"}). */
@Converter
public class EventTypeConverter implements AttributeConverter<EventType, String> {

    @Override
    public String convertToDatabaseColumn(EventType type) {
        return type == null ? null : type.wireName();
    }

    @Override
    public EventType convertToEntityAttribute(String name) {
        return name == null ? null : EventType.fromWireName(name)
                .orElseThrow(() -> new IllegalStateException("unknown event type in the store: " + name));
    }
}
