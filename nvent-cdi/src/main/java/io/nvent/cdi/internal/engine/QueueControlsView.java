package io.nvent.cdi.internal.engine;

import io.nvent.Operator;
import io.nvent.cdi.QueueControls;
import jakarta.enterprise.inject.Vetoed;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * {@link QueueControls#actingAs}: the controls acting as an operator. Its actions (those {@link OperatorView#ACTIONS}
 * lists) are audited as {@link OperatorView} audits the services' (NVENT-0016, refused NVENT-0017), through the same
 * code; its reads pass straight through. A subclass, not a proxy: {@code QueueControls} is a class. It overrides every
 * method, so none reaches the unset fields of the class it extends ({@code OperatorViewMethodsTest} holds it). Vetoed:
 * never a bean, though it inherits {@code @ApplicationScoped}. A view equals only itself; its {@code toString} is the
 * controls'.
 */
@Vetoed
public final class QueueControlsView extends QueueControls {

    private final QueueControls target;
    private final Operator operator;

    private QueueControlsView(QueueControls target, Operator operator) {
        this.target = target;
        this.operator = operator;
    }

    /** {@code controls} acting as {@code operator}; a view's controls, for a view. */
    public static QueueControls of(QueueControls controls, Operator operator) {
        Objects.requireNonNull(operator, "operator");
        return new QueueControlsView(controls instanceof QueueControlsView view ? view.target : controls, operator);
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
        return of(target, operator);
    }

    @Override
    public String toString() {
        return target.toString();
    }

    private void act(String method, Runnable action, Object... args) {
        try {
            OperatorView.audited(operator, method, args, () -> {
                action.run();
                return null;
            });
        } catch (RuntimeException | Error thrown) {
            throw thrown;
        } catch (Throwable checked) {
            throw new UndeclaredThrowableException(checked); // a Runnable throws none
        }
    }
}
