package io.nvent.cdi.internal.engine;

import io.nvent.Operator;
import io.nvent.cdi.QueueControls;
import io.nvent.spi.QueueChange;
import jakarta.enterprise.inject.Vetoed;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;

/**
 * {@link QueueControls#actingAs} and {@link QueueControls#knownQueuesOnly}: the controls acting as an operator, or only
 * on the queues this instance knows, or both. Its actions (those {@link OperatorView#ACTIONS} lists) are audited as
 * {@link OperatorView} audits the services' (NVENT-0016, refused NVENT-0017), through the same code, when it acts as
 * an operator; acting only on known queues, an action on another is refused within that audit (NVENT-0061), before
 * it records anything. Its reads pass straight through. A subclass, not a proxy: {@code QueueControls} is a class. It
 * overrides every method, so none reaches the unset fields of the class it extends ({@code OperatorViewMethodsTest}
 * holds it). Vetoed: never a bean, though it inherits {@code @ApplicationScoped}. A view equals only itself; its
 * {@code toString} is the controls'.
 */
@Vetoed
public final class QueueControlsView extends QueueControls {

    private final QueueControls target;
    /** Who acts; {@code null}: nobody is named, and nothing audited. */
    private final Operator operator;
    /** Refuses a queue this instance does not know (NVENT-0061); {@code null}: any queue, as the controls take it. */
    private final Consumer<String> requireKnown;

    private QueueControlsView(QueueControls target, Operator operator, Consumer<String> requireKnown) {
        this.target = target;
        this.operator = operator;
        this.requireKnown = requireKnown;
    }

    /** {@code controls} acting as {@code operator}; a view's controls, for a view. */
    public static QueueControls of(QueueControls controls, Operator operator) {
        Objects.requireNonNull(operator, "operator");
        return controls instanceof QueueControlsView view ? new QueueControlsView(view.target, operator,
                view.requireKnown) : new QueueControlsView(controls, operator, null);
    }

    /**
     * {@code controls} acting only on the queues {@code requireKnown} takes (it throws, NVENT-0061, for another),
     * named by nobody.
     */
    public static QueueControls knownQueuesOnly(QueueControls controls, Consumer<String> requireKnown) {
        return new QueueControlsView(controls, null, Objects.requireNonNull(requireKnown, "requireKnown"));
    }

    @Override
    public void pause(String queue) {
        act("pause", () -> target.pause(queue), queue);
    }

    @Override
    public void resume(String queue) {
        act("resume", () -> target.resume(queue), queue);
    }

    @Override
    public void setWorkers(String queue, int workers) {
        act("setWorkers", () -> target.setWorkers(queue, workers), queue, workers);
    }

    @Override
    public void removeWorkers(String queue) {
        act("removeWorkers", () -> target.removeWorkers(queue), queue);
    }

    @Override
    public int workersHere(String queue) {
        return target.workersHere(queue);
    }

    @Override
    public int configuredWorkers(String queue) {
        return target.configuredWorkers(queue);
    }

    @Override
    public OptionalInt workersOverride(String queue) {
        return target.workersOverride(queue);
    }

    @Override
    public Map<String, Integer> workersOverrides() {
        return target.workersOverrides();
    }

    @Override
    public Map<String, QueueChange> pauseChanges() {
        return target.pauseChanges();
    }

    @Override
    public Map<String, QueueChange> workersChanges() {
        return target.workersChanges();
    }

    @Override
    public boolean workersSettable() {
        return target.workersSettable();
    }

    @Override
    public Optional<QueueRateLimit> rateLimit(String queue) {
        return target.rateLimit(queue);
    }

    @Override
    public List<RateLimitGroupUsage> rateLimitUsage(String queue, int most) {
        return target.rateLimitUsage(queue, most);
    }

    @Override
    public QueueControls actingAs(Operator operator) {
        return of(this, operator);
    }

    @Override
    public QueueControls knownQueuesOnly() {
        if (requireKnown != null) {
            return this;
        }
        QueueControls known = target.knownQueuesOnly();
        return operator == null ? known : of(known, operator);
    }

    @Override
    public String toString() {
        return target.toString();
    }

    private void act(String method, Runnable action, Object... args) {
        Runnable checked = requireKnown == null ? action : () -> {
            requireKnown.accept((String) args[0]); // the queue's name: refused here, so refused on the audit trail
            action.run();
        };
        if (operator == null) {
            checked.run();
            return;
        }
        try {
            OperatorView.audited(operator, method, args, () -> {
                checked.run();
                return null;
            });
        } catch (RuntimeException | Error thrown) {
            throw thrown;
        } catch (Throwable checkedThrown) {
            throw new UndeclaredThrowableException(checkedThrown); // a Runnable throws none
        }
    }
}
