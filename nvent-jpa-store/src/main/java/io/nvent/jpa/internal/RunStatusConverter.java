package io.nvent.jpa.internal;

import io.nvent.RunStatus;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;
import java.util.Locale;

/** Stores a {@link RunStatus} by its wire name ({@code "running"}), readable in SQL and stable. */
@Converter
public class RunStatusConverter implements AttributeConverter<RunStatus, String> {

    @Override
    public String convertToDatabaseColumn(RunStatus status) {
        return status == null ? null : status.wireName();
    }

    @Override
    public RunStatus convertToEntityAttribute(String name) {
        return name == null ? null : RunStatus.valueOf(name.toUpperCase(Locale.ROOT));
    }
}
