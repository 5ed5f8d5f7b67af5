package io.nvent.cdi.internal.engine;

/**
 * Builds the small JSON objects the engine writes into history entries. Values that are already
 * validated JSON text are embedded as they are, which saves parsing them again.
 */
public final class JsonText {

    private final StringBuilder out = new StringBuilder(64).append('{');
    private boolean first = true;

    public static JsonText object() {
        return new JsonText();
    }

    private JsonText key(String key) {
        if (!first) {
            out.append(',');
        }
        first = false;
        Json.appendQuoted(out, key).append(':');
        return this;
    }

    public JsonText str(String key, String value) {
        Json.appendQuoted(key(key).out, value);
        return this;
    }

    public JsonText num(String key, long value) {
        key(key).out.append(value);
        return this;
    }

    /** An array of strings. */
    public JsonText strings(String key, java.util.Collection<String> values) {
        key(key).out.append('[');
        String separator = "";
        for (String value : values) {
            Json.appendQuoted(out.append(separator), value);
            separator = ",";
        }
        out.append(']');
        return this;
    }

    /** An object of strings. */
    public JsonText fields(String key, java.util.Map<String, String> values) {
        key(key).out.append('{');
        String separator = "";
        for (java.util.Map.Entry<String, String> field : values.entrySet()) {
            Json.appendQuoted(out.append(separator), field.getKey()).append(':');
            Json.appendQuoted(out, field.getValue());
            separator = ",";
        }
        out.append('}');
        return this;
    }

    /** Embeds validated JSON text. */
    public JsonText raw(String key, String json) {
        key(key).out.append(json == null ? "null" : json);
        return this;
    }

    public String build() {
        return out.append('}').toString();
    }
}
