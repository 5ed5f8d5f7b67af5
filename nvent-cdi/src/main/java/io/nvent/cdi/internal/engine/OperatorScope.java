package io.nvent.cdi.internal.engine;

import io.nvent.Operator;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The operator a call through {@link OperatorView} acts for, held by the calling thread for the call's length: the
 * history entries the call writes on that thread carry them ({@link #stamp(String)}). Work the call hands on (a step
 * queued, a compensation run by a worker) records nobody: it is the engine's, not the operator's.
 */
public final class OperatorScope {

    private static final ThreadLocal<Operator> CURRENT = new ThreadLocal<>();

    private OperatorScope() {
    }

    /** The operator the current call acts for, if it came through {@link OperatorView}. */
    public static Optional<Operator> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    /** Runs {@code call} acting for {@code operator}, restoring the operator before it (a nested view) after. */
    static <T> T actingAs(Operator operator, Supplier<T> call) {
        Operator before = CURRENT.get();
        CURRENT.set(operator);
        try {
            return call.get();
        } finally {
            if (before == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(before);
            }
        }
    }

    /**
     * A history entry's JSON object with {@code "operator"} (the name) and, when given, {@code "operatorReason"} of
     * the current operator added; as it is without one. Not {@code "by"} nor {@code "reason"}: a
     * {@code run.compensating} entry names its compensation steps {@code "by"}, and many entries give the engine's
     * own {@code "reason"}.
     */
    static String stamp(String jsonObject) {
        Operator operator = CURRENT.get();
        if (operator == null || !jsonObject.endsWith("}")) {
            return jsonObject;
        }
        StringBuilder out = new StringBuilder(jsonObject.length() + 64)
                .append(jsonObject, 0, jsonObject.length() - 1);
        if (!jsonObject.strip().equals("{}")) {
            out.append(',');
        }
        Json.appendQuoted(out.append("\"operator\":"), operator.name());
        operator.reason().ifPresent(reason -> Json.appendQuoted(out.append(",\"operatorReason\":"), reason));
        return out.append('}').toString();
    }
}
